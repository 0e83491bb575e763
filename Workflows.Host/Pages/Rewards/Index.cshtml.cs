using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Workflows.Definitions;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Ledger;
using Workflows.Host.Platform;

namespace Workflows.Host.Pages.Rewards;

/// <summary>
/// Rewards (奖励): the supervisor and the manager record them (docs/api.md §Ledger, <c>POST /api/rewards</c>, whose handler
/// this page calls), and see the latest ones. Everyone else gets 403, as from the API.
/// </summary>
public sealed class IndexModel(CurrentActor current, WorkflowDbContext db, DepartmentClock clock, Definitions.Ledger.MoneyBounds bounds,
    IStringLocalizer<SharedResource> localizer)
    : GuardedPageModel(current)
{
    public const int Shown = 50;

    [BindProperty]
    public string? EmployeeId { get; set; }

    [BindProperty]
    public string? Amount { get; set; }

    [BindProperty]
    public string? Reason { get; set; }

    [BindProperty]
    public string? AwardedOn { get; set; }

    public IReadOnlyList<(string Id, string Name, string UserName)> People { get; private set; } = [];

    public IReadOnlyList<Reward> Latest { get; private set; } = [];

    public IReadOnlyDictionary<string, string> Names { get; private set; } = new Dictionary<string, string>();

    public string? Refusal { get; private set; }

    [TempData]
    public string? Done { get; set; }

    public DateOnly Today => clock.Today;

    protected override ValueTask<bool> MayOpenAsync(Actor actor, CancellationToken ct) =>
        ValueTask.FromResult(actor.Authority.IsSupervisorOrManager);

    public async Task OnGetAsync()
    {
        AwardedOn ??= Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await LoadAsync();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var ct = HttpContext.RequestAborted;
        decimal? amount = null;
        if (!string.IsNullOrWhiteSpace(Amount))
        {
            if (!decimal.TryParse(Amount.Trim(), NumberStyles.Number, CultureInfo.InvariantCulture, out var parsed))
            {
                return await RefuseAsync(StatusCodes.Status400BadRequest, localizer["{0}: '{1}' is not an amount.", localizer["Amount"], Amount]);
            }

            amount = parsed;
        }

        DateOnly? awardedOn = null;
        if (!string.IsNullOrWhiteSpace(AwardedOn))
        {
            if (!DateOnly.TryParseExact(AwardedOn.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                return await RefuseAsync(StatusCodes.Status400BadRequest, localizer["{0}: '{1}' is not a date (yyyy-MM-dd).", localizer["Awarded on"], AwardedOn]);
            }

            awardedOn = date;
        }

        var outcome = ApiOutcome.Of(await LedgerApi.RecordReward(new RecordRewardRequest(EmployeeId, amount, Reason, awardedOn), Current, db, clock, bounds, ct));
        if (!outcome.Succeeded)
        {
            return await RefuseAsync(outcome.Status, outcome.Detail ?? "");
        }

        Done = localizer["Reward recorded."];
        return RedirectToPage();
    }

    private async Task<IActionResult> RefuseAsync(int status, string detail)
    {
        Response.StatusCode = status;
        Refusal = string.Format(CultureInfo.CurrentCulture, localizer["Not done ({0}): {1}"], status, detail);
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        var ct = HttpContext.RequestAborted;
        var me = Me.Id;
        People = [.. (await db.Users.AsNoTracking().Where(u => u.Rank != null && u.Id != me).OrderBy(u => u.GroupId).ThenBy(u => u.UserName)
            .Select(u => new { u.Id, u.Name, u.UserName }).ToListAsync(ct)).Select(u => (u.Id, u.Name, u.UserName ?? ""))];
        Latest = await db.Set<Reward>().AsNoTracking().OrderByDescending(r => r.AwardedOn).ThenByDescending(r => r.AwardedAt).Take(Shown).ToListAsync(ct);
        Names = await EmployeeNames.LoadAsync(db, Latest.Select(r => r.EmployeeId).Concat(Latest.Select(r => r.AwardedBy)), ct);
    }
}
