using Workflows.Host.Data;

namespace Workflows.Host.Runtime.Store;

/// <summary>
/// Where the runner's steps are kept: it begins a step on the request's context, and answers who holds a role or a
/// seat. One store per database provider, chosen once at composition (<see cref="Platform.DatabaseSetup"/>), like
/// Hangfire's storages behind <c>JobStorage</c>; nothing outside a store asks which database it is on.
/// <list type="bullet">
/// <item><see cref="EfCore.EfCoreStepStore"/>: plain EF Core (compiled queries, change tracking, one batched
/// <c>SaveChanges</c>). PostgreSQL's store, and it runs on SQLite too.</item>
/// <item><see cref="Sqlite.SqliteStepStore"/>: SQLite's, with statements prepared once on one long-lived writer
/// connection (docs/architecture.md, "The runtime"; ADR 0007).</item>
/// </list>
/// The runtime's tests run against both (<c>Database:StepStore=EfCore</c> selects the EF Core store on SQLite).
/// </summary>
public interface IStepStore
{
    /// <summary>
    /// Begins one step on <paramref name="db"/>: its write transaction, in which the runner's rows are written and
    /// the activities' domain rows are saved. Disposing the step without <see cref="StoreStep.CommitAsync"/> rolls all
    /// of it back.
    /// </summary>
    Task<StoreStep> BeginAsync(WorkflowDbContext db, CancellationToken ct);

    /// <summary>
    /// The people named (unknown ids are left out) with what a notification to them needs; asked in every step that
    /// opens a task, on <paramref name="db"/>'s connection.
    /// </summary>
    Task<List<Contact>> ContactsAsync(WorkflowDbContext db, IReadOnlyList<string> ids, CancellationToken ct);

    /// <summary>Who answers <paramref name="lookup"/> for <paramref name="argument"/> (ids of employees), on <paramref name="db"/>'s connection.</summary>
    Task<List<string>> HoldersAsync(WorkflowDbContext db, Holders lookup, string argument, CancellationToken ct);

    /// <summary>
    /// Keeps the query planner's statistics current (hourly, <see cref="Platform.Housekeeping"/>). The inbox's index of
    /// open candidate rows starts with the same column as the key of all of them; only statistics tell the planner that
    /// the first holds a handful of a person's rows and the second thousands. PostgreSQL's autovacuum keeps them itself.
    /// </summary>
    Task KeepStatisticsAsync(CancellationToken ct);
}

/// <summary>A person as a notification addresses them: name, e-mail address, language and their notification settings.</summary>
public sealed record Contact(string Id, string Name, string? Email, string? Language, bool EmailOff, bool DigestOff);

/// <summary>The org lookups task assignment asks in every step that opens a task.</summary>
public enum Holders
{
    /// <summary>Holders of a company role (<c>HR</c>, <c>GeneralManager</c>, …); the argument is the role's name.</summary>
    Role,

    /// <summary>Holders of any seat of a rank; the argument is the rank's name.</summary>
    Seat,

    /// <summary>The holder of a group's leader seat; the argument is the group's id.</summary>
    LeaderOfGroup,

    /// <summary>The holder of the leader seat of an employee's group; the argument is the employee's id.</summary>
    LeaderOfGroupOf,
}

/// <summary>A task to complete, its instance, and whether the actor is one of its candidates.</summary>
public sealed record TaskForCompletion(WorkflowTask Task, WorkflowInstance Instance, bool IsCandidate);

/// <summary>
/// One step in a store: the runner's own rows (the instance and task it loaded and the rows it adds) and the
/// transaction they are written in. Rows loaded here are written back when changed, guarded by the version they were
/// read with: a row another step changed meanwhile makes <see cref="CommitAsync"/> throw
/// <see cref="Microsoft.EntityFrameworkCore.DbUpdateConcurrencyException"/> and nothing is written.
/// </summary>
public abstract class StoreStep : IAsyncDisposable
{
    /// <summary>When the step began (<see cref="System.Diagnostics.Stopwatch"/> ticks), for its duration metric.</summary>
    public long StartedTimestamp { get; } = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>The task with its instance (both to be written back when changed); null when there is no such task.</summary>
    public abstract Task<TaskForCompletion?> LoadTaskAsync(string taskId, string actorId, CancellationToken ct);

    /// <summary>The instance, to be written back when changed; null when there is none.</summary>
    public abstract Task<WorkflowInstance?> LoadInstanceAsync(string instanceId, CancellationToken ct);

    /// <summary>A new runtime row (instance, task, candidate, timer, history entry, incident, notification, delivery), inserted at commit.</summary>
    public abstract void Add(object row);

    /// <summary>Cancels the instance's timers already written that have neither fired nor been cancelled (new rows: <see cref="RemoveAdded"/>).</summary>
    public abstract Task CancelTimersAsync(string instanceId, DateTimeOffset now, CancellationToken ct);

    /// <summary>The task has ended in this step: its candidate rows are closed (<see cref="TaskCandidate.Closed"/>), in the step's transaction.</summary>
    public abstract Task CloseCandidatesAsync(string taskId, CancellationToken ct);

    /// <summary>Forgets new rows not yet written (timers the same step cancels).</summary>
    public abstract void RemoveAdded(Predicate<object> match);

    /// <summary>Writes the runner's rows, then whatever else the context tracks (the activities' rows), and commits.</summary>
    public abstract Task CommitAsync(CancellationToken ct);

    public abstract ValueTask DisposeAsync();
}
