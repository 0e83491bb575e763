using Microsoft.Extensions.DependencyInjection;
using Workflows.Host.Organization;
using Workflows.Host.Runtime;

namespace Workflows.Tests.Infrastructure;

/// <summary>Per host: makes <see cref="FlakyActivity"/> throw while on.</summary>
public sealed class FaultSwitch
{
    public bool Fail { get; set; }
}

/// <summary>
/// A test activity with a visible effect: it writes a group row, then throws when the switch is on.
/// After a failure the row must not exist (the step rolled back whole).
/// </summary>
public sealed class FlakyActivity(FaultSwitch faults) : IWorkflowActivity
{
    public static string MarkerName(string instanceId) => "flaky-" + instanceId;

    public async Task<ActivityResult> RunAsync(ActivityContext context, CancellationToken ct)
    {
        context.Db.Groups.Add(new Group { Name = MarkerName(context.Instance.Id) });
        await context.Db.SaveChangesAsync(ct);
        if (faults.Fail)
        {
            throw new InvalidOperationException("Injected fault in test.flaky");
        }

        return new ActivityResult("ok");
    }

    public static void Register(IServiceCollection services)
    {
        services.AddSingleton<FaultSwitch>();
        services.AddWorkflowActivity<FlakyActivity>("test.flaky", "ok");
        services.AddSingleton(new DesignSource(Path.Combine(AppContext.BaseDirectory, "Runtime", "Designs")));
    }
}
