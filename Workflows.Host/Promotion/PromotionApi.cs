using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Definitions.Engine;
using Workflows.Definitions.Promotion;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Runtime;

namespace Workflows.Host.Promotion;

/// <summary>The 《晋升申请表》. Enums arrive as text so a wrong value is a field error (400), not a parse failure.</summary>
public sealed record PromotionRequest(string? CandidateId, string? TargetRank, string? Channel, string? Statement, string? Justification);

public static class PromotionApi
{
    /// <summary>The workflow type every rung's design shares.</summary>
    public const string Type = "promotion";

    public static IEndpointRouteBuilder MapPromotionApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/promotions").WithTags("Promotion").MapPost("/", Apply);
        return app;
    }

    /// <summary>Files an application and runs it up to its first person (or to <c>Ineligible</c> at the gate).</summary>
    public static async Task<Results<Created<InstanceDetailDto>, ValidationProblem, ProblemHttpResult>> Apply(
        PromotionRequest request, CurrentActor current, PromotionFilingService filing, WorkflowDbContext db, CancellationToken ct) =>
        await (await filing.FileAsync(await current.GetAsync(ct), request, ct)).ToHttpAsync(db, ct);
}
