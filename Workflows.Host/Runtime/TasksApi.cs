using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;

namespace Workflows.Host.Runtime;

public sealed record TaskDto(
    string Id, string InstanceId, string Type, string Step, string Title, string Status, string? AssigneeId,
    IReadOnlyList<string> CandidateIds, IReadOnlyList<string> AllowedActions, DateTimeOffset? DueAt, DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt, string SubjectId, string ActingRole, IReadOnlyList<TaskActionInfo> Actions, bool Overdue);

public sealed record CompleteTaskRequest(string? Action, string? Comment, Dictionary<string, JsonElement>? Data);

/// <summary>The inbox and task actions (API.md, "Tasks"), generic across workflow types.</summary>
public static class TasksApi
{
    public static IEndpointRouteBuilder MapTasksApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/tasks").WithTags("Tasks");
        api.MapGet("/", Inbox);
        api.MapGet("/{id}", Get);
        api.MapPost("/{id}/claim", Claim);
        api.MapPost("/{id}/release", Release);
        api.MapPost("/{id}/complete", Complete);
        return app;
    }

    /// <summary>
    /// The caller's tasks: one indexed join from the candidate table (the caller's rows) to tasks,
    /// leaving out tasks someone else has claimed. Overdue first, then by due date, then oldest.
    /// </summary>
    public static async Task<Ok<TaskDto[]>> Inbox(CurrentActor current, WorkflowDbContext db, DepartmentClock clock, CancellationToken ct,
        TaskState status = TaskState.Open, string? type = null)
    {
        var actor = await current.GetAsync(ct);
        var tasks = await InboxQuery(db, actor.Id, status, type).ToListAsync(ct);
        return TypedResults.Ok(await ToDtosAsync(db, clock, tasks, ct));
    }

    public static IQueryable<WorkflowTask> InboxQuery(WorkflowDbContext db, string employeeId, TaskState status = TaskState.Open, string? type = null)
    {
        var query = from c in db.TaskCandidates
                    join t in db.Tasks on c.TaskId equals t.Id
                    where c.EmployeeId == employeeId && t.Status == status && (t.AssigneeId == null || t.AssigneeId == employeeId)
                    select t;
        if (type is not null)
        {
            query = query.Where(t => t.Type == type);
        }

        return query.AsNoTracking().OrderBy(t => t.DueAt == null).ThenBy(t => t.DueAt).ThenBy(t => t.CreatedAt).Take(500);
    }

    public static async Task<Results<Ok<TaskDto>, ProblemHttpResult>> Get(string id, CurrentActor current, WorkflowDbContext db, DepartmentClock clock, CancellationToken ct)
    {
        var actor = await current.GetAsync(ct);
        var task = await db.Tasks.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id, ct);
        if (task is null || !(actor.IsHR || await db.TaskCandidates.AnyAsync(c => c.TaskId == id && c.EmployeeId == actor.Id, ct)
                              || await InstanceAccess.CanSeeAsync(db, task.InstanceId, actor, ct)))
        {
            return Problems.NotFound($"There is no task '{id}'.");
        }

        return TypedResults.Ok((await ToDtosAsync(db, clock, [task], ct))[0]);
    }

    public static async Task<Results<Ok<InstanceDetailDto>, ProblemHttpResult, ValidationProblem>> Claim(
        string id, CurrentActor current, WorkflowRunner runner, WorkflowDbContext db, CancellationToken ct) =>
        await InstancesApi.ToResponseAsync(await runner.ClaimAsync(id, await current.GetAsync(ct), ct), db, ct);

    public static async Task<Results<Ok<InstanceDetailDto>, ProblemHttpResult, ValidationProblem>> Release(
        string id, CurrentActor current, WorkflowRunner runner, WorkflowDbContext db, CancellationToken ct) =>
        await InstancesApi.ToResponseAsync(await runner.ReleaseAsync(id, await current.GetAsync(ct), ct), db, ct);

    public static async Task<Results<Ok<InstanceDetailDto>, ProblemHttpResult, ValidationProblem>> Complete(
        string id, CompleteTaskRequest request, CurrentActor current, WorkflowRunner runner, WorkflowDbContext db, TaskCompletionChecks checks,
        CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Action))
        {
            return Problems.Invalid("action", "Say what you decide: action is required (approve, reject, return, …).");
        }

        if (request.Comment is { Length: > Definitions.TextLimits.Text })
        {
            return Problems.Invalid("comment", Definitions.TextLimits.TooLong(Definitions.TextLimits.Text));
        }

        var data = request.Data?.ToImmutableDictionary(StringComparer.Ordinal);
        var actor = await current.GetAsync(ct);
        var action = request.Action.Trim();
        if (await checks.CheckAsync(id, actor, action, data, ct) is { } errors)
        {
            return Violations.ViolationsApi.Unprocessable(errors.AsReadOnly());
        }

        var result = await runner.CompleteTaskAsync(id, actor, action, request.Comment, data, ct);
        return await InstancesApi.ToResponseAsync(result, db, ct);
    }

    internal static async Task<TaskDto[]> ToDtosAsync(WorkflowDbContext db, DepartmentClock clock, IReadOnlyList<WorkflowTask> tasks, CancellationToken ct)
    {
        var ids = tasks.Select(t => t.Id).ToList();
        var candidates = (await db.TaskCandidates.AsNoTracking().Where(c => ids.Contains(c.TaskId)).ToListAsync(ct))
            .ToLookup(c => c.TaskId, c => c.EmployeeId);
        var now = clock.Now;
        return [.. tasks.Select(t =>
        {
            var actions = JsonSerializer.Deserialize<TaskActionInfo[]>(t.ActionsJson, WorkflowRunner.StateJson) ?? [];
            return new TaskDto(t.Id, t.InstanceId, t.Type, t.Step, t.Title, t.Status.ToString(), t.AssigneeId, [.. candidates[t.Id]],
                [.. actions.Select(a => a.Name)], t.DueAt, t.CreatedAt, t.CompletedAt, t.SubjectId, t.ActingRole, actions,
                t.Status == TaskState.Open && t.DueAt < now);
        })];
    }
}
