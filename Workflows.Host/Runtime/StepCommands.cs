using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions.Engine;
using Workflows.Host.Data;
using Workflows.Host.Notifications;
using Workflows.Host.Platform;
using Workflows.Host.Runtime.Store;

namespace Workflows.Host.Runtime;

/// <summary>
/// Turns the engine's commands into the rows of one step: tasks with their candidates, timers, history entries,
/// incidents and the instance's own columns. New rows go to the step (<see cref="StoreStep"/>), which writes them at
/// commit; bulk changes of rows the step did not load (cancelling open tasks and timers) are conditional updates in the
/// step's transaction.
/// </summary>
/// <param name="taskInHand">The task the step loaded (a completion, a transfer, an added signer): changed in place and written
/// back with its version, never through a bulk update that would move its version under the step.</param>
internal sealed class StepCommands(WorkflowDbContext db, StoreStep step, AssignmentResolver assignments, PublishedDesigns designs, DepartmentClock clock, Notifier notifier,
    WorkflowTask? taskInHand = null)
{
    /// <summary>Timers this step scheduled (their Hangfire jobs are created after the commit).</summary>
    public List<WorkflowTimer> NewTimers { get; } = [];

    /// <summary>Notification deliveries this step wrote (their Hangfire jobs are enqueued after the commit).</summary>
    public List<NotificationDelivery> NewDeliveries { get; } = [];

    /// <summary>Whether the step opened a task or recorded an incident (a wake that did neither may have changed nothing).</summary>
    public bool OpenedTaskOrIncident { get; private set; }

    public async Task ExecuteAsync(WorkflowInstance instance, InstanceState state, EngineCommand command, CancellationToken ct)
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
                    Slot = create.Slot,
                    Title = create.Title,
                    ActingRole = resolved.ActingRole,
                    RequiredRole = resolved.RequiredRole(create.Assign),
                    SubjectId = instance.SubjectId,
                    ActionsJson = ActionsJson(create.Actions),
                    CreatedAt = now,
                    DueAt = create.DueAt?.ToUniversalTime(),
                };
                step.Add(task);
                OpenedTaskOrIncident = true;
                foreach (var candidate in resolved.CandidateIds.Distinct(StringComparer.Ordinal))
                {
                    step.Add(new TaskCandidate { TaskId = task.Id, EmployeeId = candidate });
                }

                // The applicant's amend task tells them the application came back; any other task is work for its candidates.
                if (create.Step == TaskSlots.AmendStep)
                {
                    await NotifyAsync(resolved.CandidateIds, NotificationKinds.InstanceReturned, instance, task,
                        new NotificationFacts(state.Returned?.ActorId, state.Returned?.Comment), ct);
                }
                else
                {
                    await NotifyAsync(resolved.CandidateIds, NotificationKinds.TaskAssigned, instance, task,
                        create.Slot == TaskSlots.Signer ? new NotificationFacts(create.ByActorId, Via: "addedSigner") : null, ct);
                }

                if (resolved.Escalations.Count > 0)
                {
                    AddHistory(instance, "task.escalated", create.Step, null, resolved.ActingRole, null, string.Join("; ", resolved.Escalations),
                        JsonSerializer.Serialize(new { taskId = task.Id, assignedRole = create.Assign.Role ?? create.Assign.Person, actingRole = resolved.ActingRole, candidates = resolved.CandidateIds }, WorkflowRunner.StateJson));
                }

                break;
            case CancelOpenTasks cancel:
                // The task being completed is usually the step's only one: then there is nothing else to close.
                if (taskInHand is { Status: TaskState.Completed } && !cancel.Several)
                {
                    break;
                }

                var status = cancel.Reason == "due" ? TaskState.Expired : TaskState.Cancelled;
                var except = taskInHand?.Id ?? "";
                await db.TaskCandidates.Where(c => !c.Closed && db.Tasks.Any(t => t.Id == c.TaskId && t.InstanceId == instance.Id
                        && (t.Status == TaskState.Open || t.Status == TaskState.Waiting) && t.Id != except))
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.Closed, true), ct);
                await db.Tasks.Where(t => t.InstanceId == instance.Id && (t.Status == TaskState.Open || t.Status == TaskState.Waiting) && t.Id != except)
                    .ExecuteUpdateAsync(s => s.SetProperty(t => t.Status, status).SetProperty(t => t.CompletedAt, now).SetProperty(t => t.Version, t => t.Version + 1), ct);
                break;
            case ReassignTask reassign:
                await ReassignAsync(instance, reassign.Step, reassign.Visit, reassign.Slot, reassign.PersonIds, reassign.ByActorId, ct);
                break;
            case HoldTask hold:
                await SetStatusAsync(instance, hold.Step, hold.Visit, TaskState.Open, TaskState.Waiting, ct);
                break;
            case ResumeTask resume:
                await SetStatusAsync(instance, resume.Step, resume.Visit, TaskState.Waiting, TaskState.Open, ct);
                break;
            case EscalateTask escalate:
                await EscalateAsync(instance, state, escalate, ct);
                break;
            case CopyTo copy:
                await CopyAsync(instance, state, copy, ct);
                break;
            case RemindTasks remind:
                await RemindAsync(instance, remind, ct);
                break;
            case ScheduleTimer schedule:
                var timer = new WorkflowTimer
                {
                    InstanceId = instance.Id,
                    Step = schedule.Step,
                    Visit = schedule.Visit,
                    Kind = schedule.Kind switch
                    {
                        TimerKind.WaitTimeout => TimerKinds.WaitTimeout,
                        TimerKind.TaskReminder => TimerKinds.TaskReminder,
                        _ => TimerKinds.TaskDue,
                    },
                    DueAt = schedule.DueAt.ToUniversalTime(),
                };
                step.Add(timer);
                NewTimers.Add(timer);
                instance.ActiveTimers++;
                break;
            case CancelTimers:
                if (instance.ActiveTimers > NewTimers.Count)
                {
                    await step.CancelTimersAsync(instance.Id, now, ct);
                }

                instance.ActiveTimers = 0;
                NewTimers.Clear();
                step.RemoveAdded(row => row is WorkflowTimer added && added.InstanceId == instance.Id);
                break;
            case AwaitSignal wait:
                instance.WaitingFor = wait.SignalName;
                break;
            case StopAwaitingSignal:
                instance.WaitingFor = null;
                break;
            case AppendHistory history:
                AddHistory(instance, history.Kind, history.Step, history.ActorId, history.ActingRole, history.Action, history.Comment,
                    history.Data is null ? null : JsonSerializer.Serialize(history.Data, WorkflowRunner.StateJson), history.OnBehalfOf);
                break;
            case Completed completed:
                instance.Status = completed.Status;
                instance.Outcome = completed.Outcome;
                instance.CompletedAt = now;
                instance.WaitingFor = null;
                if (completed.Status == InstanceStatus.Completed)
                {
                    await NotifyAsync([instance.StartedBy, instance.SubjectId], NotificationKinds.InstanceDecided, instance, null, null, ct);
                }

                break;
            case Faulted faulted:
                instance.Status = InstanceStatus.Faulted;
                step.Add(new Incident { InstanceId = instance.Id, Step = instance.CurrentStep, Operation = "engine", Error = faulted.Reason, OccurredAt = now });
                OpenedTaskOrIncident = true;
                instance.HasIncident = true;
                break;
            case RunActivity:
                break;
            default:
                throw new InvalidOperationException($"Unknown engine command {command.GetType().Name}.");
        }
    }

    /// <summary>Notifies through the step: the rows are written with the step's, the deliveries enqueued after its commit.</summary>
    private async Task NotifyAsync(IEnumerable<string> recipientIds, string kind, WorkflowInstance? instance, WorkflowTask? task, NotificationFacts? facts, CancellationToken ct)
    {
        var (_, deliveries) = await notifier.NotifyInStepAsync(db, step.Add, recipientIds, kind, instance, task, facts, ct);
        NewDeliveries.AddRange(deliveries);
    }

    public void AddHistory(
        WorkflowInstance instance, string kind, string? stepId, string? actorId, string? actingRole, string? action, string? comment, string? dataJson, string? onBehalfOf = null) =>
        step.Add(new HistoryEntry
        {
            InstanceId = instance.Id,
            Seq = ++instance.HistoryCount,
            At = clock.Now,
            Kind = kind,
            Step = stepId,
            ActorId = actorId,
            ActingRole = actingRole,
            OnBehalfOf = onBehalfOf,
            Action = action,
            Comment = comment,
            DataJson = dataJson,
        });

    /// <summary>The open task of a step and slot: the one in hand when it is that one, else read (id, version) from the database.</summary>
    private async Task<WorkflowTask?> OpenTaskAsync(WorkflowInstance instance, string stepId, int visit, string? slot, TaskState status, CancellationToken ct)
    {
        if (taskInHand is { } held && held.Step == stepId && held.Visit == visit && held.Slot == slot && held.Status == status)
        {
            return held;
        }

        return await db.Tasks.AsNoTracking()
            .Where(t => t.InstanceId == instance.Id && t.Step == stepId && t.Visit == visit && t.Slot == slot && t.Status == status)
            .FirstOrDefaultAsync(ct);
    }

    /// <summary>The task now goes to these people only, unclaimed; its due date stays.</summary>
    private async Task ReassignAsync(WorkflowInstance instance, string stepId, int visit, string? slot, IReadOnlyList<string> people, string? byActorId, CancellationToken ct)
    {
        var task = await OpenTaskAsync(instance, stepId, visit, slot, TaskState.Open, ct)
            ?? throw new InvalidOperationException($"Instance {instance.Id} has no open task at '{stepId}'.");
        await ResolvedAssignment.ReplaceCandidatesAsync(db, step.Add, task.Id, people, ct);

        await NotifyAsync(people, NotificationKinds.TaskAssigned, instance, task, new NotificationFacts(byActorId, Via: "transferred"), ct);

        if (ReferenceEquals(task, taskInHand))
        {
            task.AssigneeId = null;
        }
        else
        {
            await db.Tasks.Where(t => t.Id == task.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.AssigneeId, (string?)null).SetProperty(t => t.Version, t => t.Version + 1), ct);
        }
    }

    private async Task SetStatusAsync(WorkflowInstance instance, string stepId, int visit, TaskState from, TaskState to, CancellationToken ct)
    {
        if (taskInHand is { Slot: null } held && held.Step == stepId && held.Visit == visit && held.Status == from)
        {
            held.Status = to;
            return;
        }

        await db.Tasks.Where(t => t.InstanceId == instance.Id && t.Step == stepId && t.Visit == visit && t.Slot == null && t.Status == from)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.Status, to).SetProperty(t => t.Version, t => t.Version + 1), ct);
    }

    /// <summary>An overdue task goes up the line from the role it was for (GroupLeader → Supervisor → Manager → GeneralManager, then HR).</summary>
    private async Task EscalateAsync(WorkflowInstance instance, InstanceState state, EscalateTask escalate, CancellationToken ct)
    {
        var task = await OpenTaskAsync(instance, escalate.Step, escalate.Visit, null, TaskState.Open, ct);
        if (task is null)
        {
            return;
        }

        var excluded = WorkflowEngine.Excluded(designs.Get(instance.DesignName, instance.DesignVersion), state, escalate.Step);
        var resolved = await assignments.EscalateFromAsync(task.ActingRole, excluded, state, ct);
        var former = await db.TaskCandidates.Where(c => c.TaskId == task.Id).Select(c => c.EmployeeId).ToListAsync(ct);
        await NotifyAsync(former, NotificationKinds.TaskOverdue, instance, task, null, ct);
        await NotifyAsync(resolved.CandidateIds, NotificationKinds.TaskAssigned, instance, task, new NotificationFacts(Via: "escalated"), ct);
        await ResolvedAssignment.ReplaceCandidatesAsync(db, step.Add, task.Id, resolved.CandidateIds, ct);

        await db.Tasks.Where(t => t.Id == task.Id).ExecuteUpdateAsync(s => s
            .SetProperty(t => t.ActingRole, resolved.ActingRole).SetProperty(t => t.RequiredRole, resolved.ActingRole)
            .SetProperty(t => t.AssigneeId, (string?)null).SetProperty(t => t.Version, t => t.Version + 1), ct);
        AddHistory(instance, "task.escalated", escalate.Step, null, resolved.ActingRole, null, "overdue; " + string.Join("; ", resolved.Escalations),
            JsonSerializer.Serialize(new { taskId = task.Id, fromRole = task.ActingRole, actingRole = resolved.ActingRole, candidates = resolved.CandidateIds }, WorkflowRunner.StateJson));
    }

    /// <summary>Copies the instance to the people named and to whoever the design's rules resolve to, each once.</summary>
    private async Task CopyAsync(WorkflowInstance instance, InstanceState state, CopyTo copy, CancellationToken ct)
    {
        var people = new HashSet<string>(copy.PersonIds, StringComparer.Ordinal);
        foreach (var rule in copy.Rules)
        {
            if (rule.Person is { } variable)
            {
                if (state.GetString(variable) is { } person)
                {
                    people.Add(person);
                }
            }
            else if (rule.Role is { } role)
            {
                people.UnionWith(await assignments.CandidatesAsync(role, rule.Scope, state, ct));
            }
        }

        var already = await db.Copies.Where(c => c.InstanceId == instance.Id).Select(c => c.EmployeeId).ToListAsync(ct);
        var now = clock.Now;
        var added = people.Except(already, StringComparer.Ordinal).ToList();
        foreach (var person in added)
        {
            db.Copies.Add(new InstanceCopy { InstanceId = instance.Id, EmployeeId = person, CopiedBy = copy.ByActorId, At = now });
        }

        await NotifyAsync(added, NotificationKinds.InstanceCc, instance, null, new NotificationFacts(copy.ByActorId, copy.Comment), ct);
    }

    /// <summary>催办 and the day-before reminder: whoever holds the instance's open tasks now.</summary>
    private async Task RemindAsync(WorkflowInstance instance, RemindTasks remind, CancellationToken ct)
    {
        var open = await db.Tasks.AsNoTracking().Where(t => t.InstanceId == instance.Id && t.Status == TaskState.Open).ToListAsync(ct);
        foreach (var task in open)
        {
            var holders = task.AssigneeId is { } claimedBy
                ? [claimedBy]
                : await db.TaskCandidates.Where(c => c.TaskId == task.Id).Select(c => c.EmployeeId).ToListAsync(ct);
            await NotifyAsync(holders, remind.Kind == "dueSoon" ? NotificationKinds.TaskDueSoon : NotificationKinds.TaskReminded,
                instance, task, new NotificationFacts(remind.ByActorId), ct);
        }
    }

    /// <summary>The instance's columns and state JSON as the engine left them.</summary>
    public static void Store(WorkflowInstance instance, InstanceState state)
    {
        instance.Status = state.Status;
        instance.Outcome = state.Outcome;
        instance.CurrentStep = state.CurrentStep;
        instance.StepVisit = state.StepVisit;
        instance.StateJson = JsonSerializer.Serialize(state, WorkflowRunner.StateJson);
        StateMemo.Remember(instance.Id, instance.StateJson, state);
    }

    /// <summary>
    /// A task's actions as the API lists them. A design's step hands out the same ordered array to every task it creates,
    /// so the JSON is written once per step and array (kept as long as the design is).
    /// </summary>
    private static string ActionsJson(ImmutableArray<TaskAction> actions) =>
        ActionsJsonOf.GetValue(ImmutableCollectionsMarshal.AsArray(actions) ?? [], array =>
            JsonSerializer.Serialize(array.Select(a => new TaskActionInfo(a.Name, a.CommentRequired, [.. a.Requires])), WorkflowRunner.StateJson));

    private static readonly ConditionalWeakTable<TaskAction[], string> ActionsJsonOf = [];
}
