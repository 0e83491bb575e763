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
internal sealed class StepCommands(WorkflowDbContext db, StoreStep step, AssignmentResolver assignments, DepartmentClock clock, Notifier notifier)
{
    /// <summary>Timers this step scheduled (their Hangfire jobs are created after the commit).</summary>
    public List<WorkflowTimer> NewTimers { get; } = [];

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
                    Title = create.Title,
                    ActingRole = resolved.ActingRole,
                    RequiredRole = create.Assign.Role is not null || resolved.Escalations.Count > 0 ? resolved.ActingRole : null,
                    SubjectId = instance.SubjectId,
                    ActionsJson = ActionsJson(create.Actions),
                    CreatedAt = now,
                    DueAt = create.DueAt?.ToUniversalTime(),
                };
                step.Add(task);
                foreach (var candidate in resolved.CandidateIds.Distinct(StringComparer.Ordinal))
                {
                    step.Add(new TaskCandidate { TaskId = task.Id, EmployeeId = candidate });
                }

                await notifier.NotifyAsync(db, resolved.CandidateIds, NotificationKinds.TaskAssigned, instance, task, null, ct);

                if (resolved.Escalations.Count > 0)
                {
                    AddHistory(instance, "task.escalated", create.Step, null, resolved.ActingRole, null, string.Join("; ", resolved.Escalations),
                        JsonSerializer.Serialize(new { taskId = task.Id, assignedRole = create.Assign.Role ?? create.Assign.Person, actingRole = resolved.ActingRole, candidates = resolved.CandidateIds }, WorkflowRunner.StateJson));
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
                step.Add(timer);
                NewTimers.Add(timer);
                instance.ActiveTimers++;
                break;
            case CancelTimers:
                if (instance.ActiveTimers > NewTimers.Count)
                {
                    await db.Timers.Where(t => t.InstanceId == instance.Id && t.FiredAt == null && t.CancelledAt == null)
                        .ExecuteUpdateAsync(s => s.SetProperty(t => t.CancelledAt, now), ct);
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
                    history.Data is null ? null : JsonSerializer.Serialize(history.Data, WorkflowRunner.StateJson));
                break;
            case Completed completed:
                instance.Status = completed.Status;
                instance.Outcome = completed.Outcome;
                instance.CompletedAt = now;
                instance.WaitingFor = null;
                if (completed.Status == InstanceStatus.Completed)
                {
                    await notifier.NotifyAsync(db, [instance.StartedBy, instance.SubjectId], NotificationKinds.InstanceDecided, instance, null, null, ct);
                }

                break;
            case Faulted faulted:
                instance.Status = InstanceStatus.Faulted;
                step.Add(new Incident { InstanceId = instance.Id, Step = instance.CurrentStep, Operation = "engine", Error = faulted.Reason, OccurredAt = now });
                instance.HasIncident = true;
                break;
            case RunActivity:
                break;
            default:
                throw new InvalidOperationException($"Unknown engine command {command.GetType().Name}.");
        }
    }

    public void AddHistory(WorkflowInstance instance, string kind, string? stepId, string? actorId, string? actingRole, string? action, string? comment, string? dataJson) =>
        step.Add(new HistoryEntry
        {
            InstanceId = instance.Id,
            Seq = ++instance.HistoryCount,
            At = clock.Now,
            Kind = kind,
            Step = stepId,
            ActorId = actorId,
            ActingRole = actingRole,
            Action = action,
            Comment = comment,
            DataJson = dataJson,
        });

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
