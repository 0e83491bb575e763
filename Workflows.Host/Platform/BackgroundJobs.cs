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
            .UseLogProvider(new HostLogProvider(sp.GetRequiredService<ILoggerFactory>())));

        var options = builder.Configuration.GetSection(BackgroundJobOptions.Section).Get<BackgroundJobOptions>() ?? new();
        if (options.Server)
        {
            builder.Services.AddHangfireServer((sp, server) =>
            {
                server.WorkerCount = sp.GetRequiredService<IOptions<BackgroundJobOptions>>().Value.WorkerCount;
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

    private sealed class HrOnlyDashboardFilter : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context)
        {
            var user = context.GetHttpContext().User;
            return user.Identity?.IsAuthenticated == true && user.IsInRole(CompanyRoles.HR);
        }
    }

    /// <summary>
    /// Hangfire's log provider is process-wide (<c>LogProvider</c> is static) and points at the logger factory of the
    /// last host that configured it. With several hosts in one process (the test suite), a host built after another was
    /// disposed would get <see cref="ObjectDisposedException"/> from Hangfire's SQLite storage asking the dead factory
    /// for a logger. This provider answers with a silent logger instead of failing.
    /// </summary>
    private sealed class HostLogProvider(ILoggerFactory factory) : Hangfire.Logging.ILogProvider
    {
        private readonly Hangfire.AspNetCore.AspNetCoreLogProvider inner = new(factory);

        public Hangfire.Logging.ILog GetLogger(string name)
        {
            try
            {
                return inner.GetLogger(name);
            }
            catch (ObjectDisposedException)
            {
                return SilentLog.Instance;
            }
        }
    }

    private sealed class SilentLog : Hangfire.Logging.ILog
    {
        public static readonly SilentLog Instance = new();

        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null) => false;
    }
}
