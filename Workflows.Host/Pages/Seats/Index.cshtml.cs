using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Workflows.Definitions;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Organization;
using Workflows.Host.Platform;
using Workflows.Host.Runtime;

namespace Workflows.Host.Pages.Seats;

/// <summary>
/// Seats and vacancies (职位空缺) for HR: every seat with its holder or how long it has been vacant, opening
/// a new vacant seat and vacating a held one. Both go through the API's handlers (<c>POST /api/seats</c>,
/// <c>POST /api/seats/{id}/vacate</c>), so the one-leader-seat-per-group rule and the <c>seat.vacated</c>
/// signal that wakes waiting promotions are the API's, and so is handing the former holder's open tasks on. Vacating
/// may set the former holder's new rank in the same step.
/// </summary>
public sealed class IndexModel(
    CurrentActor current, WorkflowDbContext db, OrgQueries org, DepartmentClock clock, SignalDispatcher signals, FormerHolderTasks formerHolder,
    IStringLocalizer<SharedResource> localizer)
    : GuardedPageModel(current)
{
    public IReadOnlyList<SeatDto> Seats { get; private set; } = [];

    public IReadOnlyList<GroupDto> Groups { get; private set; } = [];

    public IReadOnlyDictionary<string, string> Names { get; private set; } = new Dictionary<string, string>();

    public string? Refusal { get; private set; }

    [TempData]
    public string? Done { get; set; }

    protected override ValueTask<bool> MayOpenAsync(Actor actor, CancellationToken ct) => ValueTask.FromResult(actor.IsHR);

    public async Task OnGetAsync() => await LoadAsync();

    /// <summary>Which form a refusal answers: "open", or the id of the seat whose vacate form was sent.</summary>
    public string? RefusedForm { get; private set; }

    /// <summary>Whether the refused form is on the page (the open form, or a held seat's row); else the refusal shows at the top.</summary>
    public bool RefusalShownInPlace => RefusedForm == "open" || Seats.Any(s => s.Id == RefusedForm && s.HolderId is not null);

    /// <summary>What the refused form held (rank, group, holder's new rank), shown again.</summary>
    public IReadOnlyDictionary<string, string?> Kept { get; private set; } = new Dictionary<string, string?>();

    public async Task<IActionResult> OnPostOpenAsync(string? rank, string? groupId)
    {
        (RefusedForm, Kept) = ("open", new Dictionary<string, string?> { ["rank"] = rank, ["groupId"] = groupId });
        var ct = HttpContext.RequestAborted;
        var parsed = Enum.GetValues<Rank>().Select(r => (Rank?)r).FirstOrDefault(r => string.Equals(r.ToString(), rank, StringComparison.Ordinal));
        var request = new CreateSeatRequest(parsed, string.IsNullOrWhiteSpace(groupId) ? null : groupId);
        var outcome = ApiOutcome.Of(await OrganizationApi.CreateSeat(request, db, clock, signals, ct));
        return outcome.Succeeded ? Finish(localizer["Vacant seat opened."]) : await RefuseAsync(outcome);
    }

    /// <summary>The question this page's destructive form asks first (without JavaScript too); while set, the page shows only it.</summary>
    public Confirmation? Confirm { get; private set; }

    public async Task<IActionResult> OnPostVacateAsync(string seatId, string? holderRank)
    {
        (RefusedForm, Kept) = (seatId, new Dictionary<string, string?> { ["holderRank"] = holderRank });
        if (!Confirmation.Given(this) && await db.Seats.AsNoTracking().SingleOrDefaultAsync(s => s.Id == seatId && s.HolderId != null, HttpContext.RequestAborted) is { } seat)
        {
            var holder = await db.Users.AsNoTracking().Where(u => u.Id == seat.HolderId).Select(u => u.Name).SingleAsync(HttpContext.RequestAborted);
            var group = seat.GroupId is null ? null : await db.Groups.AsNoTracking().Where(g => g.Id == seat.GroupId).Select(g => g.Name).SingleOrDefaultAsync(HttpContext.RequestAborted);
            Confirm = Confirmation.For(this, localizer["P19_Vacate {0}'s seat? They leave it now and waiting promotions may take it.", holder], localizer["W19_Confirm.Vacate"], "/Seats",
                Glossary.List([holder, Glossary.Rank(seat.Rank), .. group is null ? Array.Empty<string>() : [group]]),
                Enum.TryParse<Rank>(holderRank, out var rank) ? localizer["W19_Confirm.HolderRank", holder, Glossary.Rank(rank)] : "");
            return Page();
        }

        var parsed = Enum.GetValues<Rank>().Select(r => (Rank?)r).FirstOrDefault(r => string.Equals(r.ToString(), holderRank, StringComparison.Ordinal));
        var outcome = ApiOutcome.Of(await OrganizationApi.VacateSeat(seatId, new VacateSeatRequest(parsed), db, clock, signals, formerHolder, Current, HttpContext.RequestAborted));
        return outcome.Succeeded ? Finish(localizer["Seat vacated."]) : await RefuseAsync(outcome);
    }

    private RedirectToPageResult Finish(string done)
    {
        Done = done;
        return RedirectToPage();
    }

    private async Task<IActionResult> RefuseAsync(ApiOutcome outcome)
    {
        Response.StatusCode = outcome.Status;
        Refusal = string.Format(CultureInfo.CurrentCulture, localizer["Not done ({0}): {1}"], outcome.Status, outcome.Detail);
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        var ct = HttpContext.RequestAborted;
        Seats = await org.SeatsAsync(null, null, ct);
        Groups = await org.GroupsAsync(ct);
        Names = await EmployeeNames.LoadAsync(db, Seats.Select(s => s.HolderId), ct);
    }

    public string GroupName(string? groupId) => groupId is null ? "—" : Groups.FirstOrDefault(g => g.Id == groupId)?.Name ?? groupId;

    public string Local(DateTimeOffset at) => clock.Local(at);
}
