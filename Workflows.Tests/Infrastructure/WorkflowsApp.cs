using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Workflows.Host.Data;

namespace Workflows.Tests.Infrastructure;

public enum Lane
{
    Sqlite,
    Postgres,
}

/// <summary>
/// The real host over its own database: a SQLite file in a temp folder, or a fresh database on the
/// PostgreSQL server named by <c>WORKFLOWS_TEST_POSTGRES</c>. Time is a <see cref="FakeTimeProvider"/>;
/// Hangfire's server is off, so tests run jobs explicitly instead of waiting for them.
/// </summary>
public abstract class WorkflowsApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string DemoPassword = "Demo@2026";

    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset IssuedAt)> tokens = new();
    private readonly string folder = Path.Combine(Path.GetTempPath(), "workflows-tests", Guid.NewGuid().ToString("N"));
    private string? postgresDatabase;

    protected WorkflowsApp(Lane lane, string? stepStore = null)
    {
        Lane = lane;
        StepStore = stepStore;
    }

    /// <summary>A second host over the same database (a restart): it does not own or drop the database.</summary>
    protected WorkflowsApp(WorkflowsApp running, FakeTimeProvider clock)
    {
        Lane = running.Lane;
        ConnectionString = running.ConnectionString;
        StepStore = running.StepStore;
        Clock = clock;
        shared = true;
    }

    private readonly bool shared;

    /// <summary>The runner's step store (<c>Database:StepStore</c>); null for the provider's default.</summary>
    public string? StepStore { get; }

    /// <summary>Extra designs for this host (e.g. a new version), on top of the product's and the test designs.</summary>
    public string? ExtraDesignFolder { get; init; }

    public Lane Lane { get; }

    /// <summary>Sign-in tries per minute per address this host allows (<c>Auth:SignInPermitLimit</c>).</summary>
    protected virtual int SignInPermitLimit => 1_000_000;

    /// <summary>Starts at a fixed, known instant: 2026-03-02 09:00 in Shanghai.</summary>
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 3, 2, 1, 0, 0, TimeSpan.Zero));

    public FaultSwitch Faults => Services.GetRequiredService<FaultSwitch>();

    public string ConnectionString { get; private set; } = "";

    public virtual async ValueTask InitializeAsync()
    {
        if (shared)
        {
            _ = Server;
            return;
        }

        if (Lane == Lane.Postgres)
        {
            var server = PostgresLane.ServerConnectionString
                ?? throw new InvalidOperationException("PostgreSQL lane requested without WORKFLOWS_TEST_POSTGRES.");
            postgresDatabase = "wf_" + Guid.NewGuid().ToString("N")[..16];
            await using var admin = new NpgsqlConnection(server);
            await admin.OpenAsync();
            await using (var create = new NpgsqlCommand($"CREATE DATABASE \"{postgresDatabase}\"", admin))
            {
                await create.ExecuteNonQueryAsync();
            }

            ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = postgresDatabase }.ConnectionString;
        }
        else
        {
            Directory.CreateDirectory(folder);
            ConnectionString = $"Data Source={Path.Combine(folder, "workflows.db")};Default Timeout=30";
        }

        // Building the server runs migrations and the demo seed.
        StartHost();
    }

    /// <summary>Starts the in-memory test server; <see cref="Workflows.Tests.Web.Browser.BrowserApp"/> starts Kestrel instead.</summary>
    protected virtual void StartHost() => _ = Server;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Database:Provider", Lane == Lane.Postgres ? "PostgreSql" : "Sqlite");
        builder.UseSetting("Database:ConnectionString", ConnectionString);
        builder.UseSetting("Seed:Demo", "true");
        builder.UseSetting("Hangfire:Server", "false");
        if (StepStore is not null)
        {
            builder.UseSetting("Database:StepStore", StepStore);
        }
        // The test department went live long before its fake "today" (2026-03-02), so months before its records may be closed.
        builder.UseSetting("Ledger:FirstMonth", "2025-01");
        // The suite signs in thousands of times a minute from one address; SessionTests' own host keeps the real limit.
        builder.UseSetting("Auth:SignInPermitLimit", SignInPermitLimit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            FlakyActivity.Register(services);
            // EF Core remembers for a second (per pooled context) that nobody listened to its diagnostic events, and
            // then does not raise them: a CommandCounter subscribed just after could miss a whole request's commands.
            services.ConfigureDbContext<Workflows.Host.Data.SqliteWorkflowDbContext>(o => o.ConfigureLoggingCacheTime(TimeSpan.Zero));
            services.ConfigureDbContext<Workflows.Host.Data.PostgresWorkflowDbContext>(o => o.ConfigureLoggingCacheTime(TimeSpan.Zero));
            if (ExtraDesignFolder is not null)
            {
                services.AddSingleton(new Workflows.Host.Runtime.DesignSource(ExtraDesignFolder));
            }
        });
    }

    /// <summary>A client with a token of its own (not the cached one): for a test that signs it out.</summary>
    public async Task<HttpClient> FreshLoginAsync(string userName, string password = DemoPassword)
    {
        using var anonymous = CreateClient();
        var response = await anonymous.PostAsJsonAsync("/api/auth/login", new { userName, password });
        response.EnsureSuccessStatusCode();
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await response.Content.ReadFromJsonAsync<TokenResponse>())!.AccessToken);
        return client;
    }

    public async Task<HttpClient> LoginAsync(string userName, string password = DemoPassword)
    {
        var client = CreateClient();
        // Tokens expire on the host's (fake) clock: sign in again once the clock has moved on.
        if (!tokens.TryGetValue(userName, out var cached) || Clock.GetUtcNow() - cached.IssuedAt > TimeSpan.FromHours(1))
        {
            using var anonymous = CreateClient();
            var response = await anonymous.PostAsJsonAsync("/api/auth/login", new { userName, password });
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadFromJsonAsync<TokenResponse>();
            cached = (body!.AccessToken, Clock.GetUtcNow());
            tokens[userName] = cached;
        }

        var token = cached.Token;

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Runs <paramref name="work"/> against the host's database in its own scope.</summary>
    public async Task<T> WithDbAsync<T>(Func<WorkflowDbContext, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<WorkflowDbContext>());
    }

    /// <summary>Counts of the rows a failed request must not touch.</summary>
    public Task<(int Users, int Groups, int Seats, int UserRoles)> RowCountsAsync() => WithDbAsync(async db =>
        (await db.Users.CountAsync(), await db.Groups.CountAsync(), await db.Seats.CountAsync(), await db.UserRoles.CountAsync()));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (shared)
        {
            GC.SuppressFinalize(this);
            return;
        }

        if (postgresDatabase is not null && PostgresLane.ServerConnectionString is { } server)
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(server);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{postgresDatabase}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }

        SqliteCleanup();
        GC.SuppressFinalize(this);
    }

    private void SqliteCleanup()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
            // A file still held open is left for the OS temp cleaner; it is never reused.
        }
    }

    private sealed record TokenResponse(string AccessToken, int ExpiresIn);
}

public sealed class SqliteApp() : WorkflowsApp(Lane.Sqlite);

/// <summary>SQLite with the EF Core step store instead of SQLite's own: the runtime's tests run against both stores.</summary>
public sealed class SqliteEfCoreApp() : WorkflowsApp(Lane.Sqlite, "EfCore");

/// <summary>Another host process over a running app's database, with its own clock: a restart, or a newer deployment.</summary>
public sealed class RestartedApp(WorkflowsApp running, FakeTimeProvider clock) : WorkflowsApp(running, clock);

public sealed class PostgresApp() : WorkflowsApp(Lane.Postgres)
{
    public override ValueTask InitializeAsync() =>
        PostgresLane.ServerConnectionString is null ? ValueTask.CompletedTask : base.InitializeAsync();
}

/// <summary>
/// Whether the PostgreSQL lane can run. The README's test command starts a throwaway cluster and sets
/// <c>WORKFLOWS_TEST_POSTGRES</c>; plain <c>dotnet test</c> reports the lane as skipped, and under
/// <c>CI=true</c> a missing server fails instead.
/// </summary>
public static class PostgresLane
{
    public static string? ServerConnectionString { get; } =
        Environment.GetEnvironmentVariable("WORKFLOWS_TEST_POSTGRES") is { Length: > 0 } cs ? cs : null;

    public static void EnsureAvailable()
    {
        if (ServerConnectionString is not null)
        {
            return;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException("CI=true but WORKFLOWS_TEST_POSTGRES is not set: run the tests with ./test.sh, which starts PostgreSQL.");
        }

        Assert.Skip("PostgreSQL lane: WORKFLOWS_TEST_POSTGRES is not set. Run ./test.sh to start a throwaway PostgreSQL cluster and run this lane.");
    }
}
