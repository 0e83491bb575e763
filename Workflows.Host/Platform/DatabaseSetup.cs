using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Workflows.Host.Data;
using Workflows.Host.Runtime.Store;
using Workflows.Host.Runtime.Store.EfCore;
using Workflows.Host.Runtime.Store.Sqlite;

namespace Workflows.Host.Platform;

public enum DatabaseProvider
{
    Sqlite,
    PostgreSql,
}

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>
    /// For SQLite, empty means <c>data/workflows.db</c> under the content root. For PostgreSQL it is required.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>The folder for the embedded default's files (SQLite databases), relative to the content root.</summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    /// <summary>
    /// Which step store the runner uses: <c>Default</c> (SQLite's own on SQLite, EF Core's on PostgreSQL) or
    /// <c>EfCore</c> (the EF Core store on either; the runtime's tests run it on SQLite beside the SQLite store).
    /// </summary>
    public StepStoreKind StepStore { get; set; } = StepStoreKind.Default;
}

public enum StepStoreKind
{
    Default,
    EfCore,
}

public static class DatabaseSetup
{
    public static IHostApplicationBuilder AddWorkflowDatabase(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>()
            .BindConfiguration(DatabaseOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.Provider != DatabaseProvider.PostgreSql || !string.IsNullOrWhiteSpace(o.ConnectionString),
                "Database:ConnectionString is required when Database:Provider is PostgreSql.")
            .ValidateOnStart();

        var options = builder.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var connectionString = ResolveConnectionString(options, builder.Environment.ContentRootPath);

        switch (options.Provider)
        {
            case DatabaseProvider.PostgreSql:
                // Pooled: a workflow step is a short unit of work, and building a context per step is measurable (see bench).
                builder.Services.AddDbContextPool<WorkflowDbContext, PostgresWorkflowDbContext>(o => o
                    .UseNpgsql(WithAutoPrepare(connectionString), npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory")));
                break;
            default:
                builder.Services.AddDbContextPool<WorkflowDbContext, SqliteWorkflowDbContext>(o => o
                    .UseSqlite(connectionString)
                    .AddInterceptors(SqlitePragmas.Instance));
                break;
        }

        builder.Services.AddSingleton(new DatabaseInfo(options.Provider, connectionString));

        // The runner's step store: chosen here, once; nothing above it asks which database it is on.
        if (options.Provider == DatabaseProvider.Sqlite && options.StepStore == StepStoreKind.Default)
        {
            builder.Services.AddSingleton<IStepStore, SqliteStepStore>();
        }
        else
        {
            builder.Services.AddSingleton<IStepStore, EfCoreStepStore>();
        }

        // Cookie and bearer-token keys live in the database: tokens survive restarts and every node accepts them.
        builder.Services.AddDataProtection()
            .SetApplicationName("Workflows")
            .PersistKeysToDbContext<WorkflowDbContext>();
        return builder;
    }

    /// <summary>
    /// Npgsql's automatic preparation, unless the connection string says otherwise: a statement run again on a connection
    /// is prepared on the server, so its later runs skip parsing and planning. The inbox, the runner's steps and HR's
    /// searches are short queries whose planning is a good part of their time (a group leader's inbox: p50 5–10 ms →
    /// 3–4 ms, measured with <c>bench --reports</c>). An operator's own <c>Max Auto Prepare</c> wins (0 turns it off).
    /// </summary>
    public static string WithAutoPrepare(string connectionString)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        if (given.Keys.Cast<string>().Any(k => k.Replace(" ", "", StringComparison.Ordinal).Equals("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase)))
        {
            return connectionString;
        }

        return new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = AutoPrepared, AutoPrepareMinUsages = 2 }.ConnectionString;
    }

    /// <summary>
    /// How many statements each connection keeps prepared (the least recently used is let go first); a statement is
    /// prepared on its second run on a connection.
    /// </summary>
    public const int AutoPrepared = 64;

    public static string ResolveConnectionString(DatabaseOptions options, string contentRoot)
    {
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return options.ConnectionString;
        }

        if (options.Provider == DatabaseProvider.PostgreSql)
        {
            throw new InvalidOperationException("Database:ConnectionString is required when Database:Provider is PostgreSql.");
        }

        var folder = Path.GetFullPath(Path.Combine(contentRoot, options.DataDirectory));
        Directory.CreateDirectory(folder);
        return $"Data Source={Path.Combine(folder, "workflows.db")};Default Timeout=30";
    }

    /// <summary>Applies the committed migrations of the configured provider.</summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WorkflowDbContext>();
        // The history table first: on a fresh PostgreSQL database EF Core otherwise reads it before creating it and logs
        // that expected failure at error level (efcore#37328), a "fail:" line on every first start.
        if (await db.GetService<Microsoft.EntityFrameworkCore.Storage.IRelationalDatabaseCreator>().ExistsAsync(cancellationToken))
        {
            await db.GetService<Microsoft.EntityFrameworkCore.Migrations.IHistoryRepository>().CreateIfNotExistsAsync(cancellationToken);
        }

        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            // WAL lets readers (inbox queries) run while a step commits; it is a property of the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }
}

/// <summary>What the host runs on, for /api/system, /health and the bench.</summary>
public sealed record DatabaseInfo(DatabaseProvider Provider, string ConnectionString);
