using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Organization;
using Workflows.Host.Platform;
using Workflows.Host.Roster;

namespace Workflows.Host.Pages.Roster;

/// <summary>
/// A group's roster for a week: each shift, who is on it, and its staffing against its minimum (a shift
/// below its minimum is marked). Read through <c>GET /api/shifts</c>'s handler; like the API, any signed-in
/// person may read a roster (colleagues look up shifts to propose swaps). It opens on one's own group.
/// </summary>
public sealed class IndexModel(CurrentActor current, WorkflowDbContext db, OrgQueries org, DepartmentClock clock, IStringLocalizer<SharedResource> localizer)
    : GuardedPageModel(current)
{
    public const int Days = 7;

    [BindProperty(SupportsGet = true)]
    public string? Group { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? From { get; set; }

    public IReadOnlyList<GroupDto> Groups { get; private set; } = [];

    public IReadOnlyList<ShiftDto> Shifts { get; private set; } = [];

    public IReadOnlyDictionary<string, string> Names { get; private set; } = new Dictionary<string, string>();

    public DateOnly Start { get; private set; }

    public string? Problem { get; private set; }

    protected override ValueTask<bool> MayOpenAsync(Actor actor, CancellationToken ct) => ValueTask.FromResult(true);

    public async Task<IActionResult> OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        Groups = await org.GroupsAsync(ct);
        Group ??= Groups.FirstOrDefault(g => g.Id == Me.GroupId)?.Id ?? (Groups.Count > 0 ? Groups[0].Id : null);
        Start = clock.Today;
        if (!string.IsNullOrWhiteSpace(From))
        {
            if (!DateOnly.TryParseExact(From.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start))
            {
                Problem = localizer["{0}: '{1}' is not a date (yyyy-MM-dd).", localizer["From"], From];
                Response.StatusCode = StatusCodes.Status400BadRequest;
                return Page();
            }

            Start = start;
        }

        if (Group is null || Groups.All(g => g.Id != Group))
        {
            return Page();
        }

        var outcome = ApiOutcome.Of(await RosterApi.ListShifts(Group, Start, Start.AddDays(Days - 1), null, db, clock, ct));
        if (!outcome.Succeeded)
        {
            Problem = outcome.Detail;
            Response.StatusCode = outcome.Status;
            return Page();
        }

        Shifts = outcome.ValueAs<ShiftDto[]>();
        Names = await EmployeeNames.LoadAsync(db, Shifts.SelectMany(s => s.AssigneeIds), ct);
        return Page();
    }

    public string GroupName => Groups.FirstOrDefault(g => g.Id == Group)?.Name ?? "—";

    public string Day(DateOnly date) => date.ToString("yyyy-MM-dd ddd", CultureInfo.CurrentCulture);

    public string Week(int offset) => Start.AddDays(offset * Days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public bool Started(ShiftDto shift) => shift.StartsAt <= clock.Now;
}
