using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.Dashboard;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Storage.SQLite;
using Microsoft.Extensions.Options;
using Workflows.Definitions;

namespace Workflows.Host.Platform;

public sealed class BackgroundJobOptions
{
    public const string Section = "Hangfire";

    /// <summary>Run a Hangfire server in this process. Tests turn it off and run jobs explicitly.</summary>
    public bool Server { get; set; } = true;

    public int WorkerCount { get; set; } = Math.Max(2, Environment.ProcessorCount * 2);

    /// <summary>How often the server looks for scheduled jobs that fell due (timers); Hangfire's default is 15 seconds.</summary>
    public TimeSpan SchedulePollingInterval { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// Hangfire inside the host. The storage is built here and registered in DI before
/// <c>AddHangfire</c> so that the client, the recurring-job manager, the server and the dashboard
/// all use this host's storage and never the process-wide <c>JobStorage.Current</c>: several test
/// hosts in one process each keep their own.
/// </summary>
public static class BackgroundJobs
{
    public static IHostApplicationBuilder AddBackgroundJobs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<BackgroundJobOptions>().BindConfiguration(BackgroundJobOptions.Section);
        builder.Services.AddScoped<Housekeeping>();

        builder.Services.AddSingleton<JobStorage>(sp =>
        {
            var db = sp.GetRequiredService<DatabaseInfo>();
            return db.Provider switch
            {
                DatabaseProvider.PostgreSql => PostgresStorage(db.ConnectionString),
                _ => new SQLiteStorage(HangfireSqlitePath(db.ConnectionString), new SQLiteStorageOptions()),
            };
        });
        builder.Services.AddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        builder.Services.AddHangfire((sp, config) => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseLogProvider(new ResilientLogProvider(sp.GetRequiredService<ILoggerFactory>())));

        var options = builder.Configuration.GetSection(BackgroundJobOptions.Section).Get<BackgroundJobOptions>() ?? new();
        if (options.Server)
        {
            builder.Services.AddHangfireServer((sp, server) =>
            {
                var configured = sp.GetRequiredService<IOptions<BackgroundJobOptions>>().Value;
                server.WorkerCount = configured.WorkerCount;
                server.SchedulePollingInterval = configured.SchedulePollingInterval;
                server.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}";
            });
        }

        return builder;
    }

    private static PostgreSqlStorage PostgresStorage(string connectionString)
    {
        var options = new PostgreSqlStorageOptions { PrepareSchemaIfNecessary = true, SchemaName = "hangfire" };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options, null), options);
    }

    /// <summary>Hangfire's SQLite storage lives in its own file beside the application database.</summary>
    private static string HangfireSqlitePath(string appConnectionString)
    {
        var source = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(appConnectionString).DataSource;
        var folder = Path.GetDirectoryName(Path.GetFullPath(source)) ?? ".";
        return Path.Combine(folder, Path.GetFileNameWithoutExtension(source) + ".hangfire.db");
    }

    public static WebApplication MapHangfireDashboardForHr(this WebApplication app)
    {
        app.UseHangfireDashboard("/hangfire", new DashboardOptions
        {
            Authorization = [new HrOnlyDashboardFilter()],
            DashboardTitle = "Workflows · background jobs",
            AppPath = "/",
        }, app.Services.GetRequiredService<JobStorage>());
        return app;
    }

    /// <summary>
    /// Hangfire's log provider is process-wide. Hosts come and go in one process (tests, restarts):
    /// a logger factory that was disposed with its host must not break the next host's Hangfire.
    /// </summary>
    private sealed class ResilientLogProvider(ILoggerFactory factory) : Hangfire.Logging.ILogProvider
    {
        private readonly AspNetCoreLogProvider inner = new(factory);

        public Hangfire.Logging.ILog GetLogger(string name)
        {
            try
            {
                return new SafeLog(inner.GetLogger(name));
            }
            catch (ObjectDisposedException)
            {
                return new SafeLog(null);
            }
        }

        private sealed class SafeLog(Hangfire.Logging.ILog? log) : Hangfire.Logging.ILog
        {
            public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
            {
                try
                {
                    return log?.Log(logLevel, messageFunc, exception) ?? false;
                }
                catch (ObjectDisposedException)
                {
                    return false;
                }
            }
        }
    }

    private sealed class HrOnlyDashboardFilter : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context)
        {
            var user = context.GetHttpContext().User;
            return user.Identity?.IsAuthenticated == true && user.IsInRole(CompanyRoles.HR);
        }
    }
}
