using Microsoft.EntityFrameworkCore;
using Workflows.Definitions.Disputes;
using Workflows.Host.Platform;
using Workflows.Definitions.Engine;
using Workflows.Definitions.Ledger;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Ledger;
using Workflows.Host.Runtime;
using Workflows.Host.Violations;

namespace Workflows.Host.Disputes;

/// <summary>
/// Opens a dispute for <c>POST /api/disputes</c> and the dispute page alike. The window and "one dispute per violation"
/// are checked here so a refused request writes nothing; the violation turns UnderDispute in the instance's first step
/// (<see cref="OpenDisputeActivity"/>), which re-checks on the row it changes. A request racing another dispute of the
/// same violation is refused by the running-key index when it inserts its instance (409 naming the running one), so it
/// leaves nothing behind.
/// </summary>
public sealed class DisputeFilingService(WorkflowDbContext db, LedgerService ledger, WorkflowRunner runner)
{
    public async Task<Filing> FileAsync(Actor actor, OpenDisputeRequest request, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(request.ViolationId))
        {
            errors["violationId"] = ["The violation is required / 请指定违纪记录"];
        }

        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            errors["reason"] = ["A reason is required / 请填写申诉理由"];
        }
        else if (request.Reason.Length > DisputesApi.ReasonLength)
        {
            errors["reason"] = [$"The reason is at most {DisputesApi.ReasonLength} characters / 申诉理由过长"];
        }

        if (errors.Count > 0)
        {
            return new Filing.Invalid(errors);
        }

        var (violation, refusal) = await FindOwnAsync(actor, request.ViolationId!, ct);
        if (refusal is not null)
        {
            return refusal;
        }

        var employee = (await db.FindPersonAsync(violation!.EmployeeId, ct))!;
        var key = RunningKeys.Dispute(violation.Id);
        if (await RunningKeys.RunningAsync(db, DisputesApi.DesignName, key, ct) is { } running)
        {
            return RunningKeys.Conflict(running, "A dispute of this violation");
        }

        if (await ledger.CheckDisputeAsync(violation, ct) is DisputeAdmission.Refused refused)
        {
            return Filing.Refused.Unprocessable(Glossary.Dispute(refused));
        }

        var variables = WorkflowVariables.Of(
            (DisputeVariables.ViolationId, violation.Id),
            (DisputeVariables.RecordedBy, violation.RecordedBy),
            (DisputeVariables.GroupId, employee.GroupId),
            (DisputeVariables.Reason, request.Reason!.Trim()));
        var (result, duplicate) = await RunningKeys.StartAsync(db, DisputesApi.DesignName, key, "A dispute of this violation",
            () => runner.StartAsync(DisputesApi.DesignName, actor.Id, actor.Id, "Employee", variables, ct, runningKey: key), ct);
        if (duplicate is not null)
        {
            return duplicate;
        }

        if (result is RunResult.Refused failed)
        {
            return new Filing.Refused(failed.Status, failed.Detail, failed.Status == 503 ? "Step failed" : "Request refused");
        }

        var instance = await db.Instances.AsNoTracking().SingleAsync(i => i.Id == ((RunResult.Ok)result!).Instance.Id, ct);
        if (instance.Outcome == "Refused")
        {
            var detail = await InstancesApi.DetailAsync(db, instance, ct);
            return Filing.Refused.Unprocessable(
                (detail.Data.TryGetValue(DisputeVariables.Refusal, out var why) ? why.GetString() : null) ?? "The violation cannot be disputed now.");
        }

        return new Filing.Filed(instance.Id);
    }

    /// <summary>
    /// The caller's own violation: 404 when it does not exist or they may not read it (no hint that it exists),
    /// 403 when they may read it but it is someone else's.
    /// </summary>
    public async Task<(Violation? Violation, Filing.Refused? Refusal)> FindOwnAsync(Actor actor, string violationId, CancellationToken ct)
    {
        var violation = await db.Set<Violation>().AsNoTracking().SingleOrDefaultAsync(v => v.Id == violationId, ct);
        var employee = violation is null ? null : await db.FindPersonAsync(violation.EmployeeId, ct);
        if (violation is null || employee is null || !RecordAccess.MayRead(actor, employee))
        {
            return (null, Filing.Refused.NotFound(Glossary.Say("W19_NoSuchViolation")));
        }

        return violation.EmployeeId != actor.Id
            ? (null, Filing.Refused.Forbidden(Glossary.Say("W19_OnlyTheEmployeeDisputes")))
            : (violation, null);
    }

    /// <summary>Whether the violation may be disputed today (the window, one dispute per violation).</summary>
    public Task<DisputeAdmission> AdmissionAsync(Violation violation, CancellationToken ct) => ledger.CheckDisputeAsync(violation, ct);
}
