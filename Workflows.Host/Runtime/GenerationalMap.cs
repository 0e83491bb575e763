using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Workflows.Host.Runtime;

/// <summary>
/// A bounded, thread-safe map for what the runner keeps between steps (<see cref="StateMemo"/>,
/// <see cref="OpenTaskCache"/>): two generations of at most <c>generation</c> keys each. When the young one is full it
/// becomes the old one and the previous old one is dropped, so the keys in use stay and the rest go, without a clock or
/// a sweep on the step's path.
/// </summary>
internal sealed class GenerationalMap<TValue>(int generation)
{
    private readonly Lock turning = new();
    private ConcurrentDictionary<string, TValue> young = New();
    private ConcurrentDictionary<string, TValue> old = New();
    private int added;

    public bool TryGet(string key, [MaybeNullWhen(false)] out TValue value) =>
        young.TryGetValue(key, out value) || old.TryGetValue(key, out value);

    /// <summary>Removes and answers the value: no other caller will see it.</summary>
    public bool TryTake(string key, [MaybeNullWhen(false)] out TValue value) =>
        young.TryRemove(key, out value) || old.TryRemove(key, out value);

    public void Set(string key, TValue value)
    {
        var current = young;
        if (!current.TryAdd(key, value))
        {
            current[key] = value;
            return;
        }

        if (Interlocked.Increment(ref added) >= generation)
        {
            Turn(current);
        }
    }

    private void Turn(ConcurrentDictionary<string, TValue> full)
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

    private static ConcurrentDictionary<string, TValue> New() => new(StringComparer.Ordinal);
}
