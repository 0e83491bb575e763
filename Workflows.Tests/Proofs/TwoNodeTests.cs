using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Workflows.Definitions.Engine;
using Workflows.Host.Ledger;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Proofs;

/// <summary>
/// Two host processes on one PostgreSQL database and one Hangfire storage, both running the Hangfire server:
/// the load spread across both; concurrent completions of one task across the nodes have exactly one winner;
/// the recurring month close, started on both nodes at once, closes the month once; timers fire once.
/// </summary>
[Collection(nameof(ProofsCollection))]
public sealed class TwoNodeTests
{
    public TwoNodeTests() => PostgresLane.EnsureAvailable();

    [Fact]
    public async Task TwoNodes_OneWinnerPerTask_OneMonthClose_TimersOnce()
    {
        var connectionString = await ProofSettings.NewPostgresAsync();
        try
        {
            var phases = new Phases();
            var settings = ProofSettings.HostSettings(Lane.Postgres, connectionString);
            // Both nodes deliver notifications to one group robot and one mail server: each delivery arrives once.
            using var robot = new Notifications.WebhookReceiver();
            await using var mail = new Notifications.SmtpReceiver();
            settings["Notifications__Webhook__Url"] = robot.Url;
            settings["Notifications__Smtp__Host"] = "127.0.0.1";
            settings["Notifications__Smtp__Port"] = mail.Port.ToString(CultureInfo.InvariantCulture);
            await using var a = new HostProcess("node A", settings);
            await using var b = new HostProcess("node B", settings);
            await a.StartAsync(ProofSettings.StartTimeout); // migrates and seeds first; B then starts on a ready database
            await b.StartAsync(ProofSettings.StartTimeout);
            phases.Mark("start");
            using var load = new ProofLoad([a.BaseAddress, b.BaseAddress]);
            await load.SetUpAsync();
            var checks = new ProofChecks(Lane.Postgres, connectionString);
            var hr = load.Accounts["hr"].Token;
            phases.Mark("setup");

            // 1. One task, eight concurrent completions spread over both nodes: exactly one 200, the rest 409.
            var filed = new List<string>();
            foreach (var filer in new[] { "member1a", "member2a", "member3a", "member1b", "member2b", "member3b" })
            {
                var account = load.Accounts[filer];
                var started = await SendAsync(load.Node(filed.Count % 2), account.Token, HttpMethod.Post, "/api/promotions",
                    new { candidateId = account.Id, targetRank = "GroupLeader", channel = "Self", statement = "两个节点 two nodes" });
                Assert.Equal(HttpStatusCode.Created, started.Status);
                filed.Add(started.Body.GetProperty("id").GetString()!);
            }

            var inbox = await SendAsync(load.Node(0), hr, HttpMethod.Get, "/api/tasks?status=Open", null);
            var tasks = inbox.Body.EnumerateArray().Where(t => filed.Contains(t.GetProperty("instanceId").GetString()!))
                .Select(t => t.GetProperty("id").GetString()!).ToList();
            Assert.Equal(filed.Count, tasks.Count);
            var races = 0;
            foreach (var task in tasks)
            {
                var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
                    SendAsync(load.Node(i % 2), hr, HttpMethod.Post, $"/api/tasks/{task}/complete", new { action = "approve", comment = "ok" }))));
                var statuses = answers.Select(r => (int)r.Status).Order().ToArray();
                Assert.True(statuses.Count(s => s == 200) == 1 && statuses.Count(s => s == 409) == 7, $"task {task}: {string.Join(", ", statuses)}");
                races++;
            }

            await using (var db = checks.Open())
            {
                var completions = await db.History.AsNoTracking()
                    .Where(h => filed.Contains(h.InstanceId) && h.Kind == HistoryKinds.TaskCompleted && h.Step == "register").CountAsync();
                Assert.Equal(filed.Count, completions);
            }

            phases.Mark("races");

            // 2. The mixed load over both nodes.
            var loadStarted = DateTimeOffset.UtcNow;
            using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(ProofSettings.Seconds)))
            {
                await load.RunAsync(stop.Token);
            }

            var figures = load.Figures(DateTimeOffset.UtcNow - loadStarted);
            phases.Mark("load");

            // 3. Timers: both nodes' Hangfire servers and sweepers compete for every due timer; each fires once.
            var stoppedAt = DateTimeOffset.UtcNow;
            Assert.True(await ProofChecks.EventuallyAsync(async () => (await checks.DueUnfiredAsync(stoppedAt)).Count == 0, TimeSpan.FromSeconds(60)),
                "timers due by the end of the load are still unfired after 60 s");
            int firedTimers;
            await using (var db = checks.Open())
            {
                firedTimers = await db.Timers.CountAsync(t => t.FiredAt != null);
            }

            phases.Mark("timers");

            // 4. The recurring month close, started on both nodes at once (the job twice through Hangfire, and HR's close on
            // each node) after penalties were charged to that month: one closing, each line once.
            var previous = DateOnly.ParseExact(load.CurrentMonth + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture).AddDays(-1);
            var month = previous.ToString("yyyy-MM", CultureInfo.InvariantCulture);
            var member = load.Accounts["member1c"].Id;
            for (var i = 0; i < 3; i++)
            {
                // HR records them: the load vacates group leaders' seats now and then, and a former leader records nothing.
                var recorded = await SendAsync(load.Node(i % 2), load.Accounts["hr"].Token, HttpMethod.Post, "/api/violations",
                    new { employeeId = member, ruleCode = "R13", occurredOn = previous.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), description = "上月 last month", penaltyAmount = 10 });
                Assert.Equal(HttpStatusCode.Created, recorded.Status);
            }

            var options = new PostgreSqlStorageOptions { PrepareSchemaIfNecessary = false, SchemaName = "hangfire" };
            var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options, null), options);
            var recurring = new RecurringJobManager(storage);
            var closes = await Task.WhenAll(
                Task.Run(() => recurring.Trigger(LedgerSetup.MonthCloseJobId)).ContinueWith(_ => (HttpStatusCode.OK, default(JsonElement)), TaskScheduler.Default),
                Task.Run(() => recurring.Trigger(LedgerSetup.MonthCloseJobId)).ContinueWith(_ => (HttpStatusCode.OK, default(JsonElement)), TaskScheduler.Default),
                SendAsync(load.Node(0), hr, HttpMethod.Post, $"/api/months/{month}/close", null),
                SendAsync(load.Node(1), hr, HttpMethod.Post, $"/api/months/{month}/close", null));
            Assert.All(closes, c => Assert.Equal(HttpStatusCode.OK, c.Item1));
            Assert.True(await ProofChecks.EventuallyAsync(async () => await SucceededMonthClosesAsync(connectionString) >= 2, TimeSpan.FromSeconds(60)),
                "the two triggered month-close jobs did not both run");
            await using (var db = checks.Open())
            {
                Assert.Equal(1, await db.Set<MonthClosing>().CountAsync(c => c.Month == month));
                var lines = await db.Set<ClosedStatementLine>().AsNoTracking().Where(l => l.Month == month && l.EmployeeId == member).ToListAsync();
                Assert.Equal(3, lines.Count);
                Assert.Equal(30m, lines.Sum(l => l.Amount));
            }

            Assert.Equal(1, await ScalarAsync(connectionString, "SELECT count(*) FROM hangfire.set WHERE key = 'recurring-jobs' AND value = 'month-close'"));

            phases.Mark("month close");

            // 5. Notifications: every delivery sent by one node or the other, once (the keys the receivers saw).
            Assert.True(await ProofChecks.EventuallyAsync(async () =>
            {
                await using var db = checks.Open();
                return !await db.Set<Workflows.Host.Notifications.NotificationDelivery>()
                    .AnyAsync(d => d.Status == Workflows.Host.Notifications.DeliveryStatus.Pending || d.Status == Workflows.Host.Notifications.DeliveryStatus.Sending);
            }, TimeSpan.FromSeconds(90)), "notification deliveries still pending 90 s after the load");
            List<(string Key, Workflows.Host.Notifications.DeliveryChannel Channel, Workflows.Host.Notifications.DeliveryStatus Status)> deliveries;
            int notifications;
            await using (var db = checks.Open())
            {
                deliveries = (await db.Set<Workflows.Host.Notifications.NotificationDelivery>().AsNoTracking()
                    .Select(d => new { d.IdempotencyKey, d.Channel, d.Status }).ToListAsync())
                    .Select(d => (d.IdempotencyKey, d.Channel, d.Status)).ToList();
                notifications = await db.Set<Workflows.Host.Notifications.Notification>().CountAsync();
            }

            var robotKeys = robot.Requests.Where(r => r.Accepted).Select(r => r.IdempotencyKey ?? "").ToList();
            var mailKeys = mail.Messages.Select(m => m.Headers["X-Idempotency-Key"] ?? "").ToList();
            Assert.True(deliveries.Count > 0 && robotKeys.Count > 0, $"no deliveries were made ({deliveries.Count} rows, {robotKeys.Count} robot posts)");
            Assert.All(deliveries, d => Assert.Equal(Workflows.Host.Notifications.DeliveryStatus.Sent, d.Status));
            Assert.Equal(
                deliveries.Where(d => d.Channel == Workflows.Host.Notifications.DeliveryChannel.Webhook).Select(d => d.Key).Order(StringComparer.Ordinal),
                robotKeys.Order(StringComparer.Ordinal));
            Assert.Equal(
                deliveries.Where(d => d.Channel == Workflows.Host.Notifications.DeliveryChannel.Email).Select(d => d.Key).Order(StringComparer.Ordinal),
                mailKeys.Order(StringComparer.Ordinal));
            phases.Mark("notifications");

            var lost = await checks.LostAsync(load.Acks);
            var broken = await checks.BrokenAsync(load.Node(1), hr, load.CurrentMonth);
            phases.Mark("checks");
            ProofSettings.Report($"two nodes (PostgreSQL, both running Hangfire): {figures}; {races} tasks raced 8 ways across the nodes, one winner each; " +
                $"month {month} closed once by 2 job runs and 2 HR closes at once; {firedTimers} timers fired, each once; " +
                $"{notifications} notifications, {robotKeys.Count} robot posts and {mailKeys.Count} e-mails, each delivery once; rows lost {lost.Count}; {phases}");

            Assert.True(figures.ServerErrors == 0, string.Join(Environment.NewLine, load.ServerErrors));
            Assert.Equal(0, figures.TransportErrors);
            Assert.True(lost.Count == 0, string.Join(Environment.NewLine, lost.Take(20)));
            Assert.True(broken.Count == 0, string.Join(Environment.NewLine, broken.Take(20)));
            Assert.True(a.ErrorLines + b.ErrorLines == 0, $"the nodes logged errors{Environment.NewLine}{a.Tail()}{Environment.NewLine}{b.Tail()}");
        }
        finally
        {
            await ProofSettings.DropPostgresAsync(connectionString);
        }
    }

    private static async Task<long> SucceededMonthClosesAsync(string connectionString) =>
        await ScalarAsync(connectionString,
            "SELECT count(*) FROM hangfire.job WHERE statename = 'Succeeded' AND invocationdata::text LIKE '%ClosePreviousMonthAsync%'");

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient node, string token, HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await node.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 && text[0] is '{' or '[' ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }
}
