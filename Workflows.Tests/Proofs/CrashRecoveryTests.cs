using Microsoft.EntityFrameworkCore;
using Workflows.Host.Runtime;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Proofs;

/// <summary>
/// Crash recovery: the host as a child process on a SQLite file under a mixed load of applications, approvals,
/// swaps and disputes, killed with <c>kill -9</c> in the middle, started again on the same file. Nothing that was
/// answered with success is lost, the invariants hold, and the timers that fell due while it was down fire once.
/// </summary>
[Collection(nameof(ProofsCollection))]
public sealed class CrashRecoveryTests
{
    [Fact]
    public async Task KilledHost_LosesNothingItAnswered_AndFiresDueTimersOnce()
    {
        var (folder, connectionString) = ProofSettings.NewSqlite();
        try
        {
            var phases = new Phases();
            // Deliveries go to a group robot that outlives the kills: a kill between sending and marking may send one twice,
            // with the same key (the receiver's way to drop the repeat); none is lost.
            using var robot = new Notifications.WebhookReceiver();
            var settings = ProofSettings.HostSettings(Lane.Sqlite, connectionString);
            settings["Notifications__Webhook__Url"] = robot.Url;
            settings["Notifications__Lease"] = "00:00:05"; // a delivery claimed at a kill is sent again after 5 s, not 5 minutes
            await using var host = new HostProcess("host", settings);
            await host.StartAsync(ProofSettings.StartTimeout);
            phases.Mark("start");
            using var load = new ProofLoad([host.BaseAddress]);
            await load.SetUpAsync();
            phases.Mark("setup");
            var checks = new ProofChecks(Lane.Sqlite, connectionString);
            var slice = TimeSpan.FromSeconds(Math.Max(5.0, (double)ProofSettings.Seconds / ProofSettings.Crashes));
            var started = DateTimeOffset.UtcNow;
            long cutByCrashes = 0;
            var timersDueWhileDown = 0;
            var pushedToWait = 0;
            var answered = 0L;

            for (var crash = 1; crash <= ProofSettings.Crashes; crash++)
            {
                var before = load.TransportErrors;
                using (var stop = new CancellationTokenSource())
                {
                    var running = load.RunAsync(stop.Token, seed: crash * 100);
                    await Task.Delay(slice, TestContext.Current.CancellationToken);

                    // A few promotions put to wait for a seat right before the kill: their expiry falls due while the host is down.
                    pushedToWait += await load.PushPromotionsToSeatWaitAsync(3, new Random(crash));
                    host.Kill();
                    await stop.CancelAsync();
                    await running;
                }

                cutByCrashes += load.TransportErrors - before;
                phases.Mark("load");

                // While it is down: the timers it owes. Wait (bounded) until every one of them is due, so they all fall due in the dark.
                var owed = (await checks.PendingTimersAsync()).Where(t => t.DueAt <= DateTimeOffset.UtcNow + ProofSettings.VacancyWait).ToList();
                if (owed.Count > 0)
                {
                    var lastDue = owed.Max(t => t.DueAt);
                    Assert.True(await ProofChecks.EventuallyAsync(() => Task.FromResult(DateTimeOffset.UtcNow > lastDue.AddMilliseconds(200)),
                        ProofSettings.VacancyWait + TimeSpan.FromSeconds(2)), "the owed timers did not fall due");
                }

                timersDueWhileDown += owed.Count;
                phases.Mark("down");
                await host.StartAsync(ProofSettings.StartTimeout);
                load.Reconnect();
                phases.Mark("restart");

                // The restart fires what fell due (its start-up sweep and the Hangfire jobs race for them): each exactly once.
                var restartedAt = DateTimeOffset.UtcNow;
                Assert.True(await ProofChecks.EventuallyAsync(async () => (await checks.DueUnfiredAsync(restartedAt)).Count == 0, TimeSpan.FromSeconds(60)),
                    $"timers due before the restart are still unfired after 60 s{Environment.NewLine}{host.Tail()}");
                // Each owed timer fired, or was cancelled because its instance moved on first (a vacancy signal delivered
                // by the restart); never both, never neither. A fired wait timeout ended its promotion with one firing in history.
                var settled = await checks.TimersAsync([.. owed.Select(t => t.Id)]);
                Assert.All(settled, t => Assert.True(t.FiredAt is null != t.CancelledAt is null, $"timer {t.Id}: fired {t.FiredAt}, cancelled {t.CancelledAt}"));
                var waits = settled.Where(t => t.Kind == TimerKinds.WaitTimeout && t.FiredAt is not null)
                    .Select(t => t.InstanceId).Distinct(StringComparer.Ordinal).ToList();
                var firings = await checks.FiringsAsync(waits);
                Assert.All(firings, f => Assert.True(f.Value is (1, "Expired"),
                    $"instance {f.Key}: {f.Value.Fired} timer firing(s), outcome {f.Value.Outcome ?? "none"}"));

                var lost = await checks.LostAsync(load.Acks);
                Assert.True(lost.Count == 0, string.Join(Environment.NewLine, lost.Take(20)));
                var broken = await checks.BrokenAsync(load.Node(0), load.Accounts["hr"].Token, load.CurrentMonth);
                Assert.True(broken.Count == 0, string.Join(Environment.NewLine, broken.Take(20)));
                answered = load.Requests - load.TransportErrors;
                phases.Mark("checks");
            }

            // Every delivery written was sent (after the last restart, the sweeper picks up what the kills interrupted).
            Assert.True(await ProofChecks.EventuallyAsync(async () =>
            {
                await using var db = checks.Open();
                return !await db.Set<Workflows.Host.Notifications.NotificationDelivery>()
                    .AnyAsync(d => d.Status != Workflows.Host.Notifications.DeliveryStatus.Sent);
            }, TimeSpan.FromSeconds(150)), "notification deliveries not all sent 150 s after the last restart");
            List<string> deliveryKeys;
            await using (var db = checks.Open())
            {
                deliveryKeys = await db.Set<Workflows.Host.Notifications.NotificationDelivery>().AsNoTracking().Select(d => d.IdempotencyKey).ToListAsync();
            }

            var robotKeys = robot.Requests.Where(r => r.Accepted).Select(r => r.IdempotencyKey ?? "").ToList();
            Assert.True(deliveryKeys.Count > 0, "no delivery was written");
            Assert.Equal(deliveryKeys.Order(StringComparer.Ordinal), robotKeys.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
            var repeated = robotKeys.Count - robotKeys.Distinct(StringComparer.Ordinal).Count();

            var figures = load.Figures(DateTimeOffset.UtcNow - started);
            var counts = await checks.CountsAsync();
            ProofSettings.Report($"crash recovery (SQLite): {ProofSettings.Crashes} kill -9 and restarts survived; {figures.Requests} requests, " +
                $"{answered} answered, {cutByCrashes} cut off by the kills, {figures.Successes} acknowledged actions, rows lost 0, 5xx {figures.ServerErrors}; " +
                $"{timersDueWhileDown} timers fell due while down, each fired once; {counts.Instances} instances, {counts.Tasks} tasks, " +
                $"{counts.History} history entries, {counts.Violations} violations, {counts.Incidents} incidents; {deliveryKeys.Count} robot deliveries, " +
                $"each received ({repeated} sent again after a kill, same key); p95 {figures.P95:0.0} ms; {phases}");

            Assert.True(figures.ServerErrors == 0, string.Join(Environment.NewLine, load.ServerErrors));
            Assert.True(figures.Successes > 0, "the load acknowledged nothing");
            Assert.True(timersDueWhileDown > 0, $"no timer fell due while the host was down ({pushedToWait} promotions were put to wait before the kills)");
            Assert.True(host.ErrorLines == 0, $"the host logged {host.ErrorLines} error(s){Environment.NewLine}{host.Tail()}");
        }
        finally
        {
            ProofSettings.DeleteFolder(folder);
        }
    }
}
