using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions.Engine;
using Workflows.Definitions.Roster;
using Workflows.Host.Roster;
using Workflows.Host.Runtime;
using Workflows.Definitions.ShiftSwaps;

namespace Workflows.Host.ShiftSwaps;

/// <summary>
/// The request as filed: the instance's start variables (<see cref="InstanceState.Form"/>), which no task data can
/// change, so no approver can re-point the request at other shifts.
/// </summary>
internal static class FiledRequest
{
    public static (ShiftSwapRequest Request, DateTimeOffset ExpiresAt) Of(ActivityContext ctx)
    {
        var form = ctx.State;
        var request = new ShiftSwapRequest(
            ctx.Instance.SubjectId,
            form.GetString(ShiftSwapRequest.Variables.RequesterShiftId) ?? throw new InvalidOperationException("The filed request names no shift."),
            form.GetString(ShiftSwapRequest.Variables.CounterpartId) ?? throw new InvalidOperationException("The filed request names no counterpart."),
            form.GetString(ShiftSwapRequest.Variables.CounterpartShiftId));
        var expiresAt = DateTimeOffset.Parse(
            form.GetString(ShiftSwapRequest.Variables.ExpiresAt) ?? throw new InvalidOperationException("The filed request has no expiry."),
            System.Globalization.CultureInfo.InvariantCulture);
        return (request, expiresAt);
    }
}

/// <summary>
/// <c>roster.swapApprovalRoute</c>: one leader's approval when the requester and the counterpart are in one group,
/// both leaders' when they are not. Decided from the org when the counterpart has accepted, not when the request
/// was filed, so a transfer in between is taken into account.
/// </summary>
public sealed class SwapApprovalRouteActivity : IWorkflowActivity
{
    public const string Name = "roster.swapApprovalRoute";

    public async Task<ActivityResult> RunAsync(ActivityContext context, CancellationToken ct)
    {
        var (request, _) = FiledRequest.Of(context);
        string[] ids = [request.RequesterId, request.CounterpartId];
        var groups = await context.Db.Users.AsNoTracking().Where(u => ids.Contains(u.Id))
            .Select(u => new { u.Id, u.GroupId }).ToDictionaryAsync(u => u.Id, u => u.GroupId, ct);
        var route = ShiftSwapApproval.Route(groups.GetValueOrDefault(request.RequesterId), groups.GetValueOrDefault(request.CounterpartId));
        return new ActivityResult(route, WorkflowVariables.Of(("approvalRoute", route)));
    }
}

/// <summary>
/// <c>roster.applySwap</c>: the coverage check on the roster as it is now and, when it passes, the roster change,
/// both inside the runner's transaction, so the roster changes exactly when the instance ends <c>Approved</c>.
/// A failed check returns the reasons as variables (recorded in the <c>activity.completed</c> history row) and
/// changes nothing. A concurrent conflicting change makes the runner's SaveChanges fail (see
/// <see cref="RosterService"/>): the approval is answered 409 and rolled back, and retrying it checks again.
/// </summary>
public sealed class ApplySwapActivity : IWorkflowActivity
{
    public const string Name = "roster.applySwap";
    public const string Applied = "applied";
    public const string CoverageFailed = "coverageFailed";
    public const string Expired = "expired";

    public async Task<ActivityResult> RunAsync(ActivityContext context, CancellationToken ct)
    {
        var (request, expiresAt) = FiledRequest.Of(context);
        if (context.Clock.Now >= expiresAt)
        {
            // The first shift started before its timer ran: the request lapsed, as the timer would have said.
            return new ActivityResult(Expired, WorkflowVariables.Of(("expiredAt", expiresAt)));
        }

        var result = await new RosterService(context.Db, context.Clock).ApplyAsync(request.ToChange(), ct);
        return result switch
        {
            CoverageResult.Ok ok => new ActivityResult(Applied, WorkflowVariables.Of(
                ("appliedShifts", ok.ChangedShifts.Select(s => new { s.Id, s.AssigneeIds }).ToArray()))),
            CoverageResult.Rejected rejected => await CoverageFailedAsync(context, rejected, ct),
            _ => throw new InvalidOperationException("Unknown coverage result."),
        };
    }

    /// <summary>The history keeps the broken rules as codes (<c>coverageViolations</c>) and, for the record, in words.</summary>
    private static async Task<ActivityResult> CoverageFailedAsync(ActivityContext context, CoverageResult.Rejected rejected, CancellationToken ct)
    {
        var (_, violations) = await Roster.RosterApi.InWordsAsync(context.Db, rejected.Violations, ct);
        var names = await Pages.EmployeeNames.LoadAsync(context.Db, rejected.Violations.Select(v => v.EmployeeId), ct);
        return new ActivityResult(CoverageFailed, WorkflowVariables.Of(
            ("coverageReasons", rejected.Violations.Select(v => Platform.Glossary.Coverage(v, names)).ToArray()),
            ("coverageViolations", violations)));
    }
}
