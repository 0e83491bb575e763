using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workflows.Definitions;
using Workflows.Definitions.Eligibility;
using Workflows.Definitions.Engine;
using Workflows.Host.Data;
using Workflows.Host.Organization;
using Workflows.Host.Runtime;
using Workflows.Host.Violations;

namespace Workflows.Host.Promotion;

/// <summary>
/// The application form as filed: the instance's start variables (<see cref="InstanceState.Form"/>), which no task data
/// can change, so no approver (nor the applicant answering a return) can change the target rank or the application
/// date the gate and the appointment use.
/// </summary>
internal sealed record PromotionForm(Rank TargetRank, DateOnly ApplicationDate, string? NominatorId)
{
    public static PromotionForm Of(InstanceState state)
    {
        var target = Enum.Parse<Rank>(state.GetString(PromotionVariables.TargetRank)
            ?? throw new InvalidOperationException("The application form names no target rank."));
        var date = DateOnly.ParseExact(state.GetString(PromotionVariables.ApplicationDate)
            ?? throw new InvalidOperationException("The application form has no application date."), "yyyy-MM-dd", CultureInfo.InvariantCulture);
        return new PromotionForm(target, date, state.GetString(PromotionVariables.NominatorId));
    }
}

/// <summary>Variable names shared by the promotion designs and activities.</summary>
public static class PromotionVariables
{
    public const string TargetRank = "targetRank";
    public const string CurrentRank = "currentRank";
    public const string Channel = "channel";
    public const string Statement = "statement";
    public const string Justification = "justification";
    public const string NominatorId = "nominatorId";
    public const string ApplicationDate = "applicationDate";

    /// <summary>The deadline of the waits for a seat or a cleared re-check; protected (a wait's <c>timeoutAt</c>).</summary>
    public const string WaitUntil = "waitUntil";

    /// <summary>Snapshots go into variables (and so into the activity.completed history row) with enums as their codes, as the API shows them.</summary>
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    internal static JsonElement Value(object? value) => JsonSerializer.SerializeToElement(value, Json);

    internal static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>
/// The automatic gate at submission (and after every resubmission): the clean-record rule (docs/domain.md §Clean-record windows)
/// as of the application date, for the target rank's window. The full explanation goes to history.
/// </summary>
public sealed class CheckEligibilityActivity(EligibilityService eligibility) : IWorkflowActivity
{
    public const string Name = "promotion.checkEligibility";

    public async Task<ActivityResult> RunAsync(ActivityContext context, CancellationToken ct)
    {
        var form = PromotionForm.Of(context.State);
        var result = await eligibility.EvaluateAsync(context.Instance.SubjectId, form.TargetRank, form.ApplicationDate, ct)
            ?? throw new InvalidOperationException($"The candidate {context.Instance.SubjectId} no longer exists.");
        return new ActivityResult(result.Eligible ? "eligible" : "ineligible", WorkflowVariables.Empty
            .SetItem("eligibility", PromotionVariables.Value(EligibilityDto.From(result))));
    }
}

/// <summary>"Return for changes" goes back to the applicant: the nominator when there is one, else the candidate.</summary>
public sealed class ReturnRouteActivity : IWorkflowActivity
{
    public const string Name = "promotion.returnRoute";

    public async Task<ActivityResult> RunAsync(ActivityContext context, CancellationToken ct)
    {
        var form = PromotionForm.Of(context.State);
        return new ActivityResult(form.NominatorId is null ? "candidate" : "nominator");
    }
}

/// <summary>
/// A waiting application was woken by <c>seat.vacated</c>: is there a vacant seat of its target rank now?
/// Any seat counts, not only the one in the signal, since an earlier signal may have gone by while the
/// application was at another step. Yes → HR's 择优 task; no → back to waiting (same deadline).
/// </summary>
public sealed class CheckVacancyActivity : IWorkflowActivity
{
    public const string Name = "promotion.checkVacancy";

    public async Task<ActivityResult> RunAsync(ActivityContext context, CancellationToken ct)
    {
        var form = PromotionForm.Of(context.State);
        var vacant = await context.Db.Seats.AsNoTracking().CountAsync(s => s.Rank == form.TargetRank && s.HolderId == null, ct);
        return new ActivityResult(vacant > 0 ? "vacant" : "none", WorkflowVariables.Of(("vacantSeats", vacant)));
    }
}

/// <summary>
/// The appointment (任命): re-checks eligibility on current data with the application date as reference,
/// takes a vacant seat of the target rank, changes the candidate's rank (and group), and vacates their old
/// seat — all on the runner's DbContext, so it commits with the instance's completion or not at all.
/// </summary>
/// <remarks>
/// Outcomes: <c>blocked</c> (a counting violation in the window, e.g. recorded after submission but dated
/// inside it: the reason goes to history and the application waits on <c>eligibility.changed</c> for this
/// candidate until <see cref="PromotionVariables.WaitUntil"/>), <c>noSeat</c> (waits on <c>seat.vacated</c>),
/// <c>appointed</c>. Two appointments racing for one seat both see it vacant, but the seat's version token
/// lets only one commit; the other step rolls back with a conflict (409) and, tried again, finds no seat.
/// </remarks>
public sealed class AppointActivity(EligibilityService eligibility, IOptions<PromotionOptions> options, FormerHolderTasks formerHolder) : IWorkflowActivity
{
    public const string Name = "promotion.appoint";

    public async Task<ActivityResult> RunAsync(ActivityContext context, CancellationToken ct)
    {
        var db = context.Db;
        var form = PromotionForm.Of(context.State);
        var candidateId = context.Instance.SubjectId;
        var result = await eligibility.EvaluateAsync(candidateId, form.TargetRank, form.ApplicationDate, ct)
            ?? throw new InvalidOperationException($"The candidate {candidateId} no longer exists.");
        var snapshot = PromotionVariables.Value(EligibilityDto.From(result));
        if (!result.Eligible)
        {
            return new ActivityResult("blocked", Waiting(context)
                .SetItem("appointmentEligibility", snapshot)
                .SetItem("blockedReason", PromotionVariables.Value(
                    Platform.Glossary.Say("W19_RecheckFailed", PromotionVariables.Iso(form.ApplicationDate),
                        string.Join(" ", result.Reasons.Select(r => Platform.Glossary.Eligibility(r)))))));
        }

        var candidate = await db.Users.SingleAsync(u => u.Id == candidateId, ct);
        var seat = await ChooseSeatAsync(db, form.TargetRank, candidate.GroupId, ct);
        if (seat is null)
        {
            return new ActivityResult("noSeat", Waiting(context).SetItem("appointmentEligibility", snapshot));
        }

        var now = context.Clock.Now;
        var previous = await db.Seats.Where(s => s.HolderId == candidateId).ToListAsync(ct);
        foreach (var old in previous)
        {
            old.Vacate(now);
            // Waiting applications for the old rank (e.g. the leader seat a new supervisor leaves) wake on it;
            // the sweeper delivers it once this step has committed.
            OrganizationApi.RaiseVacancy(db, context.Clock, old);
        }

        seat.Fill(candidateId);
        var fromRank = candidate.Rank;
        var fromGroup = candidate.GroupId;
        candidate.Rank = form.TargetRank;
        // A group leader leads the group whose seat they take; supervisor and manager seats belong to the department.
        candidate.GroupId = form.TargetRank == Rank.GroupLeader ? seat.GroupId : null;

        // The seats they left take their authority with them (docs/domain.md §People, ranks and seats): their open tasks of those roles are resolved
        // again on the org as it is now, in this step's transaction.
        if (previous.Count > 0)
        {
            await db.SaveChangesAsync(ct);
            foreach (var old in previous)
            {
                await formerHolder.ResolveAgainAsync(candidateId, old.Rank, null, ct);
            }
        }

        return new ActivityResult("appointed", WorkflowVariables.Empty
            .SetItem("appointmentEligibility", snapshot)
            .SetItem("appointment", PromotionVariables.Value(new
            {
                seatId = seat.Id,
                rank = form.TargetRank,
                groupId = seat.GroupId,
                fromRank,
                fromGroupId = fromGroup,
                vacatedSeatIds = previous.Select(p => p.Id).ToArray(),
                appointedOn = PromotionVariables.Iso(context.Clock.Today),
            })));
    }

    private static async Task<Seat?> ChooseSeatAsync(WorkflowDbContext db, Rank rank, string? groupId, CancellationToken ct) =>
        ChooseSeat(await db.Seats.Where(s => s.Rank == rank && s.HolderId == null).ToListAsync(ct), rank, groupId);

    /// <summary>
    /// For a group leader, the candidate's own group's seat first; otherwise the longest-vacant one. Of
    /// <paramref name="vacant"/> (any seats; only the vacant ones of <paramref name="rank"/> count), so the pages can
    /// show approvers the seat an appointment would take now, by the same rule.
    /// </summary>
    internal static Seat? ChooseSeat(IEnumerable<Seat> vacant, Rank rank, string? groupId) =>
        vacant.Where(s => s.Rank == rank && s.HolderId == null)
            .OrderBy(s => rank == Rank.GroupLeader && groupId is not null && s.GroupId == groupId ? 0 : 1)
            .ThenBy(s => s.VacantSince ?? DateTimeOffset.MinValue)
            .ThenBy(s => s.Id, StringComparer.Ordinal)
            .FirstOrDefault();

    /// <summary>The wait deadline is set the first time the application waits and kept after that (docs/domain.md §Appointment, vacancies and waiting: 90 days by default).</summary>
    private ImmutableDictionary<string, JsonElement> Waiting(ActivityContext context) =>
        context.Variable(PromotionVariables.WaitUntil) is not null
            ? WorkflowVariables.Empty
            : WorkflowVariables.Of((PromotionVariables.WaitUntil, options.Value.VacancyWaitDuration.AddTo(context.Clock.Now)));
}
