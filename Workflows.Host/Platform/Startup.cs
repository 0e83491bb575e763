using Hangfire;
using Microsoft.Extensions.Options;
using Workflows.Definitions.Engine;
using Workflows.Host.Data;
using Workflows.Host.Runtime;

namespace Workflows.Host.Platform;

public sealed class StartupOptions
{
    /// <summary>Apply migrations when the host starts (the <c>migrate</c> verb does it on demand).</summary>
    public bool MigrateOnStart { get; set; } = true;
}

/// <summary>
/// Work that must be done before the host serves anything: migrations, system roles, the demo
/// department. Runs in <see cref="IHostedLifecycleService.StartingAsync"/>, i.e. before any hosted
/// service (Hangfire's server, the web server) starts.
/// </summary>
public sealed class StartupTasks(
    IServiceProvider services, IOptions<StartupOptions> startup, IOptions<SeedOptions> seed, DatabaseInfo database,
    PublishedDesigns designs, DepartmentClock clock, ILogger<StartupTasks> logger)
    : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        if (startup.Value.MigrateOnStart)
        {
            await DatabaseSetup.MigrateAsync(services, cancellationToken);
        }

        await using var scope = services.CreateAsyncScope();
        try
        {
            await designs.PublishAsync(scope.ServiceProvider.GetRequiredService<WorkflowDbContext>(), clock.Now, cancellationToken);
        }
        catch (DesignValidationException ex)
        {
            // An invalid design stops the host: better no start than instances on a broken graph.
            logger.LogCritical("Invalid workflow design(s); the host will not start.{NewLine}{Problems}", Environment.NewLine, ex.Message);
            throw;
        }

        TimerJobs.RegisterRecurring(scope.ServiceProvider.GetRequiredService<IRecurringJobManager>());
        Notifications.NotificationJobs.RegisterRecurring(scope.ServiceProvider.GetRequiredService<IRecurringJobManager>());
        Housekeeping.RegisterRecurring(scope.ServiceProvider.GetRequiredService<IRecurringJobManager>());
        Reports.CycleTimeRollup.RegisterRecurring(scope.ServiceProvider.GetRequiredService<IRecurringJobManager>());
        var seeder = scope.ServiceProvider.GetRequiredService<DemoSeed>();
        await seeder.EnsureRolesAsync();
        if (seed.Value.Demo ?? database.Provider == DatabaseProvider.Sqlite)
        {
            await seeder.SeedDemoAsync(cancellationToken);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Timers that fell due while the host was down fire now rather than at the sweeper's next minute;
    /// firing is idempotent, so another node doing the same at once changes nothing.
    /// </summary>
    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var fired = await scope.ServiceProvider.GetRequiredService<TimerJobs>().SweepAsync(cancellationToken);
        if (fired > 0)
        {
            logger.LogInformation("Fired {Count} timer(s) that fell due while the host was down.", fired);
        }
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public static IHostApplicationBuilder AddStartupTasks(IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StartupOptions>().BindConfiguration("Startup");
        builder.Services.AddOptions<SeedOptions>().BindConfiguration(SeedOptions.Section);
        builder.Services.AddScoped<DemoSeed>();
        builder.Services.AddHostedService<StartupTasks>();
        return builder;
    }
}
