using System.Globalization;
using Npgsql;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Proofs;

/// <summary>
/// The proofs run real host processes in real time, so they are bounded: short in CI, long on demand.
/// <c>WORKFLOWS_PROOF_SECONDS</c> is the load time of each proof (default 15; the crash proof spreads it over its
/// cycles) and <c>WORKFLOWS_PROOF_CRASHES</c> the number of kill -9 and restart cycles (default 2). The full run
/// (README, "Reliability"): <c>WORKFLOWS_PROOF_SECONDS=120 WORKFLOWS_PROOF_CRASHES=6 ./test.sh --filter "FullyQualifiedName~Proofs"</c>.
/// </summary>
public static class ProofSettings
{
    public static int Seconds { get; } = Read("WORKFLOWS_PROOF_SECONDS", 15);

    public static int Crashes { get; } = Read("WORKFLOWS_PROOF_CRASHES", 2);

    /// <summary>How long a promotion waits for a vacant seat in the proofs: its expiry is the timer they watch.</summary>
    public static readonly TimeSpan VacancyWait = TimeSpan.FromSeconds(8);

    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private static int Read(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;

    /// <summary>The host's settings for the proofs: the demo department, its own database, a short vacancy wait.</summary>
    public static Dictionary<string, string> HostSettings(Lane lane, string connectionString) => new(StringComparer.Ordinal)
    {
        ["Database__Provider"] = lane == Lane.Postgres ? "PostgreSql" : "Sqlite",
        ["Database__ConnectionString"] = connectionString,
        ["Seed__Demo"] = "true",
        ["Hangfire__Server"] = "true",
        ["Hangfire__SchedulePollingInterval"] = "00:00:01",
        ["Promotion__VacancyWait"] = $"PT{(int)VacancyWait.TotalSeconds}S",
    };

    /// <summary>A fresh SQLite file in a temp folder (deleted by the caller).</summary>
    public static (string Folder, string ConnectionString) NewSqlite()
    {
        var folder = Path.Combine(Path.GetTempPath(), "workflows-proofs", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return (folder, $"Data Source={Path.Combine(folder, "workflows.db")};Default Timeout=30");
    }

    /// <summary>A fresh database on the test PostgreSQL server, as <see cref="WorkflowsApp"/> makes one.</summary>
    public static async Task<string> NewPostgresAsync()
    {
        var server = PostgresLane.ServerConnectionString ?? throw new InvalidOperationException("WORKFLOWS_TEST_POSTGRES is not set.");
        var name = "wf_proof_" + Guid.NewGuid().ToString("N")[..12];
        await using var admin = new NpgsqlConnection(server);
        await admin.OpenAsync();
        await using (var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin))
        {
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(server) { Database = name, MaxPoolSize = 20 }.ConnectionString;
    }

    public static async Task DropPostgresAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(PostgresLane.ServerConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    public static void DeleteFolder(string folder)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS temp cleaner; never reused.
        }
    }

    /// <summary>Writes a figure line to the test output and to <c>TestResults/proofs.log</c> (the README's figures come from there).</summary>
    public static void Report(string line)
    {
        var stamped = $"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss}Z {line}";
        TestContext.Current.TestOutputHelper?.WriteLine(stamped);
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var root = testBin.Parent!.Parent!.Parent!.Parent!.FullName;
        var folder = Path.Combine(root, "TestResults");
        Directory.CreateDirectory(folder);
        lock (ReportLock)
        {
            File.AppendAllText(Path.Combine(folder, "proofs.log"), stamped + Environment.NewLine);
        }
    }

    private static readonly Lock ReportLock = new();
}

/// <summary>The proofs run alone, after the rest of the suite: their figures must not be spoiled by other tests' CPU.</summary>
[CollectionDefinition(nameof(ProofsCollection), DisableParallelization = true)]
public sealed class ProofsCollection;

/// <summary>Where a proof's time went, for its report line.</summary>
public sealed class Phases
{
    private readonly System.Diagnostics.Stopwatch clock = System.Diagnostics.Stopwatch.StartNew();
    private readonly List<string> marks = [];
    private TimeSpan last;

    public void Mark(string phase)
    {
        var now = clock.Elapsed;
        marks.Add(string.Create(CultureInfo.InvariantCulture, $"{phase} {(now - last).TotalSeconds:0.0}s"));
        last = now;
    }

    public override string ToString() => "phases: " + string.Join(", ", marks);
}
