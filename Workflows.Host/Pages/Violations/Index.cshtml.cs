using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Workflows.Definitions;
using Workflows.Definitions.Violations;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Violations;

namespace Workflows.Host.Pages.Violations;

/// <summary>
/// Violation records with filters (person, rule, status, date range). Whose records are listed follows
/// <see cref="RecordAccess"/>: HR, the supervisor and the manager everyone's, a group leader their group's,
/// anyone else their own.
/// </summary>
public sealed class IndexModel(CurrentActor current, WorkflowDbContext db, RuleCatalog catalog, IStringLocalizer<SharedResource> localizer)
    : GuardedPageModel(current)
{
    public const int Shown = 200;

    [BindProperty(SupportsGet = true)]
    public string? Employee { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Rule { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Status { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? To { get; set; }

    [TempData]
    public string? Done { get; set; }

    public IReadOnlyList<Violation> Records { get; private set; } = [];

    public int Total { get; private set; }

    public IReadOnlyList<(string Id, string Name)> People { get; private set; } = [];

    public IReadOnlyDictionary<string, string> Names { get; private set; } = new Dictionary<string, string>();

    public IReadOnlyList<ViolationRule> Rules => catalog.Rules;

    public string? Problem { get; private set; }

    /// <summary>Whether the person may record violations against anyone (shows the link to the form).</summary>
    public bool MayRecord { get; private set; }

    protected override ValueTask<bool> MayOpenAsync(Actor actor, CancellationToken ct) => ValueTask.FromResult(true);

    public async Task<IActionResult> OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        MayRecord = RecordAccess.ReadsEveryone(Me) || Me.Authority.Holds(Rank.GroupLeader);
        var people = db.Users.AsNoTracking().Where(u => u.Rank != null);
        if (!RecordAccess.ReadsEveryone(Me))
        {
            var groups = Me.Authority.LedGroupIds;
            var me = Me.Id;
            people = people.Where(u => u.Id == me || (u.GroupId != null && groups.Contains(u.GroupId)));
        }

        People = [.. (await people.OrderBy(u => u.GroupId).ThenBy(u => u.UserName).Select(u => new { u.Id, u.Name }).ToListAsync(ct)).Select(u => (u.Id, u.Name))];
        var visible = People.Select(p => p.Id).ToList();
        var query = db.Set<Violation>().AsNoTracking().Where(v => visible.Contains(v.EmployeeId));
        if (!string.IsNullOrWhiteSpace(Employee))
        {
            query = query.Where(v => v.EmployeeId == Employee);
        }

        if (!string.IsNullOrWhiteSpace(Rule))
        {
            query = query.Where(v => v.RuleCode == Rule);
        }

        if (!string.IsNullOrWhiteSpace(Status))
        {
            if (!QueryValues.TryName<ViolationStatus>(Status, out var status))
            {
                return Refuse(localizer["Unknown status '{0}'.", Status]);
            }

            query = query.Where(v => v.Status == status);
        }

        foreach (var (text, isEnd) in new[] { (From, false), (To, true) })
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            if (QueryValues.Date(text, out var parsed) is not null || parsed is not { } date)
            {
                return Refuse(QueryValues.DateProblem(localizer, isEnd ? "To" : "From", text));
            }

            query = isEnd ? query.Where(v => v.OccurredOn <= date) : query.Where(v => v.OccurredOn >= date);
        }

        Total = await query.CountAsync(ct);
        Records = await query.OrderByDescending(v => v.OccurredOn).ThenByDescending(v => v.RecordedAt).Take(Shown).ToListAsync(ct);
        Names = await EmployeeNames.LoadAsync(db, Records.Select(r => r.EmployeeId).Concat(Records.Select(r => r.RecordedBy)), ct);
        return Page();
    }

    private PageResult Refuse(string problem)
    {
        Problem = problem;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    public string RuleTitle(string code) => RuleText.Title(catalog, code);
}
