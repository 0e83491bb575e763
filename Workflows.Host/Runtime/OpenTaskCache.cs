namespace Workflows.Host.Runtime;

/// <summary>
/// The task a step just opened, with its instance and candidates, as this process committed them: the completion that
/// usually follows is decided on these rows instead of reading them back (the read was about an eighth of a completion
/// in the bench). An engine keeping recent workflow state in memory is common practice (Temporal's sticky cache); here
/// it may only ever save work, never change an answer:
/// <list type="bullet">
/// <item>An entry is taken, not read: one completion at most uses it, and a copy of rows nobody else holds.</item>
/// <item>Only a completion that goes on to write trusts it, and its versioned updates prove both rows (every write to
/// either moves its version on; a changed row rolls the whole step back). A step that runs an activity first reads
/// both versions under SQLite's write lock, so no activity runs on stale rows. Otherwise, and whenever the cached rows
/// lead to a refusal, the runner decides again on the rows as the database has them
/// (<see cref="WorkflowRunner.CompleteTaskAsync"/>).</item>
/// <item>Only on SQLite, where one process writes the file; on PostgreSQL several hosts may share the rows, and each
/// step reads them.</item>
/// </list>
/// Bounded like <see cref="StateMemo"/> (<see cref="GenerationalMap{TValue}"/>): two generations of at most 2,048 tasks; a
/// task left open longer than that is read from the database when it is completed.
/// </summary>
public sealed class OpenTaskCache
{
    private readonly GenerationalMap<Entry> entries = new(2048);

    /// <summary>The rows as committed: copies the cache alone holds until a completion takes them.</summary>
    public sealed record Entry(WorkflowTask Task, WorkflowInstance Instance, IReadOnlyList<string> Candidates);

    /// <summary>Keeps what a committed step opened; <paramref name="task"/> and <paramref name="instance"/> are copied.</summary>
    public void Remember(WorkflowTask task, WorkflowInstance instance, IReadOnlyList<string> candidates) =>
        entries.Set(task.Id, new Entry(RowShape.Copy(task), RowShape.Copy(instance), candidates));

    /// <summary>The entry for <paramref name="taskId"/>, removed: no other completion will see it.</summary>
    public Entry? Take(string taskId) => entries.TryTake(taskId, out var entry) ? entry : null;
}
