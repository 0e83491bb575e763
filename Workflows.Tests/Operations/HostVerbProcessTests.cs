using System.Net;
using System.Net.Http.Json;
using Workflows.Tests.Infrastructure;
using Workflows.Tests.Proofs;

namespace Workflows.Tests.Operations;

/// <summary>
/// The built host as a child process, as an operator runs it: a fresh start logs no warning or error, and
/// <c>create-hr</c> (password from <c>WORKFLOWS_PASSWORD</c>), then sign-in, then <c>backup</c> while it runs.
/// </summary>
public abstract class HostVerbProcessTests(Lane lane)
{
    private static bool Noisy(string line) =>
        line.StartsWith("warn:", StringComparison.Ordinal) || line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal);

    [Fact]
    public async Task AFreshStart_LogsNoWarningOrError()
    {
        await using var database = await FreshDatabase.CreateAsync(lane);
        await using var host = new HostProcess($"quiet-{lane}", database.Settings());
        await host.StartAsync(TimeSpan.FromMinutes(2));
        // Past the start: the timer sweep, Hangfire's server and the first requests.
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/Account/Login", TestContext.Current.CancellationToken)).StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
        var noisy = host.Lines().Where(Noisy).ToList();
        Assert.True(noisy.Count == 0, "A fresh start logged:\n" + host.Tail());
    }

    [Fact]
    public async Task CreateHr_FromTheEnvironment_ThenSignIn_ThenBackupWhileRunning()
    {
        await using var database = await FreshDatabase.CreateAsync(lane);
        var settings = database.Settings(demo: false);
        var withPassword = new Dictionary<string, string>(settings) { ["WORKFLOWS_PASSWORD"] = "Ops@Hr2026!" };
        var created = await VerbProcess.RunAsync(withPassword, null, "create-hr", "--user", "opshr", "--name", "运维人事");
        Assert.True(created.ExitCode == 0, created.Output + created.Error);
        var again = await VerbProcess.RunAsync(withPassword, null, "create-hr", "--user", "opshr2", "--name", "又一个");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("an HR account exists", again.Error, StringComparison.Ordinal);
        // The password never appears in what the verb prints.
        Assert.DoesNotContain("Ops@Hr2026!", created.Output + created.Error, StringComparison.Ordinal);

        await using var host = new HostProcess($"ops-{lane}", settings);
        await host.StartAsync(TimeSpan.FromMinutes(2));
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        using var login = await http.PostAsJsonAsync("/api/auth/login", new { userName = "opshr", password = "Ops@Hr2026!" }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        // Loopback: /metrics answers without signing in.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/metrics", TestContext.Current.CancellationToken)).StatusCode);

        var target = Path.Combine(database.Folder, "backup.db");
        var backup = await VerbProcess.RunAsync(settings, null, "backup", target);
        if (lane == Lane.Sqlite)
        {
            Assert.True(backup.ExitCode == 0, backup.Output + backup.Error);
            Assert.True(File.Exists(target));
            var second = await VerbProcess.RunAsync(settings, null, "backup", target);
            Assert.Equal(1, second.ExitCode); // never overwrites
        }
        else
        {
            Assert.Equal(2, backup.ExitCode);
            Assert.Contains("pg_dump", backup.Error, StringComparison.Ordinal);
        }
    }
}

public sealed class HostVerbProcessTests_Sqlite() : HostVerbProcessTests(Lane.Sqlite);

public sealed class HostVerbProcessTests_Postgres : HostVerbProcessTests
{
    public HostVerbProcessTests_Postgres() : base(Lane.Postgres) => PostgresLane.EnsureAvailable();
}
