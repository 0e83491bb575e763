using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Proofs;

/// <summary>
/// A sustained mixed load through HTTP on loopback against the host as a child process, for a bounded time
/// (<see cref="ProofSettings.Seconds"/>): throughput, p95 latency and errors; no 5xx, nothing answered lost,
/// the invariants hold afterwards and every timer that fell due fired once.
/// </summary>
public abstract class LoadTests(Lane lane)
{
    [Fact]
    public async Task SustainedMixedLoad_AnswersEveryRequest_WithoutServerErrors()
    {
        string? folder = null;
        string connectionString;
        if (lane == Lane.Sqlite)
        {
            (folder, connectionString) = ProofSettings.NewSqlite();
        }
        else
        {
            connectionString = await ProofSettings.NewPostgresAsync();
        }

        try
        {
            var phases = new Phases();
            await using var host = new HostProcess("host", ProofSettings.HostSettings(lane, connectionString));
            await host.StartAsync(ProofSettings.StartTimeout);
            phases.Mark("start");
            using var load = new ProofLoad([host.BaseAddress]);
            await load.SetUpAsync();
            phases.Mark("setup");
            var checks = new ProofChecks(lane, connectionString);

            var started = DateTimeOffset.UtcNow;
            using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(ProofSettings.Seconds)))
            {
                await load.RunAsync(stop.Token);
            }

            var figures = load.Figures(DateTimeOffset.UtcNow - started);
            phases.Mark("load");
            var stoppedAt = DateTimeOffset.UtcNow;
            Assert.True(await ProofChecks.EventuallyAsync(async () => (await checks.DueUnfiredAsync(stoppedAt)).Count == 0, TimeSpan.FromSeconds(60)),
                $"timers due by the end of the load are still unfired after 60 s{Environment.NewLine}{host.Tail()}");
            var lost = await checks.LostAsync(load.Acks);
            var broken = await checks.BrokenAsync(load.Node(0), load.Accounts["hr"].Token, load.CurrentMonth);
            var counts = await checks.CountsAsync();
            phases.Mark("timers and checks");
            ProofSettings.Report($"load ({lane}, one node): {figures}; rows lost {lost.Count}; {counts.Instances} instances, {counts.Tasks} tasks, " +
                $"{counts.History} history entries, {counts.Incidents} incidents; {phases}");

            Assert.True(figures.ServerErrors == 0, string.Join(Environment.NewLine, load.ServerErrors));
            Assert.Equal(0, figures.TransportErrors);
            Assert.True(lost.Count == 0, string.Join(Environment.NewLine, lost.Take(20)));
            Assert.True(broken.Count == 0, string.Join(Environment.NewLine, broken.Take(20)));
            Assert.True(figures.Successes > 0, "the load acknowledged nothing");
            Assert.True(host.ErrorLines == 0, $"the host logged {host.ErrorLines} error(s){Environment.NewLine}{host.Tail()}");
        }
        finally
        {
            if (folder is not null)
            {
                ProofSettings.DeleteFolder(folder);
            }
            else
            {
                await ProofSettings.DropPostgresAsync(connectionString);
            }
        }
    }
}

[Collection(nameof(ProofsCollection))]
public sealed class LoadTests_Sqlite() : LoadTests(Lane.Sqlite);

[Collection(nameof(ProofsCollection))]
public sealed class LoadTests_Postgres : LoadTests
{
    public LoadTests_Postgres() : base(Lane.Postgres) => PostgresLane.EnsureAvailable();
}
