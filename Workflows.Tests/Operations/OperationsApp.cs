using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Operations;

/// <summary>
/// The real host as an operator meets it. Requests come from a non-loopback address (203.0.113.7) unless they carry
/// <see cref="RemoteHeader"/>: the in-memory test server has no network, so the caller's address is set the way a
/// forwarding proxy would have it.
/// </summary>
public abstract class OperationsApp(Lane lane, bool demo) : WorkflowsApp(lane)
{
    public const string RemoteHeader = "X-Test-Remote-Address";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        if (!demo)
        {
            builder.UseSetting("Seed:Demo", "false");
        }

        builder.ConfigureTestServices(services => services.AddSingleton<IStartupFilter, RemoteAddressFilter>());
    }

    public override ValueTask InitializeAsync() =>
        Lane == Lane.Postgres && PostgresLane.ServerConnectionString is null ? ValueTask.CompletedTask : base.InitializeAsync();

    private sealed class RemoteAddressFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, following) =>
            {
                context.Connection.RemoteIpAddress = context.Request.Headers.TryGetValue(RemoteHeader, out var value)
                    ? IPAddress.Parse(value.ToString())
                    : IPAddress.Parse("203.0.113.7");
                return following(context);
            });
            next(app);
        };
    }
}

public sealed class OperationsSqliteApp() : OperationsApp(Lane.Sqlite, demo: true);

public sealed class OperationsPostgresApp() : OperationsApp(Lane.Postgres, demo: true);

/// <summary>An empty department: no demo seed, as on a production PostgreSQL database.</summary>
public sealed class EmptySqliteApp() : OperationsApp(Lane.Sqlite, demo: false);

public sealed class EmptyPostgresApp() : OperationsApp(Lane.Postgres, demo: false);

/// <summary>A fresh database of the lane for a child process: a SQLite file in a temp folder, or a new PostgreSQL database.</summary>
public sealed class FreshDatabase : IAsyncDisposable
{
    private readonly string? postgresName;
    private readonly string folder;

    private FreshDatabase(Lane lane, string connectionString, string? postgresName, string folder)
    {
        this.folder = folder;
        Lane = lane;
        ConnectionString = connectionString;
        this.postgresName = postgresName;
    }

    public Lane Lane { get; }

    public string ConnectionString { get; }

    public string Folder => folder;

    public static async Task<FreshDatabase> CreateAsync(Lane lane)
    {
        if (lane == Lane.Sqlite)
        {
            var folder = Path.Combine(Path.GetTempPath(), "workflows-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            return new FreshDatabase(lane, $"Data Source={Path.Combine(folder, "workflows.db")};Default Timeout=30", null, folder);
        }

        var server = PostgresLane.ServerConnectionString!;
        var name = "wf_" + Guid.NewGuid().ToString("N")[..16];
        await using var admin = new NpgsqlConnection(server);
        await admin.OpenAsync();
        await using (var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin))
        {
            await create.ExecuteNonQueryAsync();
        }

        var scratch = Path.Combine(Path.GetTempPath(), "workflows-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(scratch);
        return new FreshDatabase(lane, new NpgsqlConnectionStringBuilder(server) { Database = name, Pooling = false }.ConnectionString, name, scratch);
    }

    /// <summary>The host's settings for this database, as environment variables.</summary>
    public Dictionary<string, string> Settings(bool? demo = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Database__Provider"] = Lane == Lane.Postgres ? "PostgreSql" : "Sqlite",
            ["Database__ConnectionString"] = ConnectionString,
        };
        if (demo is { } d)
        {
            settings["Seed__Demo"] = d ? "true" : "false";
        }

        return settings;
    }

    public async ValueTask DisposeAsync()
    {
        if (postgresName is not null && PostgresLane.ServerConnectionString is { } server)
        {
            await using var admin = new NpgsqlConnection(server);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{postgresName}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
