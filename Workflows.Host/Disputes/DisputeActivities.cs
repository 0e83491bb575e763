using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Definitions.Engine;
using Workflows.Definitions.Ledger;
using Workflows.Host.Ledger;
using Workflows.Host.Runtime;
using Workflows.Host.Violations;
using Workflows.Definitions.Disputes;

namespace Workflows.Host.Disputes;

/// <summary>
/// <c>dispute.open</c>, the first step of <c>penalty-dispute</c>: puts the violation UnderDispute in the same transaction that
/// moves the instance past its start, so "a running dispute" and "a violation under dispute" are never apart. The endpoint
/// has checked the window already; this re-checks on the rows it changes (the violation's concurrency token guards the
/// race of two disputes opened at once) and answers <c>refused</c> when a concurrent request got there first.
/// </summary>
public sealed class OpenDisputeActivity(LedgerService ledger) : IWorkflowActivity
{
    public const string Name = "dispute.open";

    public async Task<ActivityResult> RunAsync(ActivityContext context, CancellationToken ct)
    {
        var violationId = context.Variable(DisputeVariables.ViolationId);
        var violation = violationId is null ? null : await context.Db.Set<Violation>().SingleOrDefaultAsync(v => v.Id == violationId, ct);
        if (violation is null || violation.EmployeeId != context.Instance.SubjectId)
        {
            return Refused($"There is no violation '{violationId}' of this employee.");
        }

        if (await ledger.CheckDisputeAsync(violation, ct) is DisputeAdmission.Refused refused)
        {
            return Refused(Platform.Glossary.Dispute(refused));
        }

        if (violation.OpenDispute(context.Instance.Id, context.Instance.StartedBy, context.Clock.Now) is { } reason)
        {
            return Refused(reason);
        }

        return new ActivityResult("opened", WorkflowVariables.Of(
            ("ruleCode", violation.RuleCode), ("occurredOn", violation.OccurredOn), ("disputedAmount", violation.PenaltyAmount)));
    }

    private static ActivityResult Refused(string reason) => new("refused", WorkflowVariables.Of((DisputeVariables.Refusal, reason)));
}

/// <summary>
/// <c>dispute.route</c>: the group leader reviews unless the leader recorded the violation (docs/domain.md §Penalty disputes: then the review
/// goes straight to the supervisor), is the disputing employee, or the group has no leader. A step of its own rather
/// than the engine's escalation, so the history says why the review was skipped and the supervisor is not asked to
/// "review" and then "decide" the same dispute.
/// </summary>
public sealed class RouteDisputeActivity : IWorkflowActivity
{
    public const string Name = "dispute.route";

    public async Task<ActivityResult> RunAsync(ActivityContext context, CancellationToken ct)
    {
        var groupId = context.Variable(DisputeVariables.GroupId);
        var leader = groupId is null
            ? null
            : await context.Db.Seats.Where(s => s.Rank == Rank.GroupLeader && s.GroupId == groupId && s.HolderId != null)
                .Select(s => s.HolderId).FirstOrDefaultAsync(ct);
        var why = leader switch
        {
            // Codes, said in words by the pages (W19_Value.*).
            null => "noGroupLeader",
            _ when leader == context.Variable(DisputeVariables.RecordedBy) => "leaderRecorded",
            _ when leader == context.Instance.SubjectId => "leaderDisputes",
            _ => null,
        };
        return why is null
            ? new ActivityResult("review", WorkflowVariables.Of(("reviewer", leader)))
            : new ActivityResult("supervisor", WorkflowVariables.Of(("reviewSkipped", why)));
    }
}

/// <summary>
/// <c>ledger.decideDispute</c>: applies the supervisor's decision (the <c>decide</c> step's action and <c>data.amount</c>,
/// read from its recorded decision so no other step's data can stand in for it) with every effect in the runner's
/// transaction: the violation's status and amount, the adjustment into the first open month when its month is closed
/// (an open month is computed live and needs nothing stored), and the <c>eligibility.changed</c> signal for the
/// employee's waiting promotions, delivered after the commit by the dispatcher (the sweeper's next run).
/// An amount the rules refuse sends the dispute back to the supervisor with the reason in <c>decisionError</c>.
/// </summary>
public sealed class DecideDisputeActivity(LedgerService ledger) : IWorkflowActivity
{
    public const string Name = "ledger.decideDispute";

    public const string EligibilityChanged = "eligibility.changed";

    public async Task<ActivityResult> RunAsync(ActivityContext context, CancellationToken ct)
    {
        var violation = await context.Db.Set<Violation>().SingleOrDefaultAsync(v => v.DisputeInstanceId == context.Instance.Id, ct)
            ?? throw new InvalidOperationException($"No violation is under dispute by instance {context.Instance.Id}.");
        if (!context.State.Variables.TryGetValue(WorkflowVariables.DecisionPrefix + "decide", out var decided) || decided.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidOperationException("The supervisor's decision is missing.");
        }

        var action = decided.TryGetProperty("action", out var a) ? a.GetString() : null;
        var actorId = decided.TryGetProperty("actorId", out var who) ? who.GetString() ?? "" : "";
        DisputeDecision? decision = action switch
        {
            "uphold" => new DisputeDecision.Uphold(),
            "waive" => new DisputeDecision.Waive(),
            "reduce" => Amount(decided) is { } amount ? new DisputeDecision.Reduce(amount) : null,
            _ => throw new InvalidOperationException($"Unknown dispute decision '{action}'."),
        };
        if (decision is null)
        {
            return Invalid(Platform.Glossary.Say("W19_AmountNotANumber"));
        }

        var previous = violation.PenaltyAmount;
        switch (await ledger.DecideDisputeAsync(violation, decision, actorId, context.Instance.Id, ct))
        {
            case DisputeResolution.Invalid invalid:
                return Invalid(Platform.Glossary.Decision(invalid.Problem));
            case DisputeResolution.Resolved resolved:
                SignalDispatcher.Raise(context.Db, context.Clock, EligibilityChanged, new { violationId = violation.Id }, subjectId: violation.EmployeeId);
                return new ActivityResult(resolved.NewStatus.ToString(), WorkflowVariables.Of(
                    ("previousAmount", previous), ("newAmount", resolved.NewAmount), ("adjustmentAmount", resolved.AdjustmentAmount),
                    (DisputeVariables.DecisionError, null)));
            default:
                throw new InvalidOperationException("Unknown dispute resolution.");
        }
    }

    private static decimal? Amount(JsonElement decided) =>
        decided.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object && data.TryGetProperty("amount", out var amount)
            ? DisputeAmountCheck.Amount(amount)
            : null;

    private static ActivityResult Invalid(string reason) => new("invalid", WorkflowVariables.Of((DisputeVariables.DecisionError, reason)));
}

/// <summary>
/// <c>dispute.withdraw</c>, the design's <c>onWithdraw</c>: the employee withdrew an undecided dispute, so the violation
/// goes back to Active in the withdraw's transaction. The one dispute per violation stays used (docs/domain.md §Penalty disputes).
/// </summary>
public sealed class WithdrawDisputeActivity : IWorkflowActivity
{
    public const string Name = "dispute.withdraw";

    public async Task<ActivityResult> RunAsync(ActivityContext context, CancellationToken ct)
    {
        var violation = await context.Db.Set<Violation>().SingleOrDefaultAsync(v => v.DisputeInstanceId == context.Instance.Id, ct);
        if (violation is null)
        {
            return new ActivityResult("unchanged"); // withdrawn before the dispute was opened on the violation
        }

        return violation.WithdrawDispute(context.Instance.Id, context.Instance.StartedBy, context.Clock.Now) is { } reason
            ? new ActivityResult("unchanged", WorkflowVariables.Of(("reason", reason)))
            : new ActivityResult("restored", WorkflowVariables.Of((DisputeVariables.ViolationId, violation.Id), ("status", violation.Status.ToString())));
    }
}

/// <summary>Variable names of the <c>penalty-dispute</c> design.</summary>
public static class DisputeVariables
{
    public const string ViolationId = "violationId";
    public const string RecordedBy = "recordedBy";
    public const string GroupId = "groupId";
    public const string Reason = "reason";
    public const string Refusal = "refusal";
    public const string DecisionError = "decisionError";
}
