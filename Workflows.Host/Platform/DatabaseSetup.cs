using System.ComponentModel.DataAnnotations;
using System.Data.Common;
using System.Reflection;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Workflows.Host.Data;

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
                    .UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory")));
                break;
            default:
                builder.Services.AddDbContextPool<WorkflowDbContext, SqliteWorkflowDbContext>(o => o
                    .UseSqlite(connectionString)
                    .AddInterceptors(SqlitePragmas.Instance));
                break;
        }

        builder.Services.AddSingleton(new DatabaseInfo(options.Provider, connectionString));

        // Cookie and bearer-token keys live in the database: tokens survive restarts and every node accepts them.
        builder.Services.AddDataProtection()
            .SetApplicationName("Workflows")
            .PersistKeysToDbContext<WorkflowDbContext>();
        return builder;
    }

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

/// <summary>
/// Per-connection SQLite settings: NORMAL sync is durable in WAL mode across application crashes
/// (only an OS crash can lose the last commits). The WAL is checkpointed every 10,000 pages (about 40 MB) instead of
/// SQLite's 1,000: a step dirties about a dozen pages, mostly the same b-tree edges, so rarer checkpoints copy far
/// fewer pages and stop stalling every ~80th commit (bench: completion p99 about 9 ms → 4 ms); the WAL file is cut back
/// to 64 MB after a checkpoint.
/// </summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    public static readonly SqlitePragmas Instance = new();

    public override InterceptionResult ConnectionOpening(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        Opening(connection);
        return result;
    }

    public override ValueTask<InterceptionResult> ConnectionOpeningAsync(
        DbConnection connection, ConnectionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        Opening(connection);
        return ValueTask.FromResult(result);
    }

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Opened(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Opened(connection);
        return Task.CompletedTask;
    }

    /// <summary>Before a connection opens (also called by a runner step, which opens its connection itself).</summary>
    public static void Opening(DbConnection connection) => SqliteFunctions.Detach(connection);

    /// <summary>The physical connections already set up: Microsoft.Data.Sqlite pools them, and pragmas outlive a pooled open.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, object> Applied = [];

    /// <summary>After a connection opened: the settings, once per physical connection.</summary>
    public static void Opened(DbConnection connection)
    {
        if (connection is Microsoft.Data.Sqlite.SqliteConnection { Handle: { } handle })
        {
            if (Applied.TryGetValue(handle, out _))
            {
                return;
            }

            Applied.AddOrUpdate(handle, Applied);
            SqliteFunctions.Register(handle);
        }

        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA wal_autocheckpoint=10000; PRAGMA journal_size_limit=67108864;";
        command.ExecuteNonQuery();
    }
}

/// <summary>
/// EF Core defines its SQL functions (<c>regexp</c>, the decimal arithmetic <c>ef_add</c>, <c>ef_compare</c> …, the
/// aggregates <c>ef_sum</c> … and the collation <c>EF_DECIMAL</c>) on
/// each <see cref="Microsoft.Data.Sqlite.SqliteConnection"/> it creates, and Microsoft.Data.Sqlite defines them again
/// on the pooled native handle at every open. Redefining a function makes SQLite expire every prepared statement of the
/// handle (redefining a collation too), so each step re-prepared all of the runner's statements (the bench counted one re-preparation per statement
/// per step). Here the definitions are taken off the connection object before it opens and defined once per native
/// handle instead, exactly as Microsoft.Data.Sqlite would (same flags, state and callbacks). If a future
/// Microsoft.Data.Sqlite stores them differently, nothing is taken off and the old behaviour returns
/// (<c>PreparedStatementTests</c> then fails on the re-preparation count). See ADR 0007.
/// </summary>
internal static class SqliteFunctions
{
    private const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;
    private static readonly FieldInfo? ScalarField = typeof(Microsoft.Data.Sqlite.SqliteConnection).GetField("_functions", Private);
    private static readonly FieldInfo? AggregateField = typeof(Microsoft.Data.Sqlite.SqliteConnection).GetField("_aggregates", Private);
    private static readonly FieldInfo? CollationField = typeof(Microsoft.Data.Sqlite.SqliteConnection).GetField("_collations", Private);
    private static readonly Lock Gate = new();
    private static readonly Dictionary<object, object> Empty = [];
    private static readonly Dictionary<(string Name, int Arity), (int Flags, object? State, SQLitePCL.delegate_function_scalar? Func)> Scalars = [];
    private static readonly Dictionary<(string Name, int Arity), (int Flags, object? State, SQLitePCL.delegate_function_aggregate_step? Step, SQLitePCL.delegate_function_aggregate_final? Final)> Aggregates = [];
    private static readonly Dictionary<string, (object? State, SQLitePCL.strdelegate_collation? Compare)> Collations = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Takes the function definitions off a connection about to open, keeping them for <see cref="Register"/>.</summary>
    public static void Detach(DbConnection connection)
    {
        if (connection is not Microsoft.Data.Sqlite.SqliteConnection sqlite
            || ScalarField?.GetValue(sqlite) is not System.Collections.IDictionary scalars
            || AggregateField is null
            || CollationField is null)
        {
            return;
        }

        var aggregates = AggregateField.GetValue(sqlite) as System.Collections.IDictionary;
        var collations = CollationField.GetValue(sqlite) as System.Collections.IDictionary;
        lock (Gate)
        {
            foreach (System.Collections.DictionaryEntry entry in scalars)
            {
                if (entry.Key is not System.Runtime.CompilerServices.ITuple { Length: 2 } key
                    || entry.Value is not System.Runtime.CompilerServices.ITuple { Length: 3 } value
                    || key[0] is not string name || key[1] is not int arity || value[0] is not int flags)
                {
                    return;
                }

                Scalars[(name, arity)] = (flags, value[1], value[2] as SQLitePCL.delegate_function_scalar);
            }

            foreach (System.Collections.DictionaryEntry entry in aggregates ?? (System.Collections.IDictionary)Empty)
            {
                if (entry.Key is not System.Runtime.CompilerServices.ITuple { Length: 2 } key
                    || entry.Value is not System.Runtime.CompilerServices.ITuple { Length: 4 } value
                    || key[0] is not string name || key[1] is not int arity || value[0] is not int flags)
                {
                    return;
                }

                Aggregates[(name, arity)] = (flags, value[1], value[2] as SQLitePCL.delegate_function_aggregate_step, value[3] as SQLitePCL.delegate_function_aggregate_final);
            }

            foreach (System.Collections.DictionaryEntry entry in collations ?? (System.Collections.IDictionary)Empty)
            {
                if (entry.Key is not string name || entry.Value is not System.Runtime.CompilerServices.ITuple { Length: 2 } value)
                {
                    return;
                }

                Collations[name] = (value[0], value[1] as SQLitePCL.strdelegate_collation);
            }

            scalars.Clear();
            aggregates?.Clear();
            collations?.Clear();
        }
    }

    /// <summary>Defines the kept functions on a native handle that has just been set up.</summary>
    public static void Register(SQLitePCL.sqlite3 handle)
    {
        lock (Gate)
        {
            foreach (var ((name, arity), (flags, state, func)) in Scalars)
            {
                Microsoft.Data.Sqlite.SqliteException.ThrowExceptionForRC(SQLitePCL.raw.sqlite3_create_function(handle, name, arity, flags, state, func), handle);
            }

            foreach (var ((name, arity), (flags, state, step, final)) in Aggregates)
            {
                Microsoft.Data.Sqlite.SqliteException.ThrowExceptionForRC(SQLitePCL.raw.sqlite3_create_function(handle, name, arity, flags, state, step, final), handle);
            }

            foreach (var (name, (state, compare)) in Collations)
            {
                Microsoft.Data.Sqlite.SqliteException.ThrowExceptionForRC(SQLitePCL.raw.sqlite3_create_collation(handle, name, state, compare), handle);
            }
        }
    }
}
