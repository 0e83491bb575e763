using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Workflows.Host.Platform;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Operations;

/// <summary>
/// The <c>backup</c> verb's copy taken while requests keep writing, restored the README's way (the copy becomes
/// <c>workflows.db</c> of a host): every action acknowledged before the backup began is there.
/// </summary>
public sealed class BackupTests_Sqlite(OperationsSqliteApp app) : IClassFixture<OperationsSqliteApp>
{
    [Fact]
    public async Task BackupDuringLoad_RestoresEveryAcknowledgedAction()
    {
        var member = await app.IdOfAsync("member2a");
        var acknowledged = new ConcurrentDictionary<string, long>();
        long sequence = 0;
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 3).Select(async w =>
        {
            using var hr = await app.LoginAsync("hr");
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                using var response = await hr.PostAsJsonAsync("/api/violations",
                    new { employeeId = member, ruleCode = "R09", occurredOn = "2026-03-01", description = $"备份 backup {w}-{n++}" });
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                var id = (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetString()!;
                acknowledged[id] = Interlocked.Increment(ref sequence);
            }
        }).ToList();

        while (acknowledged.Count < 30)
        {
            await Task.Delay(20);
        }

        var folder = Path.Combine(Path.GetTempPath(), "workflows-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var before = acknowledged.Keys.ToHashSet(StringComparer.Ordinal);
        var copied = Backup.CopySqlite(app.ConnectionString, Path.Combine(folder, "backup.db"));
        var duringBackup = acknowledged.Count - before.Count;
        await Task.Delay(200);
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        Assert.True(acknowledged.Count > before.Count, "The load did not go on around the backup.");

        // Restore: the copy is the database file of a new host (README, "Backups").
        File.Copy(copied.Path, Path.Combine(folder, "workflows.db"));
        await using var restored = new RestoredApp($"Data Source={Path.Combine(folder, "workflows.db")};Default Timeout=30");
        await restored.InitializeAsync();
        using var hr = await restored.LoginAsync("hr");
        var missing = new List<string>();
        foreach (var id in before)
        {
            using var response = await hr.GetAsync($"/api/violations/{id}");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                missing.Add(id);
            }
        }

        Assert.True(missing.Count == 0, $"{missing.Count} of {before.Count} acknowledged violations are missing from the restored copy.");
        TestContext.Current.SendDiagnosticMessage(
            $"Backup under load: {before.Count} acknowledged before it, all restored; {duringBackup} acknowledged while it ran, {acknowledged.Count} in all; {copied.Bytes:N0} bytes.");
    }

    [Fact]
    public void Backup_NeverOverwrites_AndSaysWhy()
    {
        var folder = Path.Combine(Path.GetTempPath(), "workflows-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, "taken.db");
        File.WriteAllText(target, "x");
        var refused = Assert.Throws<BackupException>(() => Backup.CopySqlite(app.ConnectionString, target));
        Assert.Contains("exists already", refused.Message, StringComparison.Ordinal);
        Assert.Equal("x", File.ReadAllText(target));
    }
}

public sealed class BackupTests_Postgres : IClassFixture<OperationsPostgresApp>
{
    private readonly OperationsPostgresApp app;

    public BackupTests_Postgres(OperationsPostgresApp app)
    {
        PostgresLane.EnsureAvailable();
        this.app = app;
    }

    [Fact]
    public async Task BackupVerb_OnPostgres_NamesPgDump()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(2, await Verbs.BackupAsync([Path.Combine(Path.GetTempPath(), "never.db")], app.Services, output, error));
        Assert.Contains("pg_dump", error.ToString(), StringComparison.Ordinal);
    }
}

/// <summary>A host over a restored SQLite file.</summary>
public sealed class RestoredApp(string connectionString) : WorkflowsApp(Lane.Sqlite)
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Database:ConnectionString", connectionString);
    }
}
