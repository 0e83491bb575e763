using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;

namespace Workflows.Host.Runtime;

public sealed record DelegationDto(string DelegateId, DateOnly From, DateOnly To);

public sealed record DelegationRequest(string? DelegateId, DateOnly? From, DateOnly? To);

/// <summary>
/// 代理: an employee names one delegate for a date range; while it covers the day, the delegate sees and may act on the
/// employee's open tasks on their behalf (existing tasks and new ones). HR may set it for anyone.
/// </summary>
public static class DelegationApi
{
    /// <summary>A delegation covers at most this many days: out-of-office, not a standing transfer of authority.</summary>
    public const int MaxDays = 366;

    public static IEndpointRouteBuilder MapDelegationApi(this IEndpointRouteBuilder app)
    {
        var mine = app.MapGroup("/api/me/delegation").WithTags("Delegation");
        mine.MapGet("/", async (CurrentActor current, WorkflowDbContext db, CancellationToken ct) => await GetAsync((await current.GetAsync(ct)).Id, db, ct));
        mine.MapPut("/", async (DelegationRequest request, CurrentActor current, WorkflowDbContext db, DepartmentClock clock, CancellationToken ct) =>
        {
            var actor = await current.GetAsync(ct);
            return await SetAsync(actor.Id, actor, request, db, clock, ct);
        });
        mine.MapDelete("/", async (CurrentActor current, WorkflowDbContext db, CancellationToken ct) => await ClearAsync((await current.GetAsync(ct)).Id, db, ct));

        var hr = app.MapGroup("/api/employees/{id}/delegation").WithTags("Delegation").RequireAuthorization(Policies.HR);
        hr.MapGet("/", (string id, WorkflowDbContext db, CancellationToken ct) => GetAsync(id, db, ct));
        hr.MapPut("/", async (string id, DelegationRequest request, CurrentActor current, WorkflowDbContext db, DepartmentClock clock, CancellationToken ct) =>
            await SetAsync(id, await current.GetAsync(ct), request, db, clock, ct));
        hr.MapDelete("/", (string id, WorkflowDbContext db, CancellationToken ct) => ClearAsync(id, db, ct));
        return app;
    }

    internal static async Task<Results<Ok<DelegationDto>, ProblemHttpResult>> GetAsync(string employeeId, WorkflowDbContext db, CancellationToken ct)
    {
        var delegation = await db.Delegations.AsNoTracking().SingleOrDefaultAsync(d => d.EmployeeId == employeeId, ct);
        return delegation is null
            ? Problems.NotFound("No delegation is set.")
            : TypedResults.Ok(new DelegationDto(delegation.DelegateId, delegation.From, delegation.To));
    }

    internal static async Task<Results<Ok<DelegationDto>, ProblemHttpResult, ValidationProblem>> SetAsync(
        string employeeId, Actor setBy, DelegationRequest request, WorkflowDbContext db, DepartmentClock clock, CancellationToken ct)
    {
        if (!await db.Users.AnyAsync(u => u.Id == employeeId, ct))
        {
            return Problems.NotFound($"There is no employee '{employeeId}'.");
        }

        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.DelegateId))
        {
            errors["delegateId"] = ["Name the colleague who acts for you."];
        }
        else if (request.DelegateId == employeeId)
        {
            errors["delegateId"] = ["Nobody delegates to themselves."];
        }
        else if (!await db.Users.AnyAsync(u => u.Id == request.DelegateId, ct))
        {
            errors["delegateId"] = ["Unknown employee."];
        }

        if (request.From is not { } from || !DateBounds.Contains(from))
        {
            errors["from"] = ["The first day (yyyy-MM-dd) is required."];
        }

        if (request.To is not { } to || !DateBounds.Contains(to))
        {
            errors["to"] = ["The last day (yyyy-MM-dd) is required."];
        }
        else if (request.From is { } start && (to < start || to.DayNumber - start.DayNumber >= MaxDays))
        {
            errors["to"] = [$"The last day is on or after the first, at most {MaxDays} days later."];
        }
        else if (to < clock.Today)
        {
            errors["to"] = ["The range has already ended."];
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var delegation = await db.Delegations.SingleOrDefaultAsync(d => d.EmployeeId == employeeId, ct);
        if (delegation is null)
        {
            delegation = new Delegation { EmployeeId = employeeId };
            db.Delegations.Add(delegation);
        }

        delegation.DelegateId = request.DelegateId!;
        delegation.From = request.From!.Value;
        delegation.To = request.To!.Value;
        delegation.SetBy = setBy.Id;
        delegation.SetAt = clock.Now;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (DbErrors.IsConflict(ex))
        {
            return Problems.Conflict("The delegation was changed at the same time; reload and try again.");
        }

        return TypedResults.Ok(new DelegationDto(delegation.DelegateId, delegation.From, delegation.To));
    }

    internal static async Task<NoContent> ClearAsync(string employeeId, WorkflowDbContext db, CancellationToken ct)
    {
        await db.Delegations.Where(d => d.EmployeeId == employeeId).ExecuteDeleteAsync(ct);
        return TypedResults.NoContent();
    }
}
