using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions.Engine;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Runtime.Store;

namespace Workflows.Host.Runtime;

/// <summary>
/// The imperative shell around the pure engine: loads an instance in a step of the store, asks the engine what
/// happens, carries out the commands (<see cref="StepCommands"/>) and the activities' effects, and commits all of it in
/// one transaction; then does what must wait for the commit (<see cref="AfterCommit"/>). An activity that throws rolls
/// the whole step back; the failure is kept as an incident on the instance and the step can be retried. It does not
/// know which database it runs on (<see cref="IStepStore"/>).
/// </summary>
public sealed class WorkflowRunner(
    WorkflowDbContext db,
    IStepStore store,
    PublishedDesigns designs,
    ActivityResolver activities,
    AssignmentResolver assignments,
    DepartmentClock clock,
    IServiceProvider services,
    AfterCommit afterCommit,
    Notifications.Notifier notifier,
    ILogger<WorkflowRunner> logger)
{
    internal static readonly JsonSerializerOptions StateJson = new(JsonSerializerOptions.Web) { Converters = { new VariablesJson() } };

    /// <summary>False while delivering a signal: signals raised then wait for the dispatcher's next round, not a nested one.</summary>
    private bool dispatchAfterCommit = true;

    /// <summary>What the step being run is, for its span and duration (<see cref="Telemetry.StepCommitted"/>).</summary>
    private (string Type, string InstanceId, string? Step, string Action) traced;

    /// <summary>Starts an instance of the latest version of <paramref name="designName"/>.</summary>
    /// <remarks>Domain rows the caller added to the context and has not saved commit with the start.</remarks>
    /// <param name="runningKey">What only one running instance of the type may hold (<see cref="WorkflowInstance.RunningKey"/>);
    /// a second start with it fails the insert with a unique violation (a <see cref="DbUpdateException"/>).</param>
    public async Task<RunResult> StartAsync(
        string designName, string subjectId, string startedBy, string? actingRole,
        ImmutableDictionary<string, JsonElement> variables, CancellationToken ct, string? runningKey = null)
    {
        var design = designs.Latest(designName) ?? throw new InvalidOperationException($"No design named '{designName}' is published.");
        var now = clock.Now;
        var result = WorkflowEngine.Start(design, new StartRequest(subjectId, startedBy, variables, actingRole), clock.LocalNow);
        if (result is Rejected rejected)
        {
            return RunResult.Of(rejected);
        }

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
        await using (var step = await store.BeginAsync(db, ct))
        {
            instance.Number = await db.NextInstanceNumberAsync(ct);
            step.Add(instance);
            var commands = await ApplyAsync(step, instance, (Accepted)result, design, runActivities: false, ct);
            await CommitAsync(step, commands, ct);
        }

        return instance.CurrentStep is not null && design.Steps[instance.CurrentStep] is AutoStep
            ? await AdvanceAsync(instance.Id, "start", ct)
            : new RunResult.Ok(instance);
    }

    /// <summary>Runs the activity of the auto step the instance stands on (after a start, a crash, or to retry an incident).</summary>
    public async Task<RunResult> AdvanceAsync(string instanceId, string operation, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        try
        {
            await using var step = await store.BeginAsync(db, ct);
            var instance = await step.LoadInstanceAsync(instanceId, ct);
            if (instance is null)
            {
                return RunResult.NotFound($"There is no workflow instance '{instanceId}'.", RefusalCodes.InstanceNotFound);
            }

            var design = designs.Get(instance.DesignName, instance.DesignVersion);
            if (instance.Status != InstanceStatus.Running || instance.CurrentStep is null || design.Steps[instance.CurrentStep] is not AutoStep auto)
            {
                return RunResult.Conflict("The instance is not at an automatic step; there is nothing to run.", RefusalCodes.NothingToRun);
            }

            var state = Deserialize(instance);
            var result = await RunActivityAsync(instance, state, design, new RunActivity(auto.Id, state.StepVisit, auto.Activity), ct);
            if (result is Rejected rejected)
            {
                return RunResult.Of(rejected);
            }

            var commands = await ApplyAsync(step, instance, (Accepted)result, design, runActivities: true, ct);
            await ResolveIncidentsAsync(instance, ct);
            await CommitAsync(step, commands, ct);
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
    /// A person decides a task. Exactly one of concurrent completions wins; the others get 409: the task row is written
    /// back guarded by the version it was read with in the step, so a second completion or a claim in between matches
    /// no row and the whole step rolls back.
    /// </summary>
    public Task<RunResult> CompleteTaskAsync(
        string taskId, Actor actor, string action, string? comment, ImmutableDictionary<string, JsonElement>? data, CancellationToken ct) =>
        ActOnTaskAsync(taskId, actor, $"complete task {taskId} ({action})", (task, onBehalfOf) =>
            new TaskCompleted(task.Step, task.Visit, action, actor.Id, task.ActingRole, comment, data) { Slot = task.Slot, OnBehalfOf = onBehalfOf }, ct);

    /// <summary>转交: the task goes to one colleague, who becomes its only candidate.</summary>
    public Task<RunResult> TransferAsync(string taskId, Actor actor, string toId, string? comment, CancellationToken ct) =>
        ActOnTaskAsync(taskId, actor, $"transfer task {taskId}", (task, onBehalfOf) =>
            new TaskTransferred(task.Step, task.Visit, actor.Id, task.ActingRole, toId, comment) { Slot = task.Slot, OnBehalfOf = onBehalfOf }, ct,
            mayProceed: ct => KnownColleagueAsync(toId, "toEmployeeId", ct));

    /// <summary>加签: a colleague approves before the approver (the task waits) or after them.</summary>
    public Task<RunResult> AddSignerAsync(string taskId, Actor actor, string signerId, SignerPosition position, string? comment, CancellationToken ct) =>
        ActOnTaskAsync(taskId, actor, $"add a signer to task {taskId}", (task, onBehalfOf) =>
            new SignerAdded(task.Step, task.Visit, actor.Id, task.ActingRole, signerId, position, comment) { OnBehalfOf = onBehalfOf }, ct,
            mayProceed: ct => KnownColleagueAsync(signerId, "employeeId", ct));

    /// <summary>
    /// Refused unless <paramref name="employeeId"/> is a current employee (an unknown or locked-out account cannot be given
    /// work). Asked only of someone who may act: anyone else learns nothing about who works here.
    /// </summary>
    private Task<RunResult.Refused?> KnownColleagueAsync(string employeeId, string field, CancellationToken ct) =>
        KnownColleaguesAsync([employeeId], field, ct);

    /// <summary>As <see cref="KnownColleagueAsync"/> for several people, in one query; the first one unknown is named.</summary>
    private async Task<RunResult.Refused?> KnownColleaguesAsync(IReadOnlyList<string> employeeIds, string field, CancellationToken ct)
    {
        var now = clock.Now;
        var known = await db.Users.Where(u => employeeIds.Contains(u.Id) && (u.LockoutEnd == null || u.LockoutEnd < now)).Select(u => u.Id).ToListAsync(ct);
        return employeeIds.FirstOrDefault(id => !known.Contains(id, StringComparer.Ordinal)) is not { } unknown
            ? null
            : new RunResult.Refused(StatusCodes.Status422UnprocessableEntity, $"There is no colleague '{unknown}' to hand this to.",
                new Dictionary<string, string[]> { [field] = ["Unknown employee."] }, RefusalCodes.UnknownColleague);
    }

    /// <summary>
    /// One step on one task: loads it, checks the actor may act on it (as a candidate, or as a candidate's delegate),
    /// asks the engine with the input <paramref name="input"/> builds, and commits. A decision completes the task; other
    /// inputs (a transfer, an added signer) leave it open.
    /// </summary>
    /// <param name="mayProceed">A further check of the input (the colleague named exists), asked once the actor may act.</param>
    private async Task<RunResult> ActOnTaskAsync(
        string taskId, Actor actor, string operation, Func<WorkflowTask, string?, EngineInput> input, CancellationToken ct,
        Func<CancellationToken, Task<RunResult.Refused?>>? mayProceed = null)
    {
        db.ChangeTracker.Clear();
        string? instanceId = null;
        try
        {
            await using var step = await store.BeginAsync(db, ct);
            var loaded = await step.LoadTaskAsync(taskId, actor.Id, ct);
            if (loaded is null)
            {
                return RunResult.NotFound($"There is no task '{taskId}'.", RefusalCodes.TaskNotFound);
            }

            var (task, instance) = (loaded.Task, loaded.Instance);
            instanceId = task.InstanceId;
            var onBehalfOf = loaded.IsCandidate ? null : await DelegatorAsync(task, actor, ct);
            if (await CheckMayActAsync(task, loaded.IsCandidate || onBehalfOf is not null, onBehalfOf is not null, actor, ct) is { } refused)
            {
                return refused;
            }

            if (mayProceed is not null && await mayProceed(ct) is { } invalid)
            {
                return invalid;
            }

            var design = designs.Get(instance.DesignName, instance.DesignVersion);
            var engineInput = input(task, onBehalfOf);
            var result = WorkflowEngine.Handle(design, Deserialize(instance), engineInput, clock.LocalNow);
            if (result is Rejected rejected)
            {
                return RunResult.Of(rejected);
            }

            if (engineInput is TaskCompleted completed)
            {
                task.Status = TaskState.Completed;
                task.CompletedAt = clock.Now;
                task.CompletedBy = actor.Id;
                task.Action = completed.Action;
                await step.CloseCandidatesAsync(task.Id, ct);
            }

            var commands = await ApplyAsync(step, instance, (Accepted)result, design, runActivities: true, ct, taskInHand: task);
            await ResolveIncidentsAsync(instance, ct);
            await CommitAsync(step, commands, ct);
            return new RunResult.Ok(instance);
        }
        catch (ActivityFailedException failure)
        {
            return await RecordIncidentAsync(instanceId!, operation, failure, ct);
        }
        catch (DbUpdateException ex) when (DbErrors.IsConflict(ex))
        {
            return RunResult.Conflict("This task was completed, claimed or handed on by someone else just now; nothing was applied.", RefusalCodes.TaskTaken);
        }
    }

    /// <summary>
    /// The candidate of <paramref name="task"/> whose delegate the actor is today (代理), if any. Delegation does not
    /// chain: only a candidate's own delegation counts, never one their delegate set in turn.
    /// </summary>
    private async Task<string?> DelegatorAsync(WorkflowTask task, Actor actor, CancellationToken ct)
    {
        var today = clock.Today;
        return await db.Delegations.AsNoTracking()
            .Where(d => d.DelegateId == actor.Id && d.From <= today && d.To >= today)
            .Where(d => db.TaskCandidates.Any(c => c.TaskId == task.Id && c.EmployeeId == d.EmployeeId))
            .OrderBy(d => d.EmployeeId)
            .Select(d => d.EmployeeId)
            .FirstOrDefaultAsync(ct);
    }

    /// <summary>催办: the starter reminds whoever holds the instance's current tasks, at most once a day.</summary>
    public Task<RunResult> RemindAsync(string instanceId, Actor actor, CancellationToken ct) =>
        ActOnInstanceAsync(instanceId, actor, "remind", starterOnly: true, new Reminded(actor.Id), ct);

    /// <summary>抄送: copies colleagues on the instance (they may read it and its history).</summary>
    public async Task<RunResult> CopyAsync(string instanceId, Actor actor, IReadOnlyList<string> employeeIds, string? comment, CancellationToken ct)
    {
        if (!actor.IsHR && !await db.Tasks.AnyAsync(t => t.InstanceId == instanceId
                && (t.CompletedBy == actor.Id || db.TaskCandidates.Any(c => c.TaskId == t.Id && c.EmployeeId == actor.Id)), ct))
        {
            return await InstanceAccess.CanSeeAsync(db, instanceId, actor, ct)
                ? RunResult.Forbidden("Only someone who acts or has acted on its tasks, or HR, can copy an application.", RefusalCodes.NotYourTask)
                : RunResult.NotFound($"There is no workflow instance '{instanceId}'.", RefusalCodes.InstanceNotFound);
        }

        if (await KnownColleaguesAsync(employeeIds, "employeeIds", ct) is { } unknown)
        {
            return unknown;
        }

        return await ActOnInstanceAsync(instanceId, actor, "cc", starterOnly: false,
            new Copied(actor.Id, actor.IsHR ? Workflows.Definitions.CompanyRoles.HR : null, [.. employeeIds.Distinct(StringComparer.Ordinal)], comment), ct);
    }

    /// <summary>One step on an instance for an input that is not about one task (a reminder, a copy).</summary>
    private async Task<RunResult> ActOnInstanceAsync(string instanceId, Actor actor, string operation, bool starterOnly, EngineInput input, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        try
        {
            await using var step = await store.BeginAsync(db, ct);
            var instance = await step.LoadInstanceAsync(instanceId, ct);
            if (instance is null || !await InstanceAccess.CanSeeAsync(db, instanceId, actor, ct))
            {
                return RunResult.NotFound($"There is no workflow instance '{instanceId}'.", RefusalCodes.InstanceNotFound);
            }

            if (starterOnly && instance.StartedBy != actor.Id)
            {
                return RunResult.Forbidden($"Only the person who started it can {operation} it.", RefusalCodes.NotStarter);
            }

            var design = designs.Get(instance.DesignName, instance.DesignVersion);
            var result = WorkflowEngine.Handle(design, Deserialize(instance), input, clock.LocalNow);
            if (result is Rejected rejected)
            {
                return RunResult.Of(rejected);
            }

            var commands = await ApplyAsync(step, instance, (Accepted)result, design, runActivities: false, ct);
            await CommitAsync(step, commands, ct);
            return new RunResult.Ok(instance);
        }
        catch (DbUpdateException ex) when (DbErrors.IsConflict(ex))
        {
            return RunResult.Conflict("The instance changed at the same time; nothing was applied. Reload and try again.", RefusalCodes.ConcurrentChange);
        }
    }

    private async Task<RunResult.Refused?> CheckMayActAsync(WorkflowTask task, bool isCandidate, bool asDelegate, Actor actor, CancellationToken ct)
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

        // Rank and roles as the org has them now (the actor is loaded per request), not as when the task was created. A
        // delegate acts with the candidate's authority, which the candidate set aside for them.
        if (task.RequiredRole is not null && !asDelegate && !actor.Holds(task.RequiredRole))
        {
            return RunResult.Forbidden($"Acting on this task needs the role {task.RequiredRole}, which you no longer hold.", RefusalCodes.RoleNoLongerHeld);
        }

        return null;
    }

    private async Task<RunResult.Refused?> CheckMayActAsync(WorkflowTask task, Actor actor, CancellationToken ct) =>
        await CheckMayActAsync(task, await db.TaskCandidates.AnyAsync(c => c.TaskId == task.Id && c.EmployeeId == actor.Id, ct), asDelegate: false, actor, ct);

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
        db.ChangeTracker.Clear();
        try
        {
            await using var step = await store.BeginAsync(db, ct);
            var instance = await step.LoadInstanceAsync(instanceId, ct);
            if (instance is null || !await InstanceAccess.CanSeeAsync(db, instanceId, actor, ct))
            {
                return RunResult.NotFound($"There is no workflow instance '{instanceId}'.", RefusalCodes.InstanceNotFound);
            }

            if (instance.StartedBy != actor.Id)
            {
                return RunResult.Forbidden("Only the person who started it can withdraw it.", RefusalCodes.NotStarter);
            }

            var design = designs.Get(instance.DesignName, instance.DesignVersion);
            var result = WorkflowEngine.Handle(design, Deserialize(instance), new Withdraw(actor.Id, reason, "Starter"), clock.LocalNow);
            if (result is Rejected rejected)
            {
                return RunResult.Of(rejected);
            }

            var stepId = instance.CurrentStep;
            var commands = await ApplyAsync(step, instance, (Accepted)result, design, runActivities: true, ct);
            if (design.OnWithdraw is { } hook)
            {
                await RunWithdrawHookAsync(instance, ((Accepted)result).State, stepId, hook, actor.Id, commands, ct);
            }

            await CommitAsync(step, commands, ct);
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
    private async Task RunWithdrawHookAsync(
        WorkflowInstance instance, InstanceState state, string? stepId, string activityName, string actorId, StepCommands commands, CancellationToken ct)
    {
        ActivityResult outcome;
        try
        {
            outcome = await activities.Resolve(services, activityName).RunAsync(new ActivityContext(instance, state, db, clock, services), ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new ActivityFailedException(stepId ?? "withdraw", ex);
        }

        var data = (outcome.Variables ?? WorkflowVariables.Empty).SetItem("activity", WorkflowVariables.Value(activityName));
        commands.AddHistory(instance, HistoryKinds.ActivityCompleted, stepId, actorId, null, outcome.Outcome, "onWithdraw", JsonSerializer.Serialize(data, StateJson));
    }

    /// <summary>
    /// Fires one timer, at most once: the conditional update on <c>FiredAt</c> is the guard. A timer
    /// whose task was completed (a stale visit) or whose instance ended is marked fired and does nothing.
    /// </summary>
    /// <returns>True when this call fired it.</returns>
    public async Task<bool> FireTimerAsync(string timerId, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        string? instanceId = null;
        try
        {
            await using var step = await store.BeginAsync(db, ct);
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
            var instance = await step.LoadInstanceAsync(timer.InstanceId, ct)
                ?? throw new InvalidOperationException($"Timer {timerId} belongs to no instance.");
            instance.ActiveTimers = Math.Max(0, instance.ActiveTimers - 1);
            var commands = new StepCommands(db, step, assignments, designs, clock, notifier);
            if (instance.Status == InstanceStatus.Running)
            {
                var design = designs.Get(instance.DesignName, instance.DesignVersion);
                var kind = timer.Kind switch
                {
                    TimerKinds.WaitTimeout => TimerKind.WaitTimeout,
                    TimerKinds.TaskReminder => TimerKind.TaskReminder,
                    _ => TimerKind.TaskDue,
                };
                if (WorkflowEngine.Handle(design, Deserialize(instance), new TimerFired(timer.Step, timer.Visit, kind), clock.LocalNow) is Accepted accepted)
                {
                    commands = await ApplyAsync(step, instance, accepted, design, runActivities: true, ct);
                }
            }

            await CommitAsync(step, commands, ct);
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
        db.ChangeTracker.Clear();
        try
        {
            await using var step = await store.BeginAsync(db, ct);
            var instance = await step.LoadInstanceAsync(instanceId, ct);
            if (instance is null || instance.WaitingFor != signal || instance.Status != InstanceStatus.Running)
            {
                return false;
            }

            var design = designs.Get(instance.DesignName, instance.DesignVersion);
            if (WorkflowEngine.Handle(design, Deserialize(instance), new SignalReceived(signal, data), clock.LocalNow) is not Accepted accepted)
            {
                return false;
            }

            var waitedOn = instance.CurrentStep;
            var commands = await ApplyAsync(step, instance, accepted, design, runActivities: true, ct);
            if (ChangedNothing(instance, waitedOn, signal, commands))
            {
                return false; // disposing the step rolls the wake back: no history, no version moved (docs/domain.md §What every workflow shares)
            }

            await CommitAsync(step, commands, ct);
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

    /// <summary>
    /// A wake that brought the instance back to the wait it left, having opened no task, raised no incident and changed no
    /// domain row (e.g. a promotion that found no vacant seat after all), changes nothing worth keeping.
    /// </summary>
    private bool ChangedNothing(WorkflowInstance instance, string? waitedOn, string signal, StepCommands commands) =>
        instance.Status == InstanceStatus.Running && instance.CurrentStep == waitedOn && instance.WaitingFor == signal
        && !commands.OpenedTaskOrIncident
        && !db.ChangeTracker.Entries().Any(e => e.State != EntityState.Unchanged
            && e.Entity is not (WorkflowInstance or WorkflowTask or TaskCandidate or WorkflowTimer or HistoryEntry or Incident));

    /// <summary>
    /// The engine loop of one step: carries out the engine's commands; with <paramref name="runActivities"/>, runs the
    /// activity the engine asks for and feeds its outcome back, until the instance rests.
    /// </summary>
    /// <param name="taskInHand">The task this step loaded (completed, transferred, …): see <see cref="StepCommands"/>.</param>
    private async Task<StepCommands> ApplyAsync(
        StoreStep step, WorkflowInstance instance, Accepted accepted, WorkflowDesign design, bool runActivities, CancellationToken ct, WorkflowTask? taskInHand = null,
        [System.Runtime.CompilerServices.CallerMemberName] string operation = "")
    {
        traced = (instance.Type, instance.Id, instance.CurrentStep, taskInHand?.Action ?? operation.Replace("Async", "", StringComparison.Ordinal));
        var commands = new StepCommands(db, step, assignments, designs, clock, notifier, taskInHand);
        while (true)
        {
            foreach (var command in accepted.Commands)
            {
                await commands.ExecuteAsync(instance, accepted.State, command, ct);
            }

            StepCommands.Store(instance, accepted.State);
            if (!runActivities || accepted.PendingActivity is not { } run)
            {
                return commands;
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

        return WorkflowEngine.Handle(design, state, new ActivityCompleted(run.Step, run.Visit, outcome.Outcome, outcome.Variables), clock.LocalNow);
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
        db.ChangeTracker.Clear();
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

    /// <summary>Commits the step, then schedules its timers and delivers the signals it raised (<see cref="AfterCommit"/>).</summary>
    private async Task CommitAsync(StoreStep step, StepCommands commands, CancellationToken ct)
    {
        var raised = dispatchAfterCommit && db.ChangeTracker.Entries<PendingSignal>().Any(e => e.State == EntityState.Added);
        await step.CommitAsync(ct);
        Telemetry.StepCommitted(step.StartedTimestamp, traced.Type, traced.InstanceId, traced.Step, traced.Action);
        await afterCommit.RunAsync(commands.NewTimers, commands.NewDeliveries, raised, ct);
    }
}
