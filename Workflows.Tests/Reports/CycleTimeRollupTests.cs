using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Host.Reports;
using Workflows.Tests.Disputes;
using Workflows.Tests.Infrastructure;
using static Workflows.Tests.Disputes.DisputeCalls;

namespace Workflows.Tests.Reports;

/// <summary>
/// Once a month has ended, the hourly rollup seals its tasks' durations into buckets and lists the tasks still open
/// (ADR 0020). The cycle-times report must answer exactly as the tasks themselves do, before and after sealing, while a
/// task of the sealed month is still open, after it completes in the next month, and after the rollup folds it in: each
/// answer is compared with the same days asked so that no sealed month fits inside (read from the tasks alone).
/// </summary>
public abstract class CycleTimeRollupTests(WorkflowsApp app)
{
    private const string March = "type=test&from=2026-03-01&to=2026-03-31";

    /// <summary>The same tasks (none is created on March 1st), over a range that holds no whole sealed month.</summary>
    private const string MarchLive = "type=test&from=2026-03-02&to=2026-03-31";

    [Fact]
    public async Task SealedMonth_AnswersAsItsTasksDo_BeforeAndAfterSealing_WhileATaskIsPending_AndAfterItIsFolded()
    {
        var team = await DisputeTeam.CreateAsync(app);
        var first = await app.StartAsync("test.three-approvals", team.Member.UserName);
        var second = await app.StartAsync("test.three-approvals", team.Colleague.UserName);
        using var leader = await team.LoginAsync(team.Leader);
        using var supervisor = await app.LoginAsync("supervisor");
        // The leader's step: 3 min (0.05 h, exactly on a rounding boundary) and 3 min 20 s, one bucket between them.
        app.Clock.Advance(TimeSpan.FromMinutes(3));
        await ApiAssert.JsonAsync(await CompleteAsync(leader, (await OpenTaskAsync(leader, first))!.Value, "approve"));
        app.Clock.Advance(TimeSpan.FromSeconds(20));
        await ApiAssert.JsonAsync(await CompleteAsync(leader, (await OpenTaskAsync(leader, second))!.Value, "approve"));
        app.Clock.Advance(TimeSpan.FromHours(2));
        await ApiAssert.JsonAsync(await CompleteAsync(supervisor, (await OpenTaskAsync(supervisor, first))!.Value, "approve"));

        // April 1st, 02:00 in Shanghai: March ended two hours ago. The second application's supervisor step (due in three
        // days) and the first's HR step (due in the default working days) are still open, and past due.
        app.Clock.Advance(new DateTimeOffset(2026, 3, 31, 18, 0, 0, TimeSpan.Zero) - app.Clock.GetUtcNow());
        var live = await ReportAsync(March);
        Assert.Equal(live, await ReportAsync(MarchLive));
        var rows = Rows(live);
        Assert.Equal((2, 0.0, 0.1, 0, 0), rows["first"]);
        Assert.Equal((1, 2.0, 2.0, 1, 1), rows["second"]);
        Assert.Equal((0, null, null, 1, 1), rows["third"]);

        Assert.Equal((1, 0), await RollupAsync());
        Assert.Equal(2, await app.WithDbAsync(db => db.Set<CycleTimePendingTask>().CountAsync()));
        Assert.Equal(live, await ReportAsync(March));
        // …and it is read from the sealed buckets: one changed behind the report's back shows in March, not in the live days.
        await app.WithDbAsync(db => db.Set<CycleTimeBucket>().Where(b => b.Type == "test" && b.Step == "second").ExecuteUpdateAsync(u => u.SetProperty(b => b.Completed, b => b.Completed + 1)));
        Assert.Equal(2, Rows(await ReportAsync(March))["second"].Completed);
        Assert.Equal(1, Rows(await ReportAsync(MarchLive))["second"].Completed);
        await app.WithDbAsync(db => db.Set<CycleTimeBucket>().Where(b => b.Type == "test" && b.Step == "second").ExecuteUpdateAsync(u => u.SetProperty(b => b.Completed, b => b.Completed - 1)));
        Assert.Equal(live, await ReportAsync(March));
        Assert.Equal(await ReportAsync("type=test&from=2026-03-02&to=2026-04-01"), await ReportAsync("type=test&from=2026-03-01&to=2026-04-01"));

        // The pending supervisor step completes in April: March's report counts it at once, then again after the fold.
        app.Clock.Advance(TimeSpan.FromHours(5));
        using var supervisorInApril = await app.LoginAsync("supervisor");
        await ApiAssert.JsonAsync(await CompleteAsync(supervisorInApril, (await OpenTaskAsync(supervisorInApril, second))!.Value, "approve"));
        var completed = await ReportAsync(March);
        Assert.Equal(await ReportAsync(MarchLive), completed);
        // 2 h 0 min 20 s, and from March 2nd 09:03:20 to March 31st 23:00 UTC: 717.9 h.
        Assert.Equal((2, 2.0, 717.9, 0, 0), Rows(completed)["second"]);

        Assert.Equal((0, 1), await RollupAsync());
        Assert.Equal(completed, await ReportAsync(March));
        Assert.Equal((0, 0), await RollupAsync());
        Assert.Equal(completed, await ReportAsync(March));
    }

    private async Task<(int Sealed, int Folded)> RollupAsync()
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<CycleTimeRollup>().RunAsync(CancellationToken.None);
    }

    /// <summary>HR's report, signed in at the clock's now (a month later, yesterday's session has expired).</summary>
    private async Task<string> ReportAsync(string query)
    {
        using var client = await app.LoginAsync("hr");
        using var response = await client.GetAsync($"/api/reports/cycle-times?{query}");
        return (await ApiAssert.JsonAsync(response)).GetRawText();
    }

    private static Dictionary<string, (int Completed, double? P50, double? P90, int Open, int Overdue)> Rows(string json) =>
        System.Text.Json.JsonDocument.Parse(json).RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("step").GetString()!, r => (
            r.GetProperty("completed").GetInt32(),
            r.GetProperty("p50Hours").ValueKind == System.Text.Json.JsonValueKind.Null ? (double?)null : r.GetProperty("p50Hours").GetDouble(),
            r.GetProperty("p90Hours").ValueKind == System.Text.Json.JsonValueKind.Null ? (double?)null : r.GetProperty("p90Hours").GetDouble(),
            r.GetProperty("open").GetInt32(),
            r.GetProperty("overdue").GetInt32()));
}

public sealed class CycleTimeRollupTests_Sqlite(SqliteApp app) : CycleTimeRollupTests(app), IClassFixture<SqliteApp>;

public sealed class CycleTimeRollupTests_Postgres : CycleTimeRollupTests, IClassFixture<PostgresApp>
{
    public CycleTimeRollupTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}

/// <summary>Two rollups at once (two nodes, or the hourly job beside the bench): a month is sealed once and a task folded once.</summary>
public abstract class CycleTimeRollupRaceTests(WorkflowsApp app)
{
    [Fact]
    public async Task TwoRunsAtOnce_SealAMonthOnce_AndFoldEachTaskOnce()
    {
        var team = await DisputeTeam.CreateAsync(app);
        var instance = await app.StartAsync("test.three-approvals", team.Member.UserName);
        app.Clock.Advance(new DateTimeOffset(2026, 3, 31, 18, 0, 0, TimeSpan.Zero) - app.Clock.GetUtcNow());

        var runs = await Task.WhenAll(RollupAsync(), RollupAsync());
        Assert.Equal(1, runs.Sum(r => r.Sealed));
        Assert.Equal(1, await app.WithDbAsync(db => db.Set<CycleTimePendingTask>().CountAsync()));

        using var leader = await team.LoginAsync(team.Leader);
        await ApiAssert.JsonAsync(await CompleteAsync(leader, (await OpenTaskAsync(leader, instance))!.Value, "approve"));
        runs = await Task.WhenAll(RollupAsync(), RollupAsync());
        Assert.Equal((0, 1), (runs.Sum(r => r.Sealed), runs.Sum(r => r.Folded)));
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<CycleTimePendingTask>().CountAsync()));
        Assert.Equal(1, await app.WithDbAsync(db => db.Set<CycleTimeBucket>().Where(b => b.Type == "test").SumAsync(b => b.Completed)));

        using var hr = await app.LoginAsync("hr");
        var sealedAnswer = (await ApiAssert.JsonAsync(await hr.GetAsync("/api/reports/cycle-times?type=test&from=2026-03-01&to=2026-03-31"))).GetRawText();
        Assert.Equal((await ApiAssert.JsonAsync(await hr.GetAsync("/api/reports/cycle-times?type=test&from=2026-03-02&to=2026-03-31"))).GetRawText(), sealedAnswer);
    }

    private async Task<(int Sealed, int Folded)> RollupAsync()
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<CycleTimeRollup>().RunAsync(CancellationToken.None);
    }
}

public sealed class CycleTimeRollupRaceTests_Sqlite(SqliteApp app) : CycleTimeRollupRaceTests(app), IClassFixture<SqliteApp>;

public sealed class CycleTimeRollupRaceTests_Postgres : CycleTimeRollupRaceTests, IClassFixture<PostgresApp>
{
    public CycleTimeRollupRaceTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
