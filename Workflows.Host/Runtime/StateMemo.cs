using System.Text.Json;
using Workflows.Definitions.Engine;

namespace Workflows.Host.Runtime;

/// <summary>
/// The last state each instance was read or written with, kept beside its JSON text: a step that loads exactly that
/// text again (the next step of the same instance, usually taken by this process) reuses the parsed state instead of
/// parsing it again. A hit needs the identical text, so whatever wrote the row, and whichever node, a kept state that no
/// longer matches is never used; states are immutable, so sharing one between threads is safe. Bounded: two
/// generations of at most 4,096 instances each (<see cref="GenerationalMap{TValue}"/>).
/// </summary>
internal static class StateMemo
{
    private static readonly GenerationalMap<(string Json, InstanceState State)> Kept = new(4096);

    public static InstanceState Parse(string instanceId, string json)
    {
        if (Kept.TryGet(instanceId, out var kept) && string.Equals(kept.Json, json, StringComparison.Ordinal))
        {
            return kept.State;
        }

        var state = JsonSerializer.Deserialize<InstanceState>(json, WorkflowRunner.StateJson)
            ?? throw new InvalidOperationException($"Instance {instanceId} has no state.");
        Remember(instanceId, json, state);
        return state;
    }

    public static void Remember(string instanceId, string json, InstanceState state) => Kept.Set(instanceId, (json, state));
}
