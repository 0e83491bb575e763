using System.Collections.Immutable;

namespace Workflows.Definitions.Engine;

/// <summary>
/// The loaded designs, every version of each. New instances take <see cref="Latest"/>; a running instance keeps
/// asking for the version it started on with <see cref="Get"/>, so publishing a new version never moves it.
/// </summary>
public sealed class DesignCatalog
{
    private readonly ImmutableDictionary<string, ImmutableSortedDictionary<int, WorkflowDesign>> _designs;

    /// <exception cref="DesignValidationException">Two files define the same name and version.</exception>
    public DesignCatalog(IEnumerable<WorkflowDesign> designs)
    {
        var byName = new Dictionary<string, SortedDictionary<int, WorkflowDesign>>(StringComparer.Ordinal);
        var problems = new List<DesignProblem>();
        foreach (var design in designs)
        {
            if (!byName.TryGetValue(design.Name, out var versions))
            {
                byName[design.Name] = versions = [];
            }

            if (!versions.TryAdd(design.Version, design))
            {
                problems.Add(new DesignProblem(design.FileName, null, $"version {design.Version} of '{design.Name}' is already defined in {versions[design.Version].FileName}"));
            }
        }

        if (problems.Count > 0)
        {
            throw new DesignValidationException(problems);
        }

        _designs = byName.ToImmutableDictionary(p => p.Key, p => p.Value.ToImmutableSortedDictionary(), StringComparer.Ordinal);
    }

    public IEnumerable<string> Names => _designs.Keys.Order(StringComparer.Ordinal);

    public IEnumerable<WorkflowDesign> All => Names.SelectMany(name => _designs[name].Values);

    /// <summary>The highest version of the design, or null if no design has that name.</summary>
    public WorkflowDesign? Latest(string name) => _designs.TryGetValue(name, out var versions) ? versions.Values.Last() : null;

    /// <summary>Exactly that version, or null.</summary>
    public WorkflowDesign? Get(string name, int version) =>
        _designs.TryGetValue(name, out var versions) && versions.TryGetValue(version, out var design) ? design : null;

    public IEnumerable<int> Versions(string name) => _designs.TryGetValue(name, out var versions) ? versions.Keys : [];
}
