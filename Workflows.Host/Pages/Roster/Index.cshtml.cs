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
/// person may read a roster (colleagues look up shifts to propose swaps). It opens on one's own group. Whoever
/// arranges the group (<see cref="RosterApi.MayArrange"/>) also adds shifts and puts people on them here.
/// </summary>
public sealed class IndexModel(
    CurrentActor current, WorkflowDbContext db, OrgQueries org, RosterService roster, DepartmentClock clock, IStringLocalizer<SharedResource> localizer)
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

    [TempData]
    public string? Done { get; set; }

    /// <summary>Whether this person arranges the shown group's roster (its leader, the supervisor, the manager, HR).</summary>
    public bool MayArrange => Group is not null && RosterApi.MayArrange(Me, Group);

    /// <summary>People who may be put on a shift: the department's ranked employees, the shown group first.</summary>
    public IReadOnlyList<(string Id, string Name, string? GroupId)> Staff { get; private set; } = [];

    protected override ValueTask<bool> MayOpenAsync(Actor actor, CancellationToken ct) => ValueTask.FromResult(true);

    /// <summary>A new shift through <c>POST /api/shifts</c>'s handler (who may, and every field, checked there).</summary>
    public async Task<IActionResult> OnPostShiftAsync(string? date, string? start, string? end, string? minStaff)
    {
        (RefusedForm, Kept) = ("shift", new Dictionary<string, string?> { ["date"] = date, ["start"] = start, ["end"] = end, ["minStaff"] = minStaff });
        int? min = int.TryParse(minStaff, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
        if (min is null && !string.IsNullOrWhiteSpace(minStaff))
        {
            return await RefuseAsync(StatusCodes.Status400BadRequest, localizer["{0}: '{1}' is not a number.", localizer["Minimum staff"], minStaff]);
        }

        var outcome = ApiOutcome.Of(await RosterApi.CreateShift(new CreateShiftRequest(Group, date, start, end, min), Current, db, clock, HttpContext.RequestAborted));
        return outcome.Succeeded ? Finish(localizer["Shift added."]) : await RefuseAsync(outcome.Status, outcome.Detail);
    }

    /// <summary>Puts someone on a shift through <c>POST /api/shifts/{id}/assignments</c>'s handler (overlaps and started shifts refused there).</summary>
    /// <summary>Which form a refusal answers: "shift" (add a shift) or the id of the shift someone was to be put on.</summary>
    public string? RefusedForm { get; private set; }

    /// <summary>Whether the refused form is on the page (the add-shift form, or a coming shift's row); else the refusal shows at the top.</summary>
    public bool RefusalShownInPlace => RefusedForm is not null && MayArrange
        && (RefusedForm == "shift" || Shifts.Any(s => s.Id == RefusedForm && !Started(s)));

    /// <summary>What the refused form held, shown again.</summary>
    public IReadOnlyDictionary<string, string?> Kept { get; private set; } = new Dictionary<string, string?>();

    public async Task<IActionResult> OnPostAssignAsync(string shiftId, string? employeeId)
    {
        (RefusedForm, Kept) = (shiftId, new Dictionary<string, string?> { ["employeeId"] = employeeId });
        if (string.IsNullOrWhiteSpace(employeeId))
        {
            return await RefuseAsync(StatusCodes.Status400BadRequest, localizer["P19_Choose who to put on the shift."]);
        }

        var outcome = ApiOutcome.Of(await RosterApi.AddAssignment(shiftId, new AssignRequest(employeeId), Current, db, roster, clock, HttpContext.RequestAborted));
        return outcome.Succeeded ? Finish(localizer["Put on the shift."]) : await RefuseAsync(outcome.Status, outcome.Detail);
    }

    /// <summary>Takes someone off a shift through <c>DELETE /api/shifts/{id}/assignments/{employeeId}</c>'s handler.</summary>
    /// <summary>The question this page's destructive form asks first (without JavaScript too); while set, the page shows only it.</summary>
    public Confirmation? Confirm { get; private set; }

    public async Task<IActionResult> OnPostRemoveAsync(string shiftId, string? employeeId)
    {
        (RefusedForm, Kept) = (shiftId, new Dictionary<string, string?>());
        if (string.IsNullOrWhiteSpace(employeeId))
        {
            return await RefuseAsync(StatusCodes.Status400BadRequest, localizer["P19_Choose who to take off the shift."]);
        }

        if (!Confirmation.Given(this) && await db.Set<Shift>().AsNoTracking().SingleOrDefaultAsync(s => s.Id == shiftId, HttpContext.RequestAborted) is { } shift
            && await db.Users.AsNoTracking().Where(u => u.Id == employeeId).Select(u => u.Name).SingleOrDefaultAsync(HttpContext.RequestAborted) is { } name)
        {
            Confirm = Confirmation.For(this, localizer["P19_Take {0} off this shift?", name], localizer["W19_Confirm.Remove"],
                Url.Page("/Roster/Index", new { group = Group, from = From }) ?? "/Roster", Glossary.Shift(shift.Date, shift.Start, shift.End));
            return Page();
        }

        var outcome = ApiOutcome.Of(await RosterApi.RemoveAssignment(shiftId ?? "", employeeId, Current, db, roster, clock, HttpContext.RequestAborted));
        return outcome.Succeeded ? Finish(localizer["P19_Taken off the shift."]) : await RefuseAsync(outcome.Status, outcome.Detail);
    }

    private RedirectToPageResult Finish(string done)
    {
        Done = done;
        return RedirectToPage(new { group = Group, from = From });
    }

    private async Task<IActionResult> RefuseAsync(int status, string? detail)
    {
        await OnGetAsync();
        Response.StatusCode = status;
        Problem = string.Format(CultureInfo.CurrentCulture, localizer["Not done ({0}): {1}"], status, detail);
        return Page();
    }

    public async Task<IActionResult> OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        Groups = await org.GroupsAsync(ct);
        Group ??= Groups.FirstOrDefault(g => g.Id == Me.GroupId)?.Id ?? (Groups.Count > 0 ? Groups[0].Id : null);
        Start = clock.Today;
        if (!string.IsNullOrWhiteSpace(From))
        {
            // Bounded like the API's dates, with room for the week shown and the pager's weeks either side.
            if (QueryValues.Date(From, out var start) is not null || start is not { } first
                || !DateBounds.Contains(first.AddDays(-Days)) || !DateBounds.Contains(first.AddDays(2 * Days)))
            {
                Problem = QueryValues.DateProblem(localizer, "From", From);
                Response.StatusCode = StatusCodes.Status400BadRequest;
                return Page();
            }

            Start = first;
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
        if (MayArrange)
        {
            var shown = Group;
            Staff = [.. (await db.Users.AsNoTracking().Where(u => u.Rank != null).Select(u => new { u.Id, u.Name, u.GroupId, u.UserName }).ToListAsync(ct))
                .OrderBy(u => u.GroupId == shown ? 0 : 1).ThenBy(u => u.UserName, StringComparer.Ordinal).Select(u => (u.Id, u.Name, u.GroupId))];
        }

        Names = await EmployeeNames.LoadAsync(db, Shifts.SelectMany(s => s.AssigneeIds), ct);
        return Page();
    }

    public string GroupName => Groups.FirstOrDefault(g => g.Id == Group)?.Name ?? "—";

    /// <summary>A group's name for the picker's headings ("—" for people in no group).</summary>
    public string GroupLabel(string? groupId) => groupId is null ? "—" : Groups.FirstOrDefault(g => g.Id == groupId)?.Name ?? "—";

    public string Day(DateOnly date) => date.ToString("yyyy-MM-dd ddd", CultureInfo.CurrentCulture);

    public string Week(int offset) => Start.AddDays(offset * Days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public bool Started(ShiftDto shift) => shift.StartsAt <= clock.Now;
}
