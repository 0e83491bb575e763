using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions.Engine;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;

namespace Workflows.Host.Runtime;

/// <summary>What a runner call came to: the instance as it now is, or a refusal with its HTTP status.</summary>
public abstract record RunResult
{
    private RunResult()
    {
    }

    public sealed record Ok(WorkflowInstance Instance) : RunResult;

    /// <param name="Code">Why, as a stable word the web pages translate (<see cref="RefusalCodes"/> or the engine's
    /// <see cref="RejectionCode"/>); <paramref name="Detail"/> is the English sentence the API answers with.</param>
    public sealed record Refused(int Status, string Detail, IReadOnlyDictionary<string, string[]>? Errors = null, string? Code = null) : RunResult;

    public static Refused NotFound(string detail, string code) => new(StatusCodes.Status404NotFound, detail, Code: code);

    public static Refused Forbidden(string detail, string code) => new(StatusCodes.Status403Forbidden, detail, Code: code);

    public static Refused Conflict(string detail, string code) => new(StatusCodes.Status409Conflict, detail, Code: code);
}

/// <summary>
/// The imperative shell around the pure engine: loads an instance, asks the engine what happens,
/// carries out the commands and the activities' effects, and commits all of it in one transaction.
/// An activity that throws rolls the whole step back; the failure is kept as an incident on the
/// instance and the step can be retried.
/// </summary>
public sealed class WorkflowRunner(
    WorkflowDbContext db,
    DesignCatalog designs,
    ActivityRegistry activities,
    AssignmentResolver assignments,
    DepartmentClock clock,
    IServiceProvider services,
    IBackgroundJobClient jobs,
    WriteGate writeGate,
    OpenTaskCache openTasks,
    ILogger<WorkflowRunner> logger)
{
    internal static readonly JsonSerializerOptions StateJson = new(JsonSerializerOptions.Web) { Converters = { new VariablesJson() } };

    /// <summary>The runner's own rows of the step in hand; EF Core tracks only the activities' domain rows.</summary>
    private readonly StepRows rows = new(db);

    /// <summary>A new operation starts with nothing tracked and nothing pending.</summary>
    private void Reset()
    {
        db.ChangeTracker.Clear();
        rows.Clear();
    }

    /// <summary>Starts an instance of the latest version of <paramref name="designName"/>.</summary>
    /// <param name="runningKey">What only one running instance of the type may hold (<see cref="WorkflowInstance.RunningKey"/>);
    /// a second start with it fails the insert with a unique violation (a <see cref="DbUpdateException"/>).</param>
    public async Task<RunResult> StartAsync(
        string designName, string subjectId, string startedBy, string? actingRole,
        ImmutableDictionary<string, JsonElement> variables, CancellationToken ct, string? runningKey = null)
    {
        var design = designs.Latest(designName) ?? throw new InvalidOperationException($"No design named '{designName}' is published.");
        var now = clock.Now;
        var result = WorkflowEngine.Start(design, new StartRequest(subjectId, startedBy, variables, actingRole), now);
        if (result is Rejected rejected)
        {
            return Refuse(rejected);
        }

        // Not Reset(): a caller may have domain rows pending that commit with the start.
        rows.Clear();
        var instance = new WorkflowInstance
        {
            Type = design.Type,
            DesignName = design.Name,
            DesignVersion = design.Version,
            SubjectId = subjectId,
            StartedBy = startedBy,
            StartedAt = now,
            RunningKey = runningKey,
        };

        // The start commits on its own; a first auto step then runs in a second transaction, so an
        // activity that fails leaves a started instance with an incident, ready to retry.
        await using (var tx = await StepTransaction.BeginAsync(db, ct))
        {
            rows.Add(instance);
            var pending = await ApplyAsync(instance, (Accepted)result, design, runActivities: false, ct);
            await CommitAsync(tx, pending, ct);
        }

        return instance.CurrentStep is not null && design.Steps[instance.CurrentStep] is AutoStep
            ? await AdvanceAsync(instance.Id, "start", ct)
            : new RunResult.Ok(instance);
    }

    /// <summary>Runs the activity of the auto step the instance stands on (after a start, a crash, or to retry an incident).</summary>
    public async Task<RunResult> AdvanceAsync(string instanceId, string operation, CancellationToken ct)
    {
        Reset();
        try
        {
            await using var tx = await StepTransaction.BeginAsync(db, ct);
            var instance = await db.Instances.AsNoTracking().SingleOrDefaultAsync(i => i.Id == instanceId, ct);
            if (instance is null)
            {
                return RunResult.NotFound($"There is no workflow instance '{instanceId}'.", RefusalCodes.InstanceNotFound);
            }

            rows.Load(instance);

            var design = designs.Get(instance.DesignName, instance.DesignVersion);
            if (instance.Status != InstanceStatus.Running || instance.CurrentStep is null || design.Steps[instance.CurrentStep] is not AutoStep auto)
            {
                return RunResult.Conflict("The instance is not at an automatic step; there is nothing to run.", RefusalCodes.NothingToRun);
            }

            var state = Deserialize(instance);
            var activity = new RunActivity(auto.Id, state.StepVisit, auto.Activity);
            var result = await RunActivityAsync(instance, state, design, activity, ct);
            if (result is Rejected rejected)
            {
                return Refuse(rejected);
            }

            var pending = await ApplyAsync(instance, (Accepted)result, design, runActivities: true, ct);
            await ResolveIncidentsAsync(instance, ct);
            await CommitAsync(tx, pending, ct);
            return new RunResult.Ok(instance);
        }
        catch (ActivityFailedException failure)
        {
            return await RecordIncidentAsync(instanceId, operation, failure, ct);
        }
        catch (DbUpdateException ex) when (DbErrors.IsConflict(ex))
        {
            return RunResult.Conflict("The instance changed at the same time; nothing was applied. Reload and try again.", RefusalCodes.ConcurrentChange);
        }
    }

    /// <summary>
    /// A person decides a task. Exactly one of concurrent completions wins; the others get 409: the
    /// task row is updated with its version in the WHERE clause (the version was read with the task
    /// open and unclaimed by anyone else), so a second completion or a claim in between matches no row.
    /// The task is read and decided before the write transaction begins (the versions make that safe),
    /// so concurrent completions overlap everything but their writes.
    /// </summary>
    public async Task<RunResult> CompleteTaskAsync(
        string taskId, Actor actor, string action, string? comment, ImmutableDictionary<string, JsonElement>? data, CancellationToken ct)
    {
        // The rows this process committed when it opened the task, if it still holds them (OpenTaskCache): they decide
        // the completion only if it writes and its versioned updates prove them current; anything else is decided again
        // on the rows as the database has them.
        if (openTasks.Take(taskId) is { } cached
            && await CompleteAsync(taskId, actor, action, comment, data, cached, ct) is { } decided)
        {
            return decided;
        }

        return (await CompleteAsync(taskId, actor, action, comment, data, cached: null, ct))!;
    }

    /// <summary>One attempt; null when <paramref name="cached"/> rows could not decide it (then nothing was written).</summary>
    private async Task<RunResult?> CompleteAsync(
        string taskId, Actor actor, string action, string? comment, ImmutableDictionary<string, JsonElement>? data, OpenTaskCache.Entry? cached, CancellationToken ct)
    {
        Reset();
        string? instanceId = null;
        // One physical connection for the read, the write and the commit, instead of a pooled open per phase.
        var connection = await StepConnection.OpenAsync(db, ct);
        try
        {
            var loaded = cached is null
                ? await CompiledLoad.LoadAsync(db, taskId, actor.Id)
                : new TaskForCompletion(cached.Task, cached.Instance, cached.Candidates.Contains(actor.Id, StringComparer.Ordinal));
            if (loaded is null)
            {
                return RunResult.NotFound($"There is no task '{taskId}'.", RefusalCodes.TaskNotFound);
            }

            var (task, instance) = (rows.Load(loaded.Task), rows.Load(loaded.Instance));
            instanceId = task.InstanceId;
            if (await CheckMayActAsync(task, loaded.IsCandidate, actor, ct) is { } refused)
            {
                return cached is null ? refused : null;
            }

            var design = designs.Get(instance.DesignName, instance.DesignVersion);
            var now = clock.Now;
            var result = WorkflowEngine.Handle(design, Deserialize(instance),
                new TaskCompleted(task.Step, task.Visit, action, actor.Id, task.ActingRole, comment, data), now);
            if (result is Rejected rejected)
            {
                return cached is null ? Refuse(rejected) : null;
            }

            using var gate = await writeGate.EnterAsync(db, ct);
            await using var tx = await StepTransaction.BeginAsync(db, ct);
            // An activity runs before the versioned updates can tell: only then are cached rows proved current first.
            // Without one, everything the step does before those updates is undone with them if they find a row changed.
            if (cached is not null && ((Accepted)result).PendingActivity is not null && !StillCurrent(task, instance))
            {
                return null;
            }

            task.Status = TaskState.Completed;
            task.CompletedAt = now;
            task.CompletedBy = actor.Id;
            task.Action = action;
            var pending = await ApplyAsync(instance, (Accepted)result, design, runActivities: true, ct, completedTask: task);
            await ResolveIncidentsAsync(instance, ct);
            await CommitAsync(tx, pending, ct, gate);
            return new RunResult.Ok(instance);
        }
        catch (ActivityFailedException failure)
        {
            return await RecordIncidentAsync(instanceId!, $"complete task {taskId} ({action})", failure, ct);
        }
        catch (DbUpdateException ex) when (DbErrors.IsConflict(ex))
        {
            return cached is null ? RunResult.Conflict("This task was completed or claimed by someone else just now; nothing was applied.", RefusalCodes.TaskTaken) : null;
        }
        finally
        {
            await connection.CloseAsync();
        }
    }

    /// <summary>
    /// Whether the task and instance still have the versions they were cached with. Asked inside the write transaction,
    /// before an activity runs: on SQLite (the only provider the cache serves) it holds the write lock, so the answer
    /// stays true until the commit.
    /// </summary>
    private bool StillCurrent(WorkflowTask task, WorkflowInstance instance)
    {
        const string Sql = "SELECT (SELECT \"Version\" FROM \"Tasks\" WHERE \"Id\" = ?1), (SELECT \"Version\" FROM \"Instances\" WHERE \"Id\" = ?2)";
        var versions = SqlitePrepared.Of(SqlitePrepared.ConnectionOf(db)!)
            .QueryFirst(Sql, [task.Id, instance.Id], row => (Task: row.IsNull(0) ? -1 : row.Int64(0), Instance: row.IsNull(1) ? -1 : row.Int64(1)));
        return versions.Task == task.Version && versions.Instance == instance.Version;
    }

    private sealed record TaskForCompletion(WorkflowTask Task, WorkflowInstance Instance, bool IsCandidate);

    /// <summary>
    /// The task, its instance and whether the actor is a candidate: one round trip, untracked (the runner keeps them in
    /// <see cref="StepRows"/>). On SQLite the statement is prepared once per connection (<see cref="SqlitePrepared"/>);
    /// on PostgreSQL it is a query compiled once per model.
    /// </summary>
    private static class CompiledLoad
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, Func<WorkflowDbContext, string, string, Task<TaskForCompletion?>>> ByContext = new();

        public static Task<TaskForCompletion?> LoadAsync(WorkflowDbContext db, string taskId, string actorId) =>
            SqlitePrepared.ConnectionOf(db) is { } sqlite
                ? Task.FromResult(LoadPrepared(db, sqlite, taskId, actorId))
                : For(db)(db, taskId, actorId);

        private static Func<WorkflowDbContext, string, string, Task<TaskForCompletion?>> For(WorkflowDbContext db) =>
            ByContext.GetOrAdd(db.GetType(), _ => EF.CompileAsyncQuery((WorkflowDbContext db, string taskId, string actorId) =>
                (from t in db.Tasks.AsNoTracking()
                 join i in db.Instances.AsNoTracking() on t.InstanceId equals i.Id
                 where t.Id == taskId
                 select new TaskForCompletion(t, i, db.TaskCandidates.Any(c => c.TaskId == t.Id && c.EmployeeId == actorId)))
                .FirstOrDefault()));

        private static TaskForCompletion? LoadPrepared(WorkflowDbContext db, Microsoft.Data.Sqlite.SqliteConnection connection, string taskId, string actorId)
        {
            var tasks = RowShape.Of(db, typeof(WorkflowTask));
            var instances = RowShape.Of(db, typeof(WorkflowInstance));
            var sql = Sql.GetOrAdd(db.Model, _ =>
                $"SELECT {tasks.Columns("t")}, {instances.Columns("i")}, " +
                "EXISTS (SELECT 1 FROM \"TaskCandidates\" AS c WHERE c.\"TaskId\" = t.\"Id\" AND c.\"EmployeeId\" = ?2) " +
                "FROM \"Tasks\" AS t JOIN \"Instances\" AS i ON i.\"Id\" = t.\"InstanceId\" WHERE t.\"Id\" = ?1");
            return SqlitePrepared.Of(connection).QueryFirst(sql, [taskId, actorId], row =>
                new TaskForCompletion(
                    tasks.Read<WorkflowTask>(row, 0),
                    instances.Read<WorkflowInstance>(row, tasks.Count),
                    row.Int64(tasks.Count + instances.Count) != 0));
        }

        private static readonly System.Collections.Concurrent.ConcurrentDictionary<Microsoft.EntityFrameworkCore.Metadata.IModel, string> Sql = new();
    }

    private async Task<RunResult.Refused?> CheckMayActAsync(WorkflowTask task, bool isCandidate, Actor actor, CancellationToken ct)
    {
        if (!isCandidate)
        {
            if (task.SubjectId == actor.Id)
            {
                return RunResult.Forbidden("You cannot act on a task of your own application or request.", RefusalCodes.OwnApplication);
            }

            return await InstanceAccess.CanSeeAsync(db, task.InstanceId, actor, ct)
                ? RunResult.Forbidden("This task is not assigned to you or to a role you hold.", RefusalCodes.NotYourTask)
                : RunResult.NotFound($"There is no task '{task.Id}'.", RefusalCodes.TaskNotFound);
        }

        if (task.Status != TaskState.Open)
        {
            return RunResult.Conflict($"This task is {task.Status.ToString().ToLowerInvariant()}; it can no longer be acted on.", RefusalCodes.TaskClosed);
        }

        if (task.AssigneeId is not null && task.AssigneeId != actor.Id)
        {
            return RunResult.Conflict("Another approver has claimed this task.", RefusalCodes.ClaimedByOther);
        }

        // Rank and roles as the org has them now (the actor is loaded per request), not as when the task was created.
        if (task.RequiredRole is not null && !actor.Holds(task.RequiredRole))
        {
            return RunResult.Forbidden($"Acting on this task needs the role {task.RequiredRole}, which you no longer hold.", RefusalCodes.RoleNoLongerHeld);
        }

        return null;
    }

    private async Task<RunResult.Refused?> CheckMayActAsync(WorkflowTask task, Actor actor, CancellationToken ct) =>
        await CheckMayActAsync(task, await db.TaskCandidates.AnyAsync(c => c.TaskId == task.Id && c.EmployeeId == actor.Id, ct), actor, ct);

    public async Task<RunResult> ClaimAsync(string taskId, Actor actor, CancellationToken ct)
    {
        var task = await db.Tasks.AsNoTracking().SingleOrDefaultAsync(t => t.Id == taskId, ct);
        if (task is null)
        {
            return RunResult.NotFound($"There is no task '{taskId}'.", RefusalCodes.TaskNotFound);
        }

        if (await CheckMayActAsync(task, actor, ct) is { } refused)
        {
            return refused;
        }

        var claimed = await db.Tasks
            .Where(t => t.Id == taskId && t.Status == TaskState.Open && (t.AssigneeId == null || t.AssigneeId == actor.Id))
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.AssigneeId, actor.Id).SetProperty(t => t.Version, t => t.Version + 1), ct);
        return claimed == 0
            ? RunResult.Conflict("Someone else claimed or completed this task just now.", RefusalCodes.TaskTaken)
            : new RunResult.Ok(await db.Instances.AsNoTracking().SingleAsync(i => i.Id == task.InstanceId, ct));
    }

    public async Task<RunResult> ReleaseAsync(string taskId, Actor actor, CancellationToken ct)
    {
        var task = await db.Tasks.AsNoTracking().SingleOrDefaultAsync(t => t.Id == taskId, ct);
        if (task is null || (task.AssigneeId != actor.Id && !await db.TaskCandidates.AnyAsync(c => c.TaskId == taskId && c.EmployeeId == actor.Id, ct)))
        {
            return task is not null && await InstanceAccess.CanSeeAsync(db, task.InstanceId, actor, ct)
                ? RunResult.Forbidden("This task is not assigned to you or to a role you hold.", RefusalCodes.NotYourTask)
                : RunResult.NotFound($"There is no task '{taskId}'.", RefusalCodes.TaskNotFound);
        }

        var released = await db.Tasks
            .Where(t => t.Id == taskId && t.Status == TaskState.Open && t.AssigneeId == actor.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.AssigneeId, (string?)null).SetProperty(t => t.Version, t => t.Version + 1), ct);
        return released == 0
            ? task.Status != TaskState.Open
                ? RunResult.Conflict("This task is no longer open.", RefusalCodes.TaskClosed)
                : RunResult.Conflict("You have not claimed this task.", RefusalCodes.NotClaimed)
            : new RunResult.Ok(await db.Instances.AsNoTracking().SingleAsync(i => i.Id == task.InstanceId, ct));
    }

    /// <summary>The starter withdraws a running instance: its tasks close, its timers stop.</summary>
    public async Task<RunResult> WithdrawAsync(string instanceId, Actor actor, string? reason, CancellationToken ct)
    {
        Reset();
        try
        {
            await using var tx = await StepTransaction.BeginAsync(db, ct);
            var instance = await db.Instances.AsNoTracking().SingleOrDefaultAsync(i => i.Id == instanceId, ct);
            if (instance is null || !await InstanceAccess.CanSeeAsync(db, instanceId, actor, ct))
            {
                return RunResult.NotFound($"There is no workflow instance '{instanceId}'.", RefusalCodes.InstanceNotFound);
            }

            rows.Load(instance);

            if (instance.StartedBy != actor.Id)
            {
                return RunResult.Forbidden("Only the person who started it can withdraw it.", RefusalCodes.NotStarter);
            }

            var design = designs.Get(instance.DesignName, instance.DesignVersion);
            var result = WorkflowEngine.Handle(design, Deserialize(instance), new Withdraw(actor.Id, reason, "Starter"), clock.Now);
            if (result is Rejected rejected)
            {
                return Refuse(rejected);
            }

            var step = instance.CurrentStep;
            var pending = await ApplyAsync(instance, (Accepted)result, design, runActivities: true, ct);
            if (design.OnWithdraw is { } hook)
            {
                await RunWithdrawHookAsync(instance, ((Accepted)result).State, step, hook, actor.Id, ct);
            }

            await CommitAsync(tx, pending, ct);
            return new RunResult.Ok(instance);
        }
        catch (ActivityFailedException failure)
        {
            return await RecordIncidentAsync(instanceId, "withdraw", failure, ct);
        }
        catch (DbUpdateException ex) when (DbErrors.IsConflict(ex))
        {
            return RunResult.Conflict("The instance changed at the same time; nothing was applied. Reload and try again.", RefusalCodes.ConcurrentChange);
        }
    }

    /// <summary>The design's <c>onWithdraw</c> activity, in the withdraw's transaction: its effects commit with the withdrawal or not at all.</summary>
    private async Task RunWithdrawHookAsync(WorkflowInstance instance, InstanceState state, string? step, string activityName, string actorId, CancellationToken ct)
    {
        ActivityResult outcome;
        try
        {
            outcome = await activities.Resolve(services, activityName).RunAsync(new ActivityContext(instance, state, db, clock, services), ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new ActivityFailedException(step ?? "withdraw", ex);
        }

        var data = (outcome.Variables ?? WorkflowVariables.Empty).SetItem("activity", WorkflowVariables.Value(activityName));
        AddHistory(instance, HistoryKinds.ActivityCompleted, step, actorId, null, outcome.Outcome, "onWithdraw", JsonSerializer.Serialize(data, StateJson));
    }

    /// <summary>
    /// Fires one timer, at most once: the conditional update on <c>FiredAt</c> is the guard. A timer
    /// whose task was completed (a stale visit) or whose instance ended is marked fired and does nothing.
    /// </summary>
    /// <returns>True when this call fired it.</returns>
    public async Task<bool> FireTimerAsync(string timerId, CancellationToken ct)
    {
        Reset();
        string? instanceId = null;
        try
        {
            await using var tx = await StepTransaction.BeginAsync(db, ct);
            var now = clock.Now;
            var fired = await db.Timers
                .Where(t => t.Id == timerId && t.FiredAt == null && t.CancelledAt == null && t.DueAt <= now)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.FiredAt, now), ct);
            if (fired == 0)
            {
                return false;
            }

            var timer = await db.Timers.AsNoTracking().SingleAsync(t => t.Id == timerId, ct);
            instanceId = timer.InstanceId;
            var instance = rows.Load(await db.Instances.AsNoTracking().SingleAsync(i => i.Id == timer.InstanceId, ct));
            instance.ActiveTimers = Math.Max(0, instance.ActiveTimers - 1);
            if (instance.Status == InstanceStatus.Running)
            {
                var design = designs.Get(instance.DesignName, instance.DesignVersion);
                var kind = timer.Kind == TimerKinds.WaitTimeout ? TimerKind.WaitTimeout : TimerKind.TaskDue;
                var result = WorkflowEngine.Handle(design, Deserialize(instance), new TimerFired(timer.Step, timer.Visit, kind), now);
                if (result is Accepted accepted)
                {
                    var pending = await ApplyAsync(instance, accepted, design, runActivities: true, ct);
                    await CommitAsync(tx, pending, ct);
                    return true;
                }
            }

            await RuntimeWriter.SaveAsync(db, rows, ct);
            await tx.CommitAsync(ct);
            return true;
        }
        catch (ActivityFailedException failure)
        {
            await RecordIncidentAsync(instanceId!, $"timer {timerId}", failure, ct);
            return false;
        }
    }

    /// <summary>Delivers a signal to one waiting instance; false when it no longer waits for it.</summary>
    public async Task<bool> DeliverSignalAsync(string instanceId, string signal, ImmutableDictionary<string, JsonElement>? data, CancellationToken ct)
    {
        dispatchAfterCommit = false;
        Reset();
        try
        {
            await using var tx = await StepTransaction.BeginAsync(db, ct);
            var instance = await db.Instances.AsNoTracking().SingleOrDefaultAsync(i => i.Id == instanceId && i.WaitingFor == signal && i.Status == InstanceStatus.Running, ct);
            if (instance is null)
            {
                return false;
            }

            rows.Load(instance);

            var design = designs.Get(instance.DesignName, instance.DesignVersion);
            if (WorkflowEngine.Handle(design, Deserialize(instance), new SignalReceived(signal, data), clock.Now) is not Accepted accepted)
            {
                return false;
            }

            var pending = await ApplyAsync(instance, accepted, design, runActivities: true, ct);
            await CommitAsync(tx, pending, ct);
            return true;
        }
        catch (ActivityFailedException failure)
        {
            await RecordIncidentAsync(instanceId, $"signal {signal}", failure, ct);
            return false;
        }
        catch (DbUpdateException ex) when (DbErrors.IsConflict(ex))
        {
            return false;
        }
    }

    /// <summary>Carries out the engine's commands; with <paramref name="runActivities"/>, runs activities and feeds their outcome back until the instance rests.</summary>
    /// <param name="completedTask">The task this step completes (tracked): an instance has one open task at a time, so leaving its step has nothing else to cancel.</param>
    private async Task<List<WorkflowTimer>> ApplyAsync(
        WorkflowInstance instance, Accepted accepted, WorkflowDesign design, bool runActivities, CancellationToken ct, WorkflowTask? completedTask = null)
    {
        var newTimers = new List<WorkflowTimer>();
        var openTaskHandled = completedTask is not null;
        while (true)
        {
            foreach (var command in accepted.Commands)
            {
                if (command is CancelOpenTasks && openTaskHandled)
                {
                    openTaskHandled = false;
                    continue;
                }

                await ExecuteAsync(instance, accepted.State, command, newTimers, ct);
            }

            Store(instance, accepted.State);
            if (!runActivities || accepted.PendingActivity is not { } run)
            {
                return newTimers;
            }

            var next = await RunActivityAsync(instance, accepted.State, design, run, ct);
            if (next is Rejected rejected)
            {
                throw new ActivityFailedException(run.Step, new InvalidOperationException($"The engine refused the activity's result: {rejected.Message}"));
            }

            accepted = (Accepted)next;
        }
    }

    private async Task<EngineResult> RunActivityAsync(WorkflowInstance instance, InstanceState state, WorkflowDesign design, RunActivity run, CancellationToken ct)
    {
        ActivityResult outcome;
        try
        {
            var activity = activities.Resolve(services, run.ActivityName);
            outcome = await activity.RunAsync(new ActivityContext(instance, state, db, clock, services), ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new ActivityFailedException(run.Step, ex);
        }

        return WorkflowEngine.Handle(design, state, new ActivityCompleted(run.Step, run.Visit, outcome.Outcome, outcome.Variables), clock.Now);
    }

    private async Task ExecuteAsync(WorkflowInstance instance, InstanceState state, EngineCommand command, List<WorkflowTimer> newTimers, CancellationToken ct)
    {
        var now = clock.Now;
        switch (command)
        {
            case CreateTask create:
                var resolved = await assignments.ResolveAsync(create, state, ct);
                var task = new WorkflowTask
                {
                    InstanceId = instance.Id,
                    Type = instance.Type,
                    Step = create.Step,
                    Visit = create.Visit,
                    Title = create.Title,
                    ActingRole = resolved.ActingRole,
                    RequiredRole = create.Assign.Role is not null || resolved.Escalations.Count > 0 ? resolved.ActingRole : null,
                    SubjectId = instance.SubjectId,
                    ActionsJson = ActionsJson(create.Actions),
                    CreatedAt = now,
                    DueAt = create.DueAt?.ToUniversalTime(),
                };
                rows.Add(task);
                foreach (var candidate in resolved.CandidateIds.Distinct(StringComparer.Ordinal))
                {
                    rows.Add(new TaskCandidate { TaskId = task.Id, EmployeeId = candidate });
                }

                if (resolved.Escalations.Count > 0)
                {
                    AddHistory(instance, "task.escalated", create.Step, null, resolved.ActingRole, null, string.Join("; ", resolved.Escalations),
                        JsonSerializer.Serialize(new { taskId = task.Id, assignedRole = create.Assign.Role ?? create.Assign.Person, actingRole = resolved.ActingRole, candidates = resolved.CandidateIds }, StateJson));
                }

                break;
            case CancelOpenTasks cancel:
                var status = cancel.Reason == "due" ? TaskState.Expired : TaskState.Cancelled;
                await db.Tasks.Where(t => t.InstanceId == instance.Id && t.Status == TaskState.Open)
                    .ExecuteUpdateAsync(s => s.SetProperty(t => t.Status, status).SetProperty(t => t.CompletedAt, now).SetProperty(t => t.Version, t => t.Version + 1), ct);
                break;
            case ScheduleTimer schedule:
                var timer = new WorkflowTimer
                {
                    InstanceId = instance.Id,
                    Step = schedule.Step,
                    Visit = schedule.Visit,
                    Kind = schedule.Kind == TimerKind.WaitTimeout ? TimerKinds.WaitTimeout : TimerKinds.TaskDue,
                    DueAt = schedule.DueAt.ToUniversalTime(),
                };
                rows.Add(timer);
                newTimers.Add(timer);
                instance.ActiveTimers++;
                break;
            case CancelTimers:
                if (instance.ActiveTimers > newTimers.Count)
                {
                    await db.Timers.Where(t => t.InstanceId == instance.Id && t.FiredAt == null && t.CancelledAt == null)
                        .ExecuteUpdateAsync(s => s.SetProperty(t => t.CancelledAt, now), ct);
                }

                instance.ActiveTimers = 0;
                newTimers.Clear();
                rows.RemoveAdded(row => row is WorkflowTimer added && added.InstanceId == instance.Id);

                break;
            case AwaitSignal wait:
                instance.WaitingFor = wait.SignalName;
                break;
            case StopAwaitingSignal:
                instance.WaitingFor = null;
                break;
            case AppendHistory history:
                AddHistory(instance, history.Kind, history.Step, history.ActorId, history.ActingRole, history.Action, history.Comment,
                    history.Data is null ? null : JsonSerializer.Serialize(history.Data, StateJson));
                break;
            case Completed completed:
                instance.Status = completed.Status;
                instance.Outcome = completed.Outcome;
                instance.CompletedAt = now;
                instance.WaitingFor = null;
                break;
            case Faulted faulted:
                instance.Status = InstanceStatus.Faulted;
                rows.Add(new Incident { InstanceId = instance.Id, Step = instance.CurrentStep, Operation = "engine", Error = faulted.Reason, OccurredAt = now });
                instance.HasIncident = true;
                break;
            case RunActivity:
                break;
            default:
                throw new InvalidOperationException($"Unknown engine command {command.GetType().Name}.");
        }
    }

    /// <summary>
    /// A task's actions as the API lists them. A design's step hands out the same ordered array to every task it creates,
    /// so the JSON is written once per step and array (kept as long as the design is).
    /// </summary>
    private static string ActionsJson(ImmutableArray<TaskAction> actions) =>
        ActionsJsonOf.GetValue(ImmutableCollectionsMarshal.AsArray(actions) ?? [], array =>
            JsonSerializer.Serialize(array.Select(a => new TaskActionInfo(a.Name, a.CommentRequired, [.. a.Requires])), StateJson));

    private static readonly ConditionalWeakTable<TaskAction[], string> ActionsJsonOf = [];

    private void AddHistory(WorkflowInstance instance, string kind, string? step, string? actorId, string? actingRole, string? action, string? comment, string? dataJson) =>
        rows.Add(new HistoryEntry
        {
            InstanceId = instance.Id,
            Seq = ++instance.HistoryCount,
            At = clock.Now,
            Kind = kind,
            Step = step,
            ActorId = actorId,
            ActingRole = actingRole,
            Action = action,
            Comment = comment,
            DataJson = dataJson,
        });

    private static void Store(WorkflowInstance instance, InstanceState state)
    {
        instance.Status = state.Status;
        instance.Outcome = state.Outcome;
        instance.CurrentStep = state.CurrentStep;
        instance.StepVisit = state.StepVisit;
        instance.StateJson = JsonSerializer.Serialize(state, StateJson);
        StateMemo.Remember(instance.Id, instance.StateJson, state);
    }

    internal static InstanceState Deserialize(WorkflowInstance instance) => StateMemo.Parse(instance.Id, instance.StateJson);

    private async Task ResolveIncidentsAsync(WorkflowInstance instance, CancellationToken ct)
    {
        if (!instance.HasIncident || instance.Status == InstanceStatus.Faulted)
        {
            return;
        }

        instance.HasIncident = false;
        var now = clock.Now;
        await db.Incidents.Where(i => i.InstanceId == instance.Id && i.ResolvedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.ResolvedAt, now), ct);
    }

    /// <summary>After a rollback: the only trace of the failed step is the incident, in its own transaction.</summary>
    private async Task<RunResult> RecordIncidentAsync(string instanceId, string operation, ActivityFailedException failure, CancellationToken ct)
    {
        logger.LogError(failure.InnerException, "Step {Step} of instance {Instance} failed during {Operation}; rolled back.", failure.Step, instanceId, operation);
        Reset();
        var incident = new Incident
        {
            InstanceId = instanceId,
            Step = failure.Step,
            Operation = operation,
            Error = $"{failure.InnerException?.GetType().Name}: {failure.InnerException?.Message}",
            OccurredAt = clock.Now,
        };
        db.Incidents.Add(incident);
        await db.SaveChangesAsync(ct);
        // The version moves on, as with every change to the row: a step decided on the instance as it was is refused.
        await db.Instances.Where(i => i.Id == instanceId)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.HasIncident, true).SetProperty(i => i.Version, i => i.Version + 1), ct);
        return new RunResult.Refused(StatusCodes.Status503ServiceUnavailable,
            $"The step '{failure.Step}' failed and was rolled back; nothing changed. Incident {incident.Id} is recorded on the instance; try again, or HR can retry it.",
            Code: RefusalCodes.StepFailed);
    }

    /// <summary>
    /// Saves the step, commits, then does what must wait for the commit: Hangfire jobs for the new
    /// timers, and delivery of signals the step raised (a freed seat, a changed eligibility), so the
    /// instances waiting on them move now rather than at the next sweep. Deliveries run in their own
    /// scopes and transactions; one failing leaves the signal for the sweeper.
    /// </summary>
    private async Task CommitAsync(StepTransaction tx, List<WorkflowTimer> timers, CancellationToken ct, IDisposable? gate = null)
    {
        var raised = dispatchAfterCommit && db.ChangeTracker.Entries<PendingSignal>().Any(e => e.State == EntityState.Added);
        var opened = OpenedTask();
        await RuntimeWriter.SaveAsync(db, rows, ct);
        await tx.CommitAsync(ct);
        gate?.Dispose();
        if (opened is var (task, instance, candidates))
        {
            // After the commit: the instance now carries the version it was written with.
            openTasks.Remember(task, instance, candidates);
        }

        AfterCommit(timers);
        if (raised)
        {
            try
            {
                await using var scope = services.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<SignalDispatcher>().DispatchPendingAsync(ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Delivering signals after a step failed; the sweeper will deliver them.");
            }
        }
    }

    /// <summary>The task this step opens with its instance and candidates, for <see cref="OpenTaskCache"/> (SQLite only).</summary>
    private (WorkflowTask Task, WorkflowInstance Instance, string[] Candidates)? OpenedTask()
    {
        if (SqlitePrepared.ConnectionOf(db) is null)
        {
            return null;
        }

        WorkflowTask? task = null;
        WorkflowInstance? instance = null;
        foreach (var row in rows.Added)
        {
            switch (row)
            {
                case WorkflowTask added when task is null:
                    task = added;
                    break;
                case WorkflowTask:
                    return null;
                case WorkflowInstance added:
                    instance = added;
                    break;
            }
        }

        if (task is null)
        {
            return null;
        }

        foreach (var (row, _, _) in rows.Loaded)
        {
            if (row is WorkflowInstance loaded)
            {
                instance = loaded;
            }
        }

        return instance is null || instance.Id != task.InstanceId
            ? null
            : (task, instance, [.. rows.Added.OfType<TaskCandidate>().Where(c => c.TaskId == task.Id).Select(c => c.EmployeeId)]);
    }

    /// <summary>False while delivering a signal: signals raised then wait for the dispatcher's next round, not a nested one.</summary>
    private bool dispatchAfterCommit = true;

    /// <summary>Hangfire jobs for new timers, once their rows are committed. A lost job is caught by the sweeper.</summary>
    private void AfterCommit(List<WorkflowTimer> timers)
    {
        foreach (var timer in timers)
        {
            try
            {
                jobs.Schedule<TimerJobs>(j => j.FireAsync(timer.Id, CancellationToken.None), TimerJobs.ScheduleAt(timer.DueAt));
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Could not schedule timer {Timer}; the sweeper will fire it.", timer.Id);
            }
        }
    }

    private static RunResult.Refused Refuse(Rejected rejected) => rejected.Code switch
    {
        RejectionCode.MissingData => new RunResult.Refused(422, rejected.Message,
            rejected.MissingFields.ToDictionary(f => "data." + f, f => new[] { $"'{f}' is required for this action." }), rejected.Code.ToString()),
        RejectionCode.CommentRequired => new RunResult.Refused(422, rejected.Message,
            new Dictionary<string, string[]> { ["comment"] = ["A comment is required for this action."] }, rejected.Code.ToString()),
        RejectionCode.UnknownOutcome => new RunResult.Refused(409, rejected.Message, Code: rejected.Code.ToString()),
        _ => new RunResult.Refused(rejected.Code.HttpStatus(), rejected.Message, Code: rejected.Code.ToString()),
    };
}

/// <summary>What a task offers, stored on the task for the inbox.</summary>
public sealed record TaskActionInfo(string Name, bool CommentRequired, string[] Requires);

/// <summary>An activity threw: the step is rolled back and recorded as an incident.</summary>
public sealed class ActivityFailedException(string step, Exception inner)
    : Exception($"Activity at step '{step}' failed: {inner.Message}", inner)
{
    public string Step { get; } = step;
}


/// <summary>
/// Database errors that mean "someone else got there first": a stale concurrency token, or a unique
/// key taken by a concurrent step (two steps of one instance both appending history seq n+1).
/// </summary>
public static class DbErrors
{
    public static bool IsConflict(DbUpdateException ex) =>
        ex is DbUpdateConcurrencyException
        || ex.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation }
        || ex.InnerException is Microsoft.Data.Sqlite.SqliteException { SqliteExtendedErrorCode: 2067 or 1555 };
}

/// <summary>
/// SQLite has one writer at a time; a second writer that finds the file locked sleeps in SQLite's busy
/// handler (1, 2, 5, 10 ms …) even when the first is done a moment later. Steps of this process
/// therefore queue here, in order and without sleeping, for the short write phase. Other processes
/// on the same file still meet SQLite's lock and busy timeout. PostgreSQL needs no gate.
/// </summary>
public sealed class WriteGate : IDisposable
{
    private readonly SemaphoreSlim sqlite = new(1, 1);

    public void Dispose() => sqlite.Dispose();

    public async Task<IDisposable> EnterAsync(WorkflowDbContext db, CancellationToken ct)
    {
        if (SqlitePrepared.ConnectionOf(db) is null)
        {
            return Released.Instance;
        }

        await sqlite.WaitAsync(ct);
        return new Lease(sqlite);
    }

    private sealed class Lease(SemaphoreSlim semaphore) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                semaphore.Release();
            }
        }
    }

    private sealed class Released : IDisposable
    {
        public static readonly Released Instance = new();

        public void Dispose()
        {
        }
    }
}
