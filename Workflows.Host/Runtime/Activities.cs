using System.Collections.Immutable;
using System.Text.Json;
using Workflows.Definitions.Engine;
using Workflows.Host.Data;
using Workflows.Host.Platform;

namespace Workflows.Host.Runtime;

/// <summary>
/// An <c>auto</c> step's named activity. It runs inside the runner's transaction with the same
/// DbContext: its writes commit with the instance's progress, or not at all. Deciding logic lives
/// in <c>Workflows.Definitions</c>; an activity loads facts, asks the core, and applies the effect.
/// </summary>
public interface IWorkflowActivity
{
    Task<ActivityResult> RunAsync(ActivityContext context, CancellationToken ct);
}

/// <param name="Variables">Merged into the instance variables and recorded in history (e.g. the eligibility snapshot).</param>
public sealed record ActivityResult(string Outcome, ImmutableDictionary<string, JsonElement>? Variables = null);

public sealed record ActivityContext(
    WorkflowInstance Instance,
    InstanceState State,
    WorkflowDbContext Db,
    DepartmentClock Clock,
    IServiceProvider Services)
{
    public string? Variable(string name) => State.GetString(name);
}

/// <summary>All activities registered in DI, by name; the catalog the design loader checks designs against.</summary>
public sealed class ActivityResolver
{
    private readonly Dictionary<string, Type> types;

    public ActivityResolver(IEnumerable<ActivityRegistration> registrations)
    {
        types = registrations.ToDictionary(r => r.Name, r => r.Type, StringComparer.Ordinal);
        Catalog = registrations.Aggregate(ActivityCatalog.Empty, (c, r) => c.Add(r.Name, r.Outcomes));
    }

    public ActivityCatalog Catalog { get; }

    public IWorkflowActivity Resolve(IServiceProvider services, string name) =>
        types.TryGetValue(name, out var type)
            ? (IWorkflowActivity)services.GetRequiredService(type)
            : throw new InvalidOperationException($"No activity named '{name}' is registered.");
}

public sealed record ActivityRegistration(string Name, IReadOnlyList<string> Outcomes, Type Type);

public static class ActivityServiceCollectionExtensions
{
    /// <summary>Registers an activity (scoped) under its name and outcomes.</summary>
    public static IServiceCollection AddWorkflowActivity<T>(this IServiceCollection services, string name, params string[] outcomes)
        where T : class, IWorkflowActivity
    {
        services.AddScoped<T>();
        services.AddSingleton(new ActivityRegistration(name, outcomes, typeof(T)));
        return services;
    }
}
