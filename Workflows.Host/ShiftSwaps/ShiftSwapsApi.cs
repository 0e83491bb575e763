using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions.Engine;
using Workflows.Definitions.Roster;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Roster;
using Workflows.Host.Runtime;

namespace Workflows.Host.ShiftSwaps;

/// <summary><c>POST /api/shift-swaps</c>: body fields arrive as text so a missing one is reported against its name.</summary>
public sealed record CreateShiftSwapRequest(string? ShiftId, string? CounterpartId, string? CounterpartShiftId, string? Reason);

/// <summary>
/// Shift swaps and covers (DOMAIN.md §5, design <c>designs/shift-swap.json</c>). Filing a request is the only
/// endpoint here: accepting, approving and withdrawing go through the generic task and instance endpoints.
/// </summary>
public static class ShiftSwapsApi
{
    public const string Design = "shift-swap";

    /// <summary>Plenty for a sentence or two; a bound so nobody stores a novel in every history row.</summary>
    private const int MaxReasonLength = 2000;

    public static IHostApplicationBuilder AddShiftSwaps(this IHostApplicationBuilder builder)
    {
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
    /// Files a swap (with <c>counterpartShiftId</c>) or a cover (without). Checked up front so an impossible request
    /// never reaches anyone's inbox; the coverage check runs again on the roster of the moment when it is applied.
    /// </summary>
    public static async Task<Results<Created<InstanceDetailDto>, ValidationProblem, ProblemHttpResult>> FileRequest(
        CreateShiftSwapRequest body, CurrentActor current, WorkflowDbContext db, RosterService roster, WorkflowRunner runner,
        DepartmentClock clock, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        Required(errors, "shiftId", body.ShiftId);
        Required(errors, "counterpartId", body.CounterpartId);
        Required(errors, "reason", body.Reason);
        if (body.CounterpartShiftId is not null && string.IsNullOrWhiteSpace(body.CounterpartShiftId))
        {
            errors["counterpartShiftId"] = ["Leave counterpartShiftId out for a cover, or give the counterpart's shift for a swap."];
        }

        if (body.Reason is { Length: > MaxReasonLength })
        {
            errors["reason"] = [$"The reason is at most {MaxReasonLength} characters."];
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var actor = await current.GetAsync(ct);
        var request = new ShiftSwapRequest(actor.Id, body.ShiftId!, body.CounterpartId!, body.CounterpartShiftId);
        var shifts = await db.Set<Shift>().AsNoTracking().Include(s => s.Assignments)
            .Where(s => request.ShiftIds.Contains(s.Id)).ToListAsync(ct);
        var mine = shifts.SingleOrDefault(s => s.Id == request.RequesterShiftId);
        if (mine is null)
        {
            // A body field naming nothing is a broken rule of the request (as for an unknown employee elsewhere), not a missing address.
            return Problems.Unprocessable($"There is no shift with id '{request.RequesterShiftId}'.");
        }

        if (!mine.ToSlot().IsAssigned(actor.Id))
        {
            // Only the person on a shift may offer it away; asking for someone else is not theirs to do.
            return Problems.Forbidden("You can only ask to swap or hand over a shift you are on.");
        }

        if (request.CounterpartId == actor.Id)
        {
            return Problems.Unprocessable("The counterpart must be a colleague, not yourself.");
        }

        var counterpart = await db.Users.AsNoTracking().Where(u => u.Id == request.CounterpartId)
            .Select(u => new { u.Id, u.Rank }).SingleOrDefaultAsync(ct);
        if (counterpart?.Rank is null)
        {
            // Accounts outside the ladder (HR, company leadership) have no shifts and cannot take one.
            return Problems.Unprocessable($"There is no colleague in the department with id '{request.CounterpartId}'.");
        }

        if (request.CounterpartShiftId is { } otherId)
        {
            if (otherId == request.RequesterShiftId)
            {
                return Problems.Unprocessable("A swap exchanges two different shifts.");
            }

            var theirs = shifts.SingleOrDefault(s => s.Id == otherId);
            if (theirs is null)
            {
                return Problems.Unprocessable($"There is no shift with id '{otherId}'.");
            }

            if (!theirs.ToSlot().IsAssigned(request.CounterpartId))
            {
                return Problems.Unprocessable("The counterpart is not on the shift you ask to swap with.");
            }
        }

        var now = clock.LocalNow.DateTime;
        if (shifts.FirstOrDefault(s => s.ToSlot().HasStarted(now)) is { } started)
        {
            return Problems.Unprocessable($"Shift {started.Id} started at {started.Date:yyyy-MM-dd} {started.Start:HH\\:mm}; a started shift cannot be swapped.");
        }

        if (await roster.CheckAsync(request.ToChange(), ct) is CoverageResult.Rejected rejected)
        {
            return RosterApi.Refused(rejected);
        }

        // The request lapses when the first of its shifts starts: every task step is due then.
        var first = shifts.Select(s => s.ToSlot().StartsAt).Min();
        var expiresAt = clock.ToInstant(DateOnly.FromDateTime(first), TimeOnly.FromDateTime(first));
        var variables = WorkflowVariables.Of(
            (ShiftSwapRequest.Variables.Kind, request.Kind),
            (ShiftSwapRequest.Variables.RequesterShiftId, request.RequesterShiftId),
            (ShiftSwapRequest.Variables.CounterpartId, request.CounterpartId),
            (ShiftSwapRequest.Variables.Reason, body.Reason!.Trim()),
            (ShiftSwapRequest.Variables.ExpiresAt, expiresAt.ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture)));
        if (request.CounterpartShiftId is { } counterpartShiftId)
        {
            variables = variables.SetItem(ShiftSwapRequest.Variables.CounterpartShiftId, WorkflowVariables.Value(counterpartShiftId));
        }

        switch (await runner.StartAsync(Design, actor.Id, actor.Id, "Requester", variables, ct))
        {
            case RunResult.Ok ok:
                var instance = await db.Instances.AsNoTracking().SingleAsync(i => i.Id == ok.Instance.Id, ct);
                return TypedResults.Created($"/api/instances/{instance.Id}", await InstancesApi.DetailAsync(db, instance, ct));
            case RunResult.Refused refused:
                return TypedResults.Problem(detail: refused.Detail, statusCode: refused.Status, title: "Request refused");
            default:
                throw new InvalidOperationException("Unknown run result.");
        }
    }

    private static void Required(Dictionary<string, string[]> errors, string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[field] = [$"The {field} is required."];
        }
    }
}
