using Microsoft.Extensions.Options;

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
public sealed class StartupTasks(IServiceProvider services, IOptions<StartupOptions> startup, IOptions<SeedOptions> seed, DatabaseInfo database)
    : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        if (startup.Value.MigrateOnStart)
        {
            await DatabaseSetup.MigrateAsync(services, cancellationToken);
        }

        await using var scope = services.CreateAsyncScope();
        var seeder = scope.ServiceProvider.GetRequiredService<DemoSeed>();
        await seeder.EnsureRolesAsync();
        if (seed.Value.Demo ?? database.Provider == DatabaseProvider.Sqlite)
        {
            await seeder.SeedDemoAsync(cancellationToken);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

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
