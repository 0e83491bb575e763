using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions.Engine;
using Workflows.Host.Data;

namespace Workflows.Host.Runtime;

/// <summary>A folder of design files (<c>*.json</c>, the schema excluded). The host's own is <c>designs/</c>; tests add theirs.</summary>
public sealed record DesignSource(string Folder);

/// <summary>
/// The designs the runner knows: every version ever published (from the database, so an instance
/// runs to its end on its version even after the file moved on) plus the files on disk, validated
/// at start. A published version whose file changed is refused: publish a new version instead.
/// </summary>
public sealed class PublishedDesigns(IEnumerable<DesignSource> sources, ActivityResolver activities, ILogger<PublishedDesigns> logger)
{
    private DesignCatalog catalog = new([]);

    public DesignCatalog Catalog => catalog;

    public WorkflowDesign Get(string name, int version) =>
        catalog.Get(name, version) ?? throw new InvalidOperationException($"Design {name} v{version} is not published.");

    public WorkflowDesign? Latest(string name) => catalog.Latest(name);

    /// <summary>Validates the design files and publishes new versions. Throws <see cref="DesignValidationException"/> on any problem.</summary>
    public async Task PublishAsync(WorkflowDbContext db, DateTimeOffset now, CancellationToken ct)
    {
        var known = activities.Catalog;
        var files = new List<(WorkflowDesign Design, string Json, string Hash)>();
        var problems = new List<DesignProblem>();
        foreach (var source in sources)
        {
            if (!Directory.Exists(source.Folder))
            {
                logger.LogWarning("Design folder {Folder} does not exist.", source.Folder);
                continue;
            }

            foreach (var path in Directory.EnumerateFiles(source.Folder, "*.json").Where(p => !p.EndsWith(".schema.json", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                var json = await File.ReadAllTextAsync(path, ct);
                try
                {
                    files.Add((DesignLoader.Load(json, Path.GetFileName(path), known), json, Hash(json)));
                }
                catch (DesignValidationException ex)
                {
                    problems.AddRange(ex.Problems);
                }
            }
        }

        if (problems.Count > 0)
        {
            throw new DesignValidationException(problems);
        }

        var published = await db.DesignVersions.AsNoTracking().ToListAsync(ct);
        var byKey = published.ToDictionary(p => (p.Name, p.Version));
        foreach (var (design, json, hash) in files)
        {
            if (byKey.TryGetValue((design.Name, design.Version), out var existing))
            {
                if (existing.Hash != hash)
                {
                    problems.Add(new DesignProblem(design.FileName, null,
                        $"{design.Name} v{design.Version} was published with different content; running instances depend on it. Give the changed design a new version."));
                }

                continue;
            }

            var row = new DesignVersion { Name = design.Name, Version = design.Version, Type = design.Type, Json = json, Hash = hash, PublishedAt = now };
            db.DesignVersions.Add(row);
            byKey[(design.Name, design.Version)] = row;
            logger.LogInformation("Published design {Name} v{Version} from {File}.", design.Name, design.Version, design.FileName);
        }

        if (problems.Count > 0)
        {
            throw new DesignValidationException(problems);
        }

        await db.SaveChangesAsync(ct);

        // Versions no longer on disk still run their instances: load them from what was published.
        var fromFiles = files.ToDictionary(f => (f.Design.Name, f.Design.Version), f => f.Design);
        var all = byKey.Values.Select(row => fromFiles.TryGetValue((row.Name, row.Version), out var d)
            ? d
            : DesignLoader.Load(row.Json, $"{row.Name}.v{row.Version} (published)", known));
        this.catalog = new DesignCatalog(all.ToImmutableArray());
    }

    private static string Hash(string json) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(json.ReplaceLineEndings("\n"))));
}
