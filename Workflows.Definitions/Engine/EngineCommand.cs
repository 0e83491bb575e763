using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Workflows.Definitions.Engine;

/// <summary>
/// An effect the host must carry out, in order, in the same transaction as the new state. Closed: the host
/// switches over exactly these.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "command")]
[JsonDerivedType(typeof(CreateTask), "createTask")]
[JsonDerivedType(typeof(CancelOpenTasks), "cancelOpenTasks")]
[JsonDerivedType(typeof(ScheduleTimer), "scheduleTimer")]
[JsonDerivedType(typeof(CancelTimers), "cancelTimers")]
[JsonDerivedType(typeof(AwaitSignal), "awaitSignal")]
[JsonDerivedType(typeof(StopAwaitingSignal), "stopAwaitingSignal")]
[JsonDerivedType(typeof(AppendHistory), "appendHistory")]
[JsonDerivedType(typeof(RunActivity), "runActivity")]
[JsonDerivedType(typeof(Completed), "completed")]
[JsonDerivedType(typeof(Faulted), "faulted")]
[JsonDerivedType(typeof(ReassignTask), "reassignTask")]
[JsonDerivedType(typeof(HoldTask), "holdTask")]
[JsonDerivedType(typeof(ResumeTask), "resumeTask")]
[JsonDerivedType(typeof(EscalateTask), "escalateTask")]
[JsonDerivedType(typeof(CopyTo), "copyTo")]
[JsonDerivedType(typeof(RemindTasks), "remindTasks")]
public abstract record EngineCommand
{
    private protected EngineCommand()
    {
    }
}

/// <summary>Create a human task. The host resolves candidates from the org and leaves out the excluded persons.</summary>
/// <param name="RoleLabel">The role the actor acts in (history, inbox).</param>
/// <param name="Assign">The design's rule: a role (in a scope) or a person variable.</param>
/// <param name="AssigneeId">For a person rule: the employee id the variable held. Null for role rules.</param>
/// <param name="ExcludedPersonIds">The subject (unless assigned to the subject) plus the ids held by the step's <c>exclude</c> variables.</param>
public sealed record CreateTask(
    string Step,
    int Visit,
    string Title,
    string RoleLabel,
    AssignmentRule Assign,
    string? AssigneeId,
    ImmutableArray<TaskAction> Actions,
    ImmutableArray<string> ExcludedPersonIds,
    DateTimeOffset? DueAt) : EngineCommand
{
    /// <summary>Null for the step's own task; <see cref="TaskSlots.Signer"/> for an added signer's.</summary>
    public string? Slot { get; init; }

    /// <summary>Who caused this task (the approver who added a signer), for telling its candidates; null for the design's own.</summary>
    public string? ByActorId { get; init; }
}

/// <summary>Cancel the instance's open tasks (there is one token, so they all belong to the step being left).</summary>
public sealed record CancelOpenTasks(string Reason) : EngineCommand
{
    /// <summary>
    /// The step had more than the one task being completed (an added signer's, or its own task held meanwhile): the host
    /// must close those too. Without it, the task being completed is the step's only one.
    /// </summary>
    public bool Several { get; init; }
}

/// <summary>The open task of this step and slot now goes to these people only (a transfer); its due date stays.</summary>
public sealed record ReassignTask(string Step, int Visit, string? Slot, ImmutableArray<string> PersonIds) : EngineCommand
{
    /// <summary>Who handed it on.</summary>
    public string? ByActorId { get; init; }
}

/// <summary>The step's own task waits (not open to anyone) while an added signer decides first.</summary>
public sealed record HoldTask(string Step, int Visit) : EngineCommand;

/// <summary>The step's held task is open again.</summary>
public sealed record ResumeTask(string Step, int Visit) : EngineCommand;

/// <summary>The step's task passed its due date: the host hands it up the line from the role it was for.</summary>
public sealed record EscalateTask(string Step, int Visit) : EngineCommand;

/// <summary>Copy the instance to people (ids) and to whoever the rules resolve to: they may read it from now on.</summary>
public sealed record CopyTo(ImmutableArray<AssignmentRule> Rules, ImmutableArray<string> PersonIds, string? ByActorId, string? Comment) : EngineCommand;

/// <summary>Tell the people who hold the instance's open tasks: <c>reminded</c> (催办) or <c>dueSoon</c>.</summary>
public sealed record RemindTasks(string Kind, string? ByActorId) : EngineCommand;

public sealed record ScheduleTimer(string Step, int Visit, TimerKind Kind, DateTimeOffset DueAt) : EngineCommand;

/// <summary>Cancel the instance's unfired timers (again: they all belong to the step being left).</summary>
public sealed record CancelTimers : EngineCommand;

/// <summary>Subscribe the instance to a signal until told to stop.</summary>
public sealed record AwaitSignal(string Step, int Visit, string SignalName) : EngineCommand;

/// <summary>The instance left its wait step (signal, timeout, withdrawal): no longer deliver this signal to it.</summary>
public sealed record StopAwaitingSignal(string SignalName) : EngineCommand;

/// <summary>Append one history row; the host adds instance id, sequence number and time.</summary>
public sealed record AppendHistory(
    string Kind,
    string? Step,
    string? ActorId,
    string? ActingRole,
    string? Action,
    string? Comment,
    ImmutableDictionary<string, JsonElement>? Data) : EngineCommand
{
    /// <summary>The person the actor acted for as their delegate (代理).</summary>
    public string? OnBehalfOf { get; init; }
}

/// <summary>
/// Run an activity in the current transaction, then call <see cref="WorkflowEngine.Handle"/> with
/// <see cref="ActivityCompleted"/> for the same step and visit. If it throws, roll back and record an incident.
/// </summary>
public sealed record RunActivity(string Step, int Visit, string ActivityName) : EngineCommand;

/// <summary>The instance ended.</summary>
public sealed record Completed(InstanceStatus Status, string Outcome) : EngineCommand;

/// <summary>The instance cannot go on (a design fault such as an endless loop of auto steps); the host records an incident.</summary>
public sealed record Faulted(string Reason) : EngineCommand;

/// <summary>History kinds, as stored in the history table.</summary>
public static class HistoryKinds
{
    public const string InstanceStarted = "instance.started";
    public const string StepEntered = "step.entered";
    public const string TaskCreated = "task.created";
    public const string TaskCompleted = "task.completed";
    public const string TaskDue = "task.due";
    public const string ActivityCompleted = "activity.completed";
    public const string SignalReceived = "signal.received";
    public const string TimerFired = "timer.fired";
    public const string InstanceCompleted = "instance.completed";
    public const string InstanceWithdrawn = "instance.withdrawn";
    public const string TaskTransferred = "task.transferred";
    public const string SignerAdded = "task.signerAdded";
    public const string TaskReturned = "task.returned";
    public const string InstanceResubmitted = "instance.resubmitted";
    public const string InstanceReminded = "instance.reminded";
    public const string InstanceCopied = "instance.copied";
    public const string TaskDueSoon = "task.dueSoon";
    public const string TaskOverdue = "task.overdue";
    public const string InstanceFaulted = "instance.faulted";
}
