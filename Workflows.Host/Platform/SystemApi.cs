using System.Reflection;
using Hangfire;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Workflows.Host.Data;

namespace Workflows.Host.Platform;

public sealed record SystemInfo(DateOnly Today, string TimeZone, string Version, string Database);

public static class SystemApi
{
    public static readonly string Version =
        typeof(SystemApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static IHostApplicationBuilder AddHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddDbContextCheck<WorkflowDbContext>("database", tags: [Ready])
            .AddCheck<JobStorageHealthCheck>("job-storage", tags: [Ready])
            .AddCheck<MigrationsHealthCheck>("migrations", tags: [Ready]);
        return builder;
    }

    public static IEndpointRouteBuilder MapSystemApi(this IEndpointRouteBuilder app)
    {
        // /health: the database and the job storage answer (kept for existing probes). /health/live: the process
        // serves requests, nothing else asked (a restart would not help a database outage). /health/ready: the
        // database, the job storage and every migration applied: send it work.
        app.MapHealthChecks("/health", new HealthCheckOptions { Predicate = c => c.Name != "migrations" }).AllowAnonymous();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = WriteReadyAsync }).AllowAnonymous();
        app.MapGet("/api/system", GetSystem).AllowAnonymous().WithTags("System");
        return app;
    }

    private const string Ready = "ready";

    /// <summary>Each check's name and status, so an operator sees which dependency is not ready.</summary>
    private static Task WriteReadyAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        });
    }

    public static Ok<SystemInfo> GetSystem(DepartmentClock clock, DatabaseInfo database) =>
        TypedResults.Ok(new SystemInfo(clock.Today, clock.Zone.Id, Version, database.Provider.ToString()));

    /// <summary>Every migration of the build is applied: a node started before the migration ran is not ready.</summary>
    private sealed class MigrationsHealthCheck(WorkflowDbContext db) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var pending = (await Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.GetPendingMigrationsAsync(db.Database, cancellationToken)).ToList();
                return pending.Count == 0
                    ? HealthCheckResult.Healthy()
                    : HealthCheckResult.Unhealthy($"{pending.Count} migration(s) not applied: {string.Join(", ", pending)}. Run the migrate verb or start with Startup:MigrateOnStart=true.");
            }
            catch (Exception ex)
            {
                return HealthCheckResult.Unhealthy("The migrations history cannot be read.", ex);
            }
        }
    }

    /// <summary>The job storage answers when a connection can be opened and read.</summary>
    private sealed class JobStorageHealthCheck(JobStorage storage) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                using var connection = storage.GetConnection();
                _ = connection.GetAllItemsFromSet("recurring-jobs");
                return Task.FromResult(HealthCheckResult.Healthy());
            }
            catch (Exception ex)
            {
                return Task.FromResult(HealthCheckResult.Unhealthy("The Hangfire storage does not answer.", ex));
            }
        }
    }
}
