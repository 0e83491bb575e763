using System.Collections.Immutable;

namespace Workflows.Definitions.Engine;

/// <summary>
/// The activities designs may name, each with the outcomes it can produce. Immutable: <see cref="Add"/>
/// returns a new catalog, so <see cref="Empty"/> and catalogs shared across threads stay as they are.
/// </summary>
public sealed class ActivityCatalog
{
    private readonly ImmutableDictionary<string, ImmutableArray<string>> _activities;

    public ActivityCatalog()
        : this(ImmutableDictionary.Create<string, ImmutableArray<string>>(StringComparer.Ordinal))
    {
    }

    private ActivityCatalog(ImmutableDictionary<string, ImmutableArray<string>> activities) => _activities = activities;

    public static ActivityCatalog Empty { get; } = new();

    public IEnumerable<string> Names => _activities.Keys.Order(StringComparer.Ordinal);

    public ActivityCatalog Add(string activity, params IEnumerable<string> outcomes)
    {
        var list = outcomes.Distinct(StringComparer.Ordinal).ToImmutableArray();
        if (list.IsEmpty)
        {
            throw new ArgumentException($"Activity '{activity}' needs at least one outcome.", nameof(outcomes));
        }

        return new ActivityCatalog(_activities.SetItem(activity, list));
    }

    public bool Contains(string activity) => _activities.ContainsKey(activity);

    public bool TryGetOutcomes(string activity, out ImmutableArray<string> outcomes) => _activities.TryGetValue(activity, out outcomes);
}
