using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Workflows.Host.Platform;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Operations;

/// <summary><c>GET /metrics</c> (who may read it, the business meters moving), the step spans, and the split health checks.</summary>
public abstract class TelemetryTests(OperationsApp app)
{
    private static HttpRequestMessage Metrics(string? remote = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (remote is not null)
        {
            request.Headers.Add(OperationsApp.RemoteHeader, remote);
        }

        return request;
    }

    private async Task<string> ScrapeAsync()
    {
        using var client = app.CreateClient();
        using var response = await client.SendAsync(Metrics("127.0.0.1"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The value of one series (or the sum of the series matching), from Prometheus text.</summary>
    private static double Value(string text, string metric, string? type = null) =>
        text.Split('\n')
            .Where(l => l.StartsWith(metric + "{", StringComparison.Ordinal) || l.StartsWith(metric + " ", StringComparison.Ordinal))
            .Where(l => type is null || l.Contains($"type=\"{type}\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    private async Task<string> ScrapeUntilAsync(Func<string, bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        string text;
        do
        {
            text = await ScrapeAsync();
            if (condition(text))
            {
                return text;
            }

            await Task.Delay(100);
        }
        while (clock.Elapsed < TimeSpan.FromSeconds(10));

        Assert.Fail($"/metrics never showed {what}:\n{string.Join('\n', text.Split('\n').Where(l => l.StartsWith("workflows_", StringComparison.Ordinal)))}");
        return text;
    }

    [Fact]
    public async Task Metrics_AnswerLoopbackAndHr_AndRefuseOthers()
    {
        using var anonymous = app.CreateClient();
        // ASP.NET Core's request meter shows once a request has been served: serve one, whatever ran before this test.
        (await anonymous.GetAsync("/api/system")).Dispose();
        using (var local = await anonymous.SendAsync(Metrics("127.0.0.1")))
        {
            Assert.Equal(HttpStatusCode.OK, local.StatusCode);
            var text = await local.Content.ReadAsStringAsync();
            foreach (var metric in new[] { "workflows_tasks_open", "workflows_tasks_overdue", "workflows_instances_running", "workflows_incidents_open", "workflows_notification_deliveries_failed" })
            {
                Assert.Contains($"# TYPE {metric} gauge", text, StringComparison.Ordinal);
            }

            Assert.Contains("workflows_tasks_open{", text, StringComparison.Ordinal);
            Assert.Contains("type=\"shift-swap\"", text, StringComparison.Ordinal);
            Assert.Contains("http_server_request_duration_seconds", text, StringComparison.Ordinal); // ASP.NET Core's meter
            Assert.Contains("dotnet_gc_", text, StringComparison.Ordinal); // the runtime's
        }

        using (var ipv6 = await anonymous.SendAsync(Metrics("::1")))
        {
            Assert.Equal(HttpStatusCode.OK, ipv6.StatusCode);
        }

        // From elsewhere (a forwarded address): a member is refused, anonymous must sign in, HR may read.
        using var member = await app.LoginAsync("member1a");
        await ApiAssert.ProblemAsync(await member.SendAsync(Metrics()), HttpStatusCode.Forbidden);
        await ApiAssert.ProblemAsync(await anonymous.SendAsync(Metrics("198.51.100.20")), HttpStatusCode.Unauthorized);
        using var hr = await app.LoginAsync("hr");
        using var forHr = await hr.SendAsync(Metrics());
        Assert.Equal(HttpStatusCode.OK, forHr.StatusCode);
    }

    [Fact]
    public async Task Metrics_MoveWhenATaskOpensAndCloses_AndEachStepHasASpan()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == Telemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);

        var before = await ScrapeAsync();
        var open = Value(before, "workflows_tasks_open", "promotion");
        var running = Value(before, "workflows_instances_running", "promotion");
        var steps = Value(before, "workflows_step_duration_seconds_count", "promotion");

        using var member = await app.LoginAsync("member1b");
        var filed = await ApiAssert.JsonAsync(await member.PostAsJsonAsync("/api/promotions",
            new { candidateId = await app.IdOfAsync("member1b"), targetRank = "GroupLeader", channel = "Self", statement = "指标 metrics" }), HttpStatusCode.Created);
        var instanceId = filed.GetProperty("id").GetString()!;
        // Other instances of the class's host may start or end meanwhile: the counts move at least by this one.
        var filedState = await ScrapeUntilAsync(t => Value(t, "workflows_tasks_open", "promotion") >= open + 1
            && Value(t, "workflows_instances_running", "promotion") >= running + 1
            && Value(t, "workflows_step_duration_seconds_count", "promotion") > steps, "the new task, the running instance and a step");
        open = Value(filedState, "workflows_tasks_open", "promotion") - 1;
        running = Value(filedState, "workflows_instances_running", "promotion") - 1;

        var task = await app.TaskInInboxAsync("hr", instanceId);
        // The task falls due later; with the clock past it, it counts as overdue.
        if (task.GetProperty("dueAt").ValueKind == JsonValueKind.String)
        {
            var overdue = Value(await ScrapeAsync(), "workflows_tasks_overdue", "promotion");
            app.Clock.SetUtcNow(task.GetProperty("dueAt").GetDateTimeOffset().AddMinutes(1));
            await ScrapeUntilAsync(t => Value(t, "workflows_tasks_overdue", "promotion") == overdue + 1, "the overdue task");
        }

        using var hr = await app.LoginAsync("hr");
        await ApiAssert.JsonAsync(await hr.PostAsJsonAsync($"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { action = "reject", comment = "指标测试 metrics test" }));
        await ScrapeUntilAsync(t => Value(t, "workflows_tasks_open", "promotion") == open
            && Value(t, "workflows_instances_running", "promotion") == running, "the task completed and the instance finished");
        Assert.Contains("workflows_step_duration_seconds_bucket{", await ScrapeAsync(), StringComparison.Ordinal);

        var mine = spans.Where(s => (string?)s.GetTagItem("workflow.instance") == instanceId).ToList();
        Assert.Contains(mine, s => (string?)s.GetTagItem("workflow.step") == "register" && (string?)s.GetTagItem("workflow.action") == "reject");
        Assert.Contains(mine, s => (string?)s.GetTagItem("workflow.action") == "Start");
        Assert.All(mine, s => Assert.True(s.Duration > TimeSpan.Zero));
    }

    [Fact]
    public async Task Health_IsSplitIntoLiveAndReady_AndHealthStillAnswers()
    {
        using var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        var ready = await ApiAssert.JsonAsync(await client.GetAsync("/health/ready"));
        Assert.Equal("Healthy", ready.GetProperty("status").GetString());
        var checks = ready.GetProperty("checks");
        Assert.Equal(["database", "job-storage", "migrations"], checks.EnumerateObject().Select(c => c.Name).Order());
        Assert.All(checks.EnumerateObject(), c => Assert.Equal("Healthy", c.Value.GetProperty("status").GetString()));
    }
}

/// <summary>
/// OpenTelemetry's meter listener is process-wide: it observes every meter named "Workflows", including those of the
/// other test hosts alive in this process (each with its own database), so a scrape may report another host's counts.
/// These tests therefore run alone, after the parallel classes have disposed their hosts. A production process runs one
/// host and has one such meter.
/// </summary>
[CollectionDefinition(nameof(ProcessWideMetersCollection), DisableParallelization = true)]
public sealed class ProcessWideMetersCollection;

[Collection(nameof(ProcessWideMetersCollection))]
public sealed class TelemetryTests_Sqlite(OperationsSqliteApp app) : TelemetryTests(app), IClassFixture<OperationsSqliteApp>;

[Collection(nameof(ProcessWideMetersCollection))]
public sealed class TelemetryTests_Postgres : TelemetryTests, IClassFixture<OperationsPostgresApp>
{
    public TelemetryTests_Postgres(OperationsPostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
