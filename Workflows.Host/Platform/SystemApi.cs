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
            .AddDbContextCheck<WorkflowDbContext>("database")
            .AddCheck<JobStorageHealthCheck>("job-storage");
        return builder;
    }

    public static IEndpointRouteBuilder MapSystemApi(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions()).AllowAnonymous();
        app.MapGet("/api/system", GetSystem).AllowAnonymous().WithTags("System");
        return app;
    }

    public static Ok<SystemInfo> GetSystem(DepartmentClock clock, DatabaseInfo database) =>
        TypedResults.Ok(new SystemInfo(clock.Today, clock.Zone.Id, Version, database.Provider.ToString()));

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
