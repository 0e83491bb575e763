using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions.Engine;
using Workflows.Definitions.Ledger;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Ledger;
using Workflows.Host.Platform;
using Workflows.Host.Runtime;
using Workflows.Host.Violations;

namespace Workflows.Host.Disputes;

public sealed record OpenDisputeRequest(string? ViolationId, string? Reason);

/// <summary>Penalty disputes (DOMAIN.md §6, API.md <c>POST /api/disputes</c>); the steps run as the <c>penalty-dispute</c> design.</summary>
public static class DisputesApi
{
    public const string DesignName = "penalty-dispute";

    public const int ReasonLength = 2000;

    public static IHostApplicationBuilder AddDisputes(this IHostApplicationBuilder builder)
    {
        builder.Services.AddWorkflowActivity<OpenDisputeActivity>(OpenDisputeActivity.Name, "opened", "refused");
        builder.Services.AddWorkflowActivity<RouteDisputeActivity>(RouteDisputeActivity.Name, "review", "supervisor");
        builder.Services.AddWorkflowActivity<DecideDisputeActivity>(DecideDisputeActivity.Name, "Upheld", "Reduced", "Waived", "invalid");
        builder.Services.AddWorkflowActivity<WithdrawDisputeActivity>(WithdrawDisputeActivity.Name, "restored", "unchanged");
        return builder;
    }

    public static IEndpointRouteBuilder MapDisputesApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/disputes").WithTags("Penalty disputes").MapPost("/", OpenDispute);
        return app;
    }

    /// <summary>
    /// The employee disputes one of their violations. The window and "one dispute per violation" are checked here so a
    /// refused request writes nothing; the violation turns UnderDispute in the instance's first step
    /// (<see cref="OpenDisputeActivity"/>), which re-checks on the row it changes. Only a request racing another dispute of
    /// the same violation can pass here and be refused there: it then answers 422 too, and its instance stays as a
    /// record that ended <c>Refused</c>.
    /// </summary>
    public static async Task<Results<Created<InstanceDetailDto>, ValidationProblem, ProblemHttpResult>> OpenDispute(
        OpenDisputeRequest request, CurrentActor current, WorkflowDbContext db, LedgerService ledger, WorkflowRunner runner, CancellationToken ct)
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
        else if (request.Reason.Length > ReasonLength)
        {
            errors["reason"] = [$"The reason is at most {ReasonLength} characters / 申诉理由过长"];
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var actor = await current.GetAsync(ct);
        var violation = await db.Set<Violation>().AsNoTracking().SingleOrDefaultAsync(v => v.Id == request.ViolationId, ct);
        var employee = violation is null ? null : await db.FindPersonAsync(violation.EmployeeId, ct);
        if (violation is null || employee is null || !RecordAccess.MayRead(actor, employee))
        {
            return Problems.NotFound($"There is no violation '{request.ViolationId}'.");
        }

        if (violation.EmployeeId != actor.Id)
        {
            return Problems.Forbidden("Only the employee the violation is about can dispute it / 只有当事员工本人可以申诉");
        }

        if (await ledger.CheckDisputeAsync(violation, ct) is DisputeAdmission.Refused refused)
        {
            return Problems.Unprocessable(refused.Reason);
        }

        var variables = WorkflowVariables.Of(
            (DisputeVariables.ViolationId, violation.Id),
            (DisputeVariables.RecordedBy, violation.RecordedBy),
            (DisputeVariables.GroupId, employee.GroupId),
            (DisputeVariables.Reason, request.Reason!.Trim()));
        var result = await runner.StartAsync(DesignName, actor.Id, actor.Id, "Employee", variables, ct);
        if (result is RunResult.Refused failed)
        {
            return TypedResults.Problem(detail: failed.Detail, statusCode: failed.Status, title: failed.Status == 503 ? "Step failed" : "Request refused");
        }

        var instance = await db.Instances.AsNoTracking().SingleAsync(i => i.Id == ((RunResult.Ok)result).Instance.Id, ct);
        var detail = await InstancesApi.DetailAsync(db, instance, ct);
        if (instance.Outcome == "Refused")
        {
            return Problems.Unprocessable(
                (detail.Data.TryGetValue(DisputeVariables.Refusal, out var why) ? why.GetString() : null) ?? "The violation cannot be disputed now.");
        }

        return TypedResults.Created($"/api/instances/{instance.Id}", detail);
    }
}
