using System.Collections.Concurrent;

namespace Workflows.Host.Runtime;

/// <summary>
/// The task a step just opened, with its instance and candidates, as this process committed them: the completion that
/// usually follows is decided on these rows instead of reading them back (the read was about an eighth of a completion
/// in the bench). An engine keeping recent workflow state in memory is common practice (Temporal's sticky cache); here
/// it may only ever save work, never change an answer:
/// <list type="bullet">
/// <item>An entry is taken, not read: one completion at most uses it, and a copy of rows nobody else holds.</item>
/// <item>Only a completion that goes on to write trusts it. Inside the write transaction, under SQLite's write lock,
/// the task's and the instance's versions are read and must still be the cached ones (every write to either row moves
/// its version on); otherwise, and whenever the cached rows lead to a refusal, the runner decides again on the rows as
/// the database has them (<see cref="WorkflowRunner.CompleteTaskAsync"/>).</item>
/// <item>Only on SQLite, where one process writes the file; on PostgreSQL several hosts may share the rows, and each
/// step reads them.</item>
/// </list>
/// Bounded like <see cref="StateMemo"/>: two generations of at most <see cref="Generation"/> tasks; a task left open
/// longer than that is read from the database when it is completed.
/// </summary>
public sealed class OpenTaskCache
{
    private const int Generation = 2048;
    private readonly Lock turning = new();
    private ConcurrentDictionary<string, Entry> young = New();
    private ConcurrentDictionary<string, Entry> old = New();
    private int added;

    /// <summary>The rows as committed: copies the cache alone holds until a completion takes them.</summary>
    public sealed record Entry(WorkflowTask Task, WorkflowInstance Instance, IReadOnlyList<string> Candidates);

    /// <summary>Keeps what a committed step opened; <paramref name="task"/> and <paramref name="instance"/> are copied.</summary>
    public void Remember(WorkflowTask task, WorkflowInstance instance, IReadOnlyList<string> candidates)
    {
        var entry = new Entry(RowShape.Copy(task), RowShape.Copy(instance), candidates);
        var generation = young;
        generation[task.Id] = entry;
        if (Interlocked.Increment(ref added) >= Generation)
        {
            Turn(generation);
        }
    }

    /// <summary>The entry for <paramref name="taskId"/>, removed: no other completion will see it.</summary>
    public Entry? Take(string taskId) =>
        young.TryRemove(taskId, out var entry) || old.TryRemove(taskId, out entry) ? entry : null;

    private void Turn(ConcurrentDictionary<string, Entry> full)
    {
        lock (turning)
        {
            if (!ReferenceEquals(young, full))
            {
                return;
            }

            old = full;
            young = New();
            Volatile.Write(ref added, 0);
        }
    }

    private static ConcurrentDictionary<string, Entry> New() => new(StringComparer.Ordinal);
}
