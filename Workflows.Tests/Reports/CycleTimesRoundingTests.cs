using Workflows.Tests.Disputes;
using Workflows.Tests.Infrastructure;
using static Workflows.Tests.Disputes.DisputeCalls;

namespace Workflows.Tests.Reports;

/// <summary>
/// The cycle-times percentiles are the nearest-rank durations rounded to a tenth of an hour, also when durations sit on
/// either side of a rounding boundary: 3 minutes is 0.05 h (rounds to 0.0), 3 minutes 20 seconds is 0.0556 h (0.1).
/// PostgreSQL counts durations in tenth-of-an-hour buckets; these two share one, so its median and 90th percentile are
/// read exactly from the durations, not from the bucket.
/// </summary>
public abstract class CycleTimesRoundingTests(WorkflowsApp app)
{
    [Fact]
    public async Task Percentiles_OnEitherSideOfARoundingBoundary_AreTheDurationsOwnRoundings()
    {
        var team = await DisputeTeam.CreateAsync(app);
        var first = await app.StartAsync("test.three-approvals", team.Member.UserName);
        var second = await app.StartAsync("test.three-approvals", team.Colleague.UserName);
        using var leader = await team.LoginAsync(team.Leader);
        app.Clock.Advance(TimeSpan.FromMinutes(3));
        await ApiAssert.JsonAsync(await CompleteAsync(leader, (await OpenTaskAsync(leader, first))!.Value, "approve"));
        app.Clock.Advance(TimeSpan.FromSeconds(20));
        await ApiAssert.JsonAsync(await CompleteAsync(leader, (await OpenTaskAsync(leader, second))!.Value, "approve"));

        using var hr = await app.LoginAsync("hr");
        var day = app.Clock.GetUtcNow().AddHours(8).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var rows = (await ApiAssert.JsonAsync(await hr.GetAsync($"/api/reports/cycle-times?type=test&from={day}&to={day}")))
            .EnumerateArray().ToDictionary(r => r.GetProperty("step").GetString()!);
        Assert.Equal(2, rows["first"].GetProperty("completed").GetInt32());
        Assert.Equal(0.0, rows["first"].GetProperty("p50Hours").GetDouble());
        Assert.Equal(0.1, rows["first"].GetProperty("p90Hours").GetDouble());
        Assert.Equal(2, rows["second"].GetProperty("open").GetInt32());
        Assert.Equal(0, rows["second"].GetProperty("completed").GetInt32());
    }
}

public sealed class CycleTimesRoundingTests_Sqlite(SqliteApp app) : CycleTimesRoundingTests(app), IClassFixture<SqliteApp>;

public sealed class CycleTimesRoundingTests_Postgres : CycleTimesRoundingTests, IClassFixture<PostgresApp>
{
    public CycleTimesRoundingTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
