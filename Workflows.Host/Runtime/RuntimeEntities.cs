using Workflows.Definitions.Engine;
using Workflows.Host.Data;

namespace Workflows.Host.Runtime;

/// <summary>A published design version. Instances are pinned to (Name, Version); rows are never changed.</summary>
public sealed class DesignVersion
{
    public string Name { get; init; } = "";

    public int Version { get; init; }

    public string Type { get; init; } = "";

    public string Json { get; init; } = "";

    /// <summary>SHA-256 of the JSON: a published version whose file changed is refused at start.</summary>
    public string Hash { get; init; } = "";

    public DateTimeOffset PublishedAt { get; init; }
}

/// <summary>
/// One run of a design. What people query is in columns; the engine's variables are JSON.
/// <see cref="Version"/> is the concurrency token: a lost race is a 409, never an overwrite.
/// </summary>
public sealed class WorkflowInstance : IVersioned
{
    /// <summary>Made when first read (<see cref="RowIds"/>).</summary>
    public string Id { get => lazyId ??= RowIds.New(); init => lazyId = value; }

    private string? lazyId;

    public string Type { get; set; } = "";

    /// <summary>
    /// The application's reference number (审批编号), 1, 2, 3… in the order applications were filed, given at start in
    /// the start's transaction (<see cref="Data.WorkflowDbContext.NextInstanceNumberAsync"/>); people see it as
    /// <see cref="ReferenceNumbers.Format"/>, e.g. SQ-000042 (ADR 0014).
    /// </summary>
    public long Number { get; set; }

    public string DesignName { get; set; } = "";

    public int DesignVersion { get; set; }

    public InstanceStatus Status { get; set; } = InstanceStatus.Running;

    public string? Outcome { get; set; }

    public string SubjectId { get; set; } = "";

    public string StartedBy { get; set; } = "";

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    public string? CurrentStep { get; set; }

    public int StepVisit { get; set; }

    /// <summary>The signal the instance waits for, if its current step is a wait; indexed for delivery.</summary>
    public string? WaitingFor { get; set; }

    /// <summary>The engine's full state (variables and the rest), as JSON.</summary>
    public string StateJson { get; set; } = "{}";

    public int HistoryCount { get; set; }

    /// <summary>Unfired, uncancelled timers; lets a step skip the cancel statement when there are none.</summary>
    public int ActiveTimers { get; set; }

    /// <summary>An unresolved incident: the last step failed and was rolled back; retry to go on.</summary>
    public bool HasIncident { get; set; }

    public long Version { get; set; }

    /// <summary>
    /// What at most one running instance of the type may hold: the candidate of a promotion, the requester's shift of a
    /// swap, the violation of a dispute (set at start, never changed). A unique index over (Type, RunningKey) for running
    /// rows makes the database refuse a second one, however close together the two filings come (ADR 0011).
    /// </summary>
    public string? RunningKey { get; init; }
}

public enum TaskState
{
    Open,
    Completed,
    Cancelled,
    Expired,

    /// <summary>The step's own task while a colleague added before its approver decides (加签): open to nobody.</summary>
    Waiting,
}

public sealed class WorkflowTask : IVersioned
{
    /// <summary>Made when first read (<see cref="RowIds"/>).</summary>
    public string Id { get => lazyId ??= RowIds.New(); init => lazyId = value; }

    private string? lazyId;

    public string InstanceId { get; init; } = "";

    public string Type { get; init; } = "";

    public string Step { get; init; } = "";

    public int Visit { get; init; }

    /// <summary>Null for the step's own task; <c>signer</c> for a colleague added to the step (加签).</summary>
    public string? Slot { get; init; }

    public string Title { get; init; } = "";

    /// <summary>The role the actor acts in on this task (recorded in history); moves up the line when the task is escalated.</summary>
    public string ActingRole { get; set; } = "";

    /// <summary>For a task assigned by role: the rank or company role the actor must still hold when acting.</summary>
    public string? RequiredRole { get; set; }

    public TaskState Status { get; set; } = TaskState.Open;

    /// <summary>Who claimed it; null while any candidate may take it.</summary>
    public string? AssigneeId { get; set; }

    public string SubjectId { get; init; } = "";

    /// <summary>The allowed actions with their rules (comment required, required data), as JSON.</summary>
    public string ActionsJson { get; init; } = "[]";

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? DueAt { get; init; }

    public DateTimeOffset? CompletedAt { get; set; }

    public string? CompletedBy { get; set; }

    public string? Action { get; set; }

    public long Version { get; set; }
}

/// <summary>Who may act on a task, resolved from the org when the task is created. The inbox is one indexed join on this.</summary>
public sealed class TaskCandidate
{
    public string TaskId { get; init; } = "";

    public string EmployeeId { get; init; } = "";

    /// <summary>
    /// Set in the step that ends the task (completed, cancelled, expired). The row stays, because who was asked may
    /// still read the application; the inbox reads only rows not closed, through an index that holds only those, so
    /// it does not wade through everything a person was ever asked (docs/architecture.md, "The inbox").
    /// </summary>
    public bool Closed { get; set; }
}

public static class TimerKinds
{
    public const string TaskDue = "TaskDue";
    public const string WaitTimeout = "WaitTimeout";
    public const string TaskReminder = "TaskReminder";
}

/// <summary>
/// A timer is a row: the database, not Hangfire, is the source of truth. Hangfire schedules a job
/// per timer and a recurring sweeper fires any that are due and unfired; firing sets
/// <see cref="FiredAt"/> with a conditional update, so a timer fires at most once.
/// </summary>
public sealed class WorkflowTimer
{
    /// <summary>Made when first read (<see cref="RowIds"/>).</summary>
    public string Id { get => lazyId ??= RowIds.New(); init => lazyId = value; }

    private string? lazyId;

    public string InstanceId { get; init; } = "";

    public string Step { get; init; } = "";

    public int Visit { get; init; }

    public string Kind { get; init; } = "";

    public DateTimeOffset DueAt { get; init; }

    public DateTimeOffset? FiredAt { get; set; }

    public DateTimeOffset? CancelledAt { get; set; }
}

/// <summary>Append-only history: one row per thing that happened, never updated or deleted.</summary>
public sealed class HistoryEntry
{
    public string InstanceId { get; init; } = "";

    public int Seq { get; init; }

    public DateTimeOffset At { get; init; }

    public string Kind { get; init; } = "";

    public string? Step { get; init; }

    public string? ActorId { get; init; }

    public string? ActingRole { get; init; }

    /// <summary>The person the actor acted for as their delegate (代理); null when acting for themselves.</summary>
    public string? OnBehalfOf { get; init; }

    public string? Action { get; init; }

    public string? Comment { get; init; }

    public string? DataJson { get; init; }
}

/// <summary>A step that failed and was rolled back. Visible on the instance; retry resolves it.</summary>
public sealed class Incident
{
    /// <summary>Made when first read (<see cref="RowIds"/>).</summary>
    public string Id { get => lazyId ??= RowIds.New(); init => lazyId = value; }

    private string? lazyId;

    public string InstanceId { get; init; } = "";

    public string? Step { get; init; }

    public string Operation { get; init; } = "";

    public string Error { get; init; } = "";

    public DateTimeOffset OccurredAt { get; init; }

    public DateTimeOffset? ResolvedAt { get; set; }
}

/// <summary>
/// A signal raised by domain code in its own transaction (an outbox row), delivered afterwards to
/// every instance waiting on it, each in its own transaction. A crash between the two leaves the
/// row undelivered and the sweeper delivers it.
/// </summary>
public sealed class PendingSignal
{
    /// <summary>Made when first read (<see cref="RowIds"/>).</summary>
    public string Id { get => lazyId ??= RowIds.New(); init => lazyId = value; }

    private string? lazyId;

    public string Name { get; init; } = "";

    /// <summary>When set, only instances about this employee receive it (e.g. <c>eligibility.changed</c> for one candidate).</summary>
    public string? SubjectId { get; init; }

    public string? DataJson { get; init; }

    public DateTimeOffset RaisedAt { get; init; }

    public DateTimeOffset? DeliveredAt { get; set; }
}

/// <summary>
/// Ids of the runtime's rows: UUIDv7 text, time-ordered, so a new row goes to the end of its key's b-tree. A row makes its
/// id when the id is first read, not in its constructor: EF Core and the runner build every row they load with the
/// constructor and then set the stored id, and a new UUID costs a system call for its random bits (about 1 µs on this
/// machine; a task completion loads two rows). The field has no name EF Core would take for the property's backing
/// field, so EF Core reads and writes <c>Id</c> through the property and a new row it inserts gets its id.
/// </summary>
internal static class RowIds
{
    public static string New() => Guid.CreateVersion7().ToString();
}

/// <summary>抄送: an employee copied on an instance may read it and its history, nothing more.</summary>
public sealed class InstanceCopy
{
    public string InstanceId { get; init; } = "";

    public string EmployeeId { get; init; } = "";

    /// <summary>Who copied them; null when the design copies them at the end.</summary>
    public string? CopiedBy { get; init; }

    public DateTimeOffset At { get; init; }
}

/// <summary>代理: while the date range covers today, the delegate may act on the employee's open tasks on their behalf.</summary>
public sealed class Delegation
{
    public string EmployeeId { get; init; } = "";

    public string DelegateId { get; set; } = "";

    public DateOnly From { get; set; }

    public DateOnly To { get; set; }

    public string SetBy { get; set; } = "";

    public DateTimeOffset SetAt { get; set; }
}
