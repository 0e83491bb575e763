using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions.Engine;
using Workflows.Definitions.Roster;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Roster;
using Workflows.Host.Runtime;
using Workflows.Definitions.ShiftSwaps;

namespace Workflows.Host.ShiftSwaps;

/// <summary><c>POST /api/shift-swaps</c>: body fields arrive as text so a missing one is reported against its name.</summary>
public sealed record CreateShiftSwapRequest(string? ShiftId, string? CounterpartId, string? CounterpartShiftId, string? Reason);

/// <summary>
/// Shift swaps and covers (docs/domain.md §Shift swaps and coverage, design <c>designs/shift-swap.json</c>). Filing a request is the only
/// endpoint here: accepting, approving and withdrawing go through the generic task and instance endpoints.
/// </summary>
public static class ShiftSwapsApi
{
    public const string Design = "shift-swap";

    /// <summary>The workflow type of <see cref="Design"/>.</summary>
    public const string Type = "shift-swap";

    public static IHostApplicationBuilder AddShiftSwaps(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<ShiftSwapFilingService>();
        builder.Services.AddWorkflowActivity<SwapApprovalRouteActivity>(SwapApprovalRouteActivity.Name, ShiftSwapApproval.SameGroup, ShiftSwapApproval.CrossGroup);
        builder.Services.AddWorkflowActivity<ApplySwapActivity>(ApplySwapActivity.Name, ApplySwapActivity.Applied, ApplySwapActivity.CoverageFailed, ApplySwapActivity.Expired);
        return builder;
    }

    public static IEndpointRouteBuilder MapShiftSwapsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/shift-swaps").WithTags("Shift swaps");
        api.MapPost("/", FileRequest);
        return app;
    }

    /// <summary>
    /// Files a swap (with <c>counterpartShiftId</c>) or a cover (without); <see cref="ShiftSwapFilingService"/> has the checks.
    /// </summary>
    public static async Task<Results<Created<InstanceDetailDto>, ValidationProblem, ProblemHttpResult>> FileRequest(
        CreateShiftSwapRequest body, CurrentActor current, ShiftSwapFilingService filing, WorkflowDbContext db, CancellationToken ct) =>
        await (await filing.FileAsync(await current.GetAsync(ct), body, ct)).ToHttpAsync(db, ct);
}
