using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions.Engine;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;

namespace Workflows.Host.Runtime;

public sealed record TaskDto(
    string Id, string InstanceId, string Type, string Step, string Title, string Status, string? AssigneeId,
    IReadOnlyList<string> CandidateIds, IReadOnlyList<string> AllowedActions, DateTimeOffset? DueAt, DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt, string SubjectId, string ActingRole, IReadOnlyList<TaskActionInfo> Actions, bool Overdue,
    string? OnBehalfOf, string? Slot, bool CanTransfer, bool CanAddSigner, long Number, string Reference);

public sealed record CompleteTaskRequest(string? Action, string? Comment, Dictionary<string, JsonElement>? Data);

public sealed record TransferRequest(string? ToEmployeeId, string? Comment);

public sealed record AddSignerRequest(string? EmployeeId, string? Position, string? Comment);

public sealed record BulkCompleteRequest(string[]? TaskIds, string? Action, string? Comment);

public sealed record BulkResult(string TaskId, int Status, string? Detail);

public sealed record BulkResponse(IReadOnlyList<BulkResult> Results);

/// <summary>The inbox and task actions (docs/api.md §Tasks (the inbox)), generic across workflow types.</summary>
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
        api.MapPost("/{id}/transfer", Transfer);
        api.MapPost("/{id}/add-signer", AddSigner);
        api.MapPost("/bulk-complete", BulkComplete);
        return app;
    }

    /// <summary>At most this many tasks in one 批量审批.</summary>
    public const int MaxBulk = 100;

    /// <summary>
    /// The caller's tasks: one indexed join from the candidate table (the caller's rows) to tasks,
    /// leaving out tasks someone else has claimed. Overdue first, then by due date, then oldest.
    /// </summary>
    public static async Task<Ok<TaskDto[]>> Inbox(CurrentActor current, WorkflowDbContext db, DepartmentClock clock, PublishedDesigns designs, CancellationToken ct,
        TaskState status = TaskState.Open, string? type = null) =>
        TypedResults.Ok(await InboxAsync(db, clock, designs, (await current.GetAsync(ct)).Id, status, type, ct));

    /// <summary>
    /// The inbox as <c>GET /api/tasks</c> answers it: the caller's tasks (<see cref="InboxQuery"/>) and, when open ones are
    /// asked for, after them the tasks the caller does for someone today (<see cref="DelegatedQuery"/>) that are not the
    /// caller's own, each saying for whom; each list overdue first, then by due date, then oldest. It is the page everyone
    /// opens first, so it is two round trips: the tasks with their applications' numbers and designs in one query (the two
    /// lists as one <c>UNION ALL</c>), and their candidates (kept apart so that they come in the order they were written).
    /// </summary>
    public static async Task<TaskDto[]> InboxAsync(WorkflowDbContext db, DepartmentClock clock, PublishedDesigns designs, string employeeId,
        TaskState status, string? type, CancellationToken ct)
    {
        var own = from t in InboxQuery(db, employeeId, status, type)
                  join i in db.Instances on t.InstanceId equals i.Id
                  select new { Task = t, For = (string?)null, i.Number, i.DesignName, i.DesignVersion };
        var delegated = from x in DelegatedQuery(db, clock, employeeId, type)
                        join i in db.Instances on x.Task.InstanceId equals i.Id
                        select new { x.Task, For = (string?)x.For, i.Number, i.DesignName, i.DesignVersion };
        var rows = await (status == TaskState.Open ? own.Concat(delegated) : own)
            .OrderBy(r => r.For != null).ThenBy(r => r.Task.DueAt == null).ThenBy(r => r.Task.DueAt).ThenBy(r => r.Task.CreatedAt)
            .ToListAsync(ct);

        var mine = rows.Where(r => r.For is null).Select(r => r.Task.Id).ToHashSet(StringComparer.Ordinal);
        var shown = rows.Where(r => r.For is null || !mine.Contains(r.Task.Id)).ToList();
        var onBehalfOf = shown.Where(r => r.For is not null).GroupBy(r => r.Task.Id)
            .ToDictionary(g => g.Key, g => g.First().For, StringComparer.Ordinal);
        var applications = shown.Select(r => (r.Task.InstanceId, Application: new TaskApplication(r.Number, r.DesignName, r.DesignVersion)))
            .DistinctBy(x => x.InstanceId).ToDictionary(x => x.InstanceId, x => x.Application, StringComparer.Ordinal);
        return await ToDtosAsync(db, clock, [.. shown.Select(r => r.Task)], applications,
            id => mine.Contains(id) ? null : onBehalfOf.GetValueOrDefault(id), designs, ct);
    }

    /// <summary>
    /// 代理: the open tasks of the people whose delegate the caller is today, each with whom it is done for. Not a
    /// delegate's delegations in turn (no chains), and not the tasks of the caller's own applications. At most 500 rows,
    /// in no particular order.
    /// </summary>
    public static IQueryable<DelegatedTask> DelegatedQuery(WorkflowDbContext db, DepartmentClock clock, string employeeId, string? type)
    {
        var today = clock.Today;
        var query = from d in db.Delegations
                    where d.DelegateId == employeeId && d.From <= today && d.To >= today
                    join c in db.TaskCandidates.Where(c => !c.Closed) on d.EmployeeId equals c.EmployeeId
                    join t in db.Tasks on c.TaskId equals t.Id
                    where t.Status == TaskState.Open && (t.AssigneeId == null || t.AssigneeId == d.EmployeeId) && t.SubjectId != employeeId
                    select new DelegatedTask { Task = t, For = d.EmployeeId };
        if (type is not null)
        {
            query = query.Where(x => x.Task.Type == type);
        }

        return query.AsNoTracking().Take(500);
    }

    /// <summary>A task the caller does today for <see cref="For"/>, whose delegate the caller is.</summary>
    public sealed class DelegatedTask
    {
        public required WorkflowTask Task { get; init; }

        public required string For { get; init; }
    }

    public static IQueryable<WorkflowTask> InboxQuery(WorkflowDbContext db, string employeeId, TaskState status = TaskState.Open, string? type = null)
    {
        // A task not yet ended has its candidate rows open: the index of open rows answers the caller's part at once.
        var rows = status is TaskState.Open or TaskState.Waiting ? db.TaskCandidates.Where(c => !c.Closed) : db.TaskCandidates;
        var query = from c in rows
                    join t in db.Tasks on c.TaskId equals t.Id
                    where c.EmployeeId == employeeId && t.Status == status && (t.AssigneeId == null || t.AssigneeId == employeeId)
                    select t;
        if (type is not null)
        {
            query = query.Where(t => t.Type == type);
        }

        return query.AsNoTracking().OrderBy(t => t.DueAt == null).ThenBy(t => t.DueAt).ThenBy(t => t.CreatedAt).Take(500);
    }

    public static async Task<Results<Ok<TaskDto>, ProblemHttpResult>> Get(
        string id, CurrentActor current, WorkflowDbContext db, DepartmentClock clock, PublishedDesigns designs, CancellationToken ct)
    {
        var actor = await current.GetAsync(ct);
        var task = await db.Tasks.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id, ct);
        if (task is null || !(actor.IsHR || await db.TaskCandidates.AnyAsync(c => c.TaskId == id && c.EmployeeId == actor.Id, ct)
                              || await InstanceAccess.CanSeeAsync(db, task.InstanceId, actor, ct)))
        {
            return Problems.NotFound($"There is no task '{id}'.");
        }

        return TypedResults.Ok((await ToDtosAsync(db, clock, [task], ct, designs: designs))[0]);
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
            return Problems.Invalid("comment", Platform.Glossary.TooLong(Definitions.TextLimits.Text));
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

    /// <summary>转交: the task goes to one colleague, who becomes its only candidate; the due date stays.</summary>
    public static async Task<Results<Ok<TaskDto>, ProblemHttpResult, ValidationProblem>> Transfer(
        string id, TransferRequest request, CurrentActor current, WorkflowRunner runner, WorkflowDbContext db, DepartmentClock clock, PublishedDesigns designs, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.ToEmployeeId))
        {
            return Problems.Invalid("toEmployeeId", "Name the colleague to hand the task to.");
        }

        if (request.Comment is { Length: > 2000 })
        {
            return Problems.Invalid("comment", "A comment can be at most 2000 characters.");
        }

        return await TaskAnswerAsync(id, await runner.TransferAsync(id, await current.GetAsync(ct), request.ToEmployeeId.Trim(), request.Comment, ct), db, clock, designs, ct);
    }

    /// <summary>加签: <c>before</c> — the colleague approves first; <c>after</c> — the colleague approves after the approver.</summary>
    public static async Task<Results<Ok<TaskDto>, ProblemHttpResult, ValidationProblem>> AddSigner(
        string id, AddSignerRequest request, CurrentActor current, WorkflowRunner runner, WorkflowDbContext db, DepartmentClock clock, PublishedDesigns designs, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.EmployeeId))
        {
            errors["employeeId"] = ["Name the colleague to add."];
        }

        SignerPosition? position = request.Position switch
        {
            "before" => SignerPosition.Before,
            "after" => SignerPosition.After,
            _ => null,
        };
        if (position is null)
        {
            errors["position"] = ["position is before or after."];
        }

        if (request.Comment is { Length: > 2000 })
        {
            errors["comment"] = ["A comment can be at most 2000 characters."];
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var result = await runner.AddSignerAsync(id, await current.GetAsync(ct), request.EmployeeId!.Trim(), position!.Value, request.Comment, ct);
        return await TaskAnswerAsync(id, result, db, clock, designs, ct);
    }

    /// <summary>
    /// 批量审批: one action and comment over many tasks. Each task is its own step and gets the answer completing it alone
    /// would have had; one refusal does not stop the others.
    /// </summary>
    public static async Task<Results<Ok<BulkResponse>, ValidationProblem>> BulkComplete(
        BulkCompleteRequest request, CurrentActor current, WorkflowRunner runner, CancellationToken ct)
    {
        if (request.TaskIds is not { Length: > 0 } ids || ids.Length > MaxBulk || ids.Any(string.IsNullOrWhiteSpace))
        {
            return Problems.Invalid("taskIds", $"Name between 1 and {MaxBulk} tasks.");
        }

        if (string.IsNullOrWhiteSpace(request.Action))
        {
            return Problems.Invalid("action", "Say what you decide: action is required (approve, reject, …).");
        }

        if (request.Comment is { Length: > 2000 })
        {
            return Problems.Invalid("comment", "A comment can be at most 2000 characters.");
        }

        var actor = await current.GetAsync(ct);
        var results = new List<BulkResult>();
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            var result = await runner.CompleteTaskAsync(id, actor, request.Action.Trim(), request.Comment, null, ct);
            results.Add(result switch
            {
                RunResult.Refused refused => new BulkResult(id, refused.Status, refused.Detail),
                _ => new BulkResult(id, StatusCodes.Status200OK, null),
            });
        }

        return TypedResults.Ok(new BulkResponse(results));
    }

    private static async Task<Results<Ok<TaskDto>, ProblemHttpResult, ValidationProblem>> TaskAnswerAsync(
        string id, RunResult result, WorkflowDbContext db, DepartmentClock clock, PublishedDesigns designs, CancellationToken ct)
    {
        if (result is RunResult.Refused)
        {
            return await InstancesApi.ToResponseAsync(result, db, ct) switch
            {
                { Result: ProblemHttpResult problem } => problem,
                { Result: ValidationProblem invalid } => invalid,
                _ => throw new InvalidOperationException("A refusal answered as a success."),
            };
        }

        var task = await db.Tasks.AsNoTracking().SingleAsync(t => t.Id == id, ct);
        return TypedResults.Ok((await ToDtosAsync(db, clock, [task], ct, designs: designs))[0]);
    }

    /// <param name="designs">When given, each task says whether it can be handed on (转交) or countersigned (加签).</param>
    internal static async Task<TaskDto[]> ToDtosAsync(
        WorkflowDbContext db, DepartmentClock clock, IReadOnlyList<WorkflowTask> tasks, CancellationToken ct,
        Func<string, string?>? onBehalfOf = null, PublishedDesigns? designs = null)
    {
        var instanceIds = tasks.Select(t => t.InstanceId).Distinct(StringComparer.Ordinal).ToList();
        var applications = (await db.Instances.AsNoTracking().Where(i => instanceIds.Contains(i.Id))
                .Select(i => new { i.Id, i.DesignName, i.DesignVersion, i.Number }).ToListAsync(ct))
            .ToDictionary(i => i.Id, i => new TaskApplication(i.Number, i.DesignName, i.DesignVersion), StringComparer.Ordinal);
        return await ToDtosAsync(db, clock, tasks, applications, onBehalfOf, designs, ct);
    }

    /// <summary>What a task's card shows of its application: the number and the design (for the step's options).</summary>
    private sealed record TaskApplication(long Number, string DesignName, int DesignVersion);

    /// <param name="applications">Each task's application, by instance id.</param>
    private static async Task<TaskDto[]> ToDtosAsync(
        WorkflowDbContext db, DepartmentClock clock, IReadOnlyList<WorkflowTask> tasks, IReadOnlyDictionary<string, TaskApplication> applications,
        Func<string, string?>? onBehalfOf, PublishedDesigns? designs, CancellationToken ct)
    {
        var ids = tasks.Select(t => t.Id).ToList();
        var candidates = (await db.TaskCandidates.AsNoTracking().Where(c => ids.Contains(c.TaskId)).ToListAsync(ct))
            .ToLookup(c => c.TaskId, c => c.EmployeeId);
        var now = clock.Now;
        return [.. tasks.Select(t =>
        {
            var application = applications[t.InstanceId];
            var actions = JsonSerializer.Deserialize<TaskActionInfo[]>(t.ActionsJson, WorkflowRunner.StateJson) ?? [];
            // Approvers' tasks of a role can be handed on (转交) and countersigned (加签), unless the design says otherwise.
            var step = t.Slot is null && designs is not null
                ? designs.Get(application.DesignName, application.DesignVersion).Steps.GetValueOrDefault(t.Step) as TaskStep
                : null;
            return new TaskDto(t.Id, t.InstanceId, t.Type, t.Step, t.Title, t.Status.ToString(), t.AssigneeId, [.. candidates[t.Id]],
                [.. actions.Select(a => a.Name)], t.DueAt, t.CreatedAt, t.CompletedAt, t.SubjectId, t.ActingRole, actions,
                t.Status == TaskState.Open && t.DueAt < now, onBehalfOf?.Invoke(t.Id), t.Slot, step?.OffersTransfer ?? false, step is not null && WorkflowEngine.OffersAddSigner(step),
                application.Number, ReferenceNumbers.Format(application.Number));
        })];
    }
}
