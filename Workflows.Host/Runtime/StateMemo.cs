using System.Collections.Concurrent;
using System.Text.Json;
using Workflows.Definitions.Engine;

namespace Workflows.Host.Runtime;

/// <summary>
/// The last state each instance was read or written with, kept beside its JSON text: a step that loads exactly that
/// text again (the next step of the same instance, usually taken by this process) reuses the parsed state instead of
/// parsing it again. A hit needs the identical text, so whatever wrote the row, and whichever node, a kept state that no
/// longer matches is never used; states are immutable, so sharing one between threads is safe. Bounded: two
/// generations of at most <see cref="Generation"/> instances each; when the young one is full it becomes the old one and
/// the previous old one is dropped, so the instances in use stay and the rest go.
/// </summary>
internal static class StateMemo
{
    private const int Generation = 4096;
    private static ConcurrentDictionary<string, (string Json, InstanceState State)> young = New();
    private static ConcurrentDictionary<string, (string Json, InstanceState State)> old = New();
    private static int added;
    private static readonly Lock Turning = new();

    public static InstanceState Parse(string instanceId, string json)
    {
        if ((young.TryGetValue(instanceId, out var kept) || old.TryGetValue(instanceId, out kept))
            && string.Equals(kept.Json, json, StringComparison.Ordinal))
        {
            return kept.State;
        }

        var state = JsonSerializer.Deserialize<InstanceState>(json, WorkflowRunner.StateJson)
            ?? throw new InvalidOperationException($"Instance {instanceId} has no state.");
        Remember(instanceId, json, state);
        return state;
    }

    public static void Remember(string instanceId, string json, InstanceState state)
    {
        var generation = young;
        if (generation.TryAdd(instanceId, (json, state)))
        {
            if (Interlocked.Increment(ref added) >= Generation)
            {
                Turn(generation);
            }

            return;
        }

        generation[instanceId] = (json, state);
    }

    private static void Turn(ConcurrentDictionary<string, (string Json, InstanceState State)> full)
    {
        lock (Turning)
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

    private static ConcurrentDictionary<string, (string Json, InstanceState State)> New() => new(StringComparer.Ordinal);
}
