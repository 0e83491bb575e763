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

/// <summary>Penalty disputes (docs/domain.md §Penalty disputes; <c>POST /api/disputes</c>, docs/api.md §Filing workflows); the steps run as the <c>penalty-dispute</c> design.</summary>
public static class DisputesApi
{
    public const string DesignName = "penalty-dispute";

    public const int ReasonLength = Definitions.TextLimits.Text;

    public static IHostApplicationBuilder AddDisputes(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<DisputeFilingService>();
        builder.Services.AddScoped<ITaskCompletionCheck, DisputeAmountCheck>();
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

    /// <summary>The employee disputes one of their violations; <see cref="DisputeFilingService"/> has the checks.</summary>
    public static async Task<Results<Created<InstanceDetailDto>, ValidationProblem, ProblemHttpResult>> OpenDispute(
        OpenDisputeRequest request, CurrentActor current, DisputeFilingService filing, WorkflowDbContext db, CancellationToken ct) =>
        await (await filing.FileAsync(await current.GetAsync(ct), request, ct)).ToHttpAsync(db, ct);
}
