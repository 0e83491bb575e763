using System.Net;
using Workflows.Tests.Infrastructure;
using static Workflows.Tests.Disputes.DisputeCalls;

namespace Workflows.Tests.Disputes;

/// <summary>
/// A dispute decided after its month closed: the closed statement stays, the next statement carries the adjustment;
/// and the window shuts 7 days after the close. One story, because closing a month is global to the database.
/// </summary>
public abstract class DisputeClosedMonthTests(WorkflowsApp app)
{
    [Fact]
    public async Task WaiveAfterClose_AdjustsTheNextStatement_AndTheWindowShutsAfter7Days()
    {
        var team = await DisputeTeam.CreateAsync(app);
        using var hr = await app.LoginAsync("hr");
        var disputed = await RecordAsync(hr, team.Member.Id, "2026-02-10", 40m);
        var late = await RecordAsync(hr, team.Member.Id, "2026-02-11", 20m);

        // The fake clock is in March (UTC), so February has ended: HR closes it.
        Assert.Equal(3, app.Clock.GetUtcNow().Month);
        await ApiAssert.JsonAsync(await hr.PostAsync("/api/months/2026-02/close", null));
        var february = (await StatementAsync(app, team.Member.Id, "2026-02")).GetRawText();
        Assert.Contains("\"status\":\"Closed\"", february, StringComparison.Ordinal);
        Assert.Equal(60m, (await StatementAsync(app, team.Member.Id, "2026-02")).GetProperty("total").GetDecimal());

        using var member = await team.LoginAsync(team.Member);
        var instanceId = (await OpenAsync(member, disputed)).GetProperty("id").GetString()!;
        using var leader = await team.LoginAsync(team.Leader);
        await ApiAssert.JsonAsync(await CompleteAsync(leader, (await OpenTaskAsync(leader, instanceId))!.Value, "waive"));
        using var supervisor = await app.LoginAsync("supervisor");
        var done = await ApiAssert.JsonAsync(await CompleteAsync(supervisor, (await OpenTaskAsync(supervisor, instanceId))!.Value, "waive"));
        Assert.Equal("Waived", done.GetProperty("outcome").GetString());
        Assert.Equal(-40m, done.GetProperty("data").GetProperty("adjustmentAmount").GetDecimal());

        // February never changes; March carries −40 for the waived penalty.
        Assert.Equal(february, (await StatementAsync(app, team.Member.Id, "2026-02")).GetRawText());
        var march = await StatementAsync(app, team.Member.Id, "2026-03");
        Assert.Equal("Open", march.GetProperty("status").GetString());
        var adjustment = Assert.Single(march.GetProperty("lines").EnumerateArray());
        Assert.Equal("Adjustment", adjustment.GetProperty("kind").GetString());
        Assert.Equal(disputed, adjustment.GetProperty("violationId").GetString());
        Assert.Equal(-40m, adjustment.GetProperty("amount").GetDecimal());
        Assert.Equal(-40m, march.GetProperty("total").GetDecimal());

        // February's other penalty: disputable until 7 days after the close, refused on the 8th.
        app.Clock.Advance(TimeSpan.FromDays(8));
        var refused = await ApiAssert.ProblemAsync(await (await team.LoginAsync(team.Member)).PostAsync("/api/disputes",
            System.Net.Http.Json.JsonContent.Create(new { violationId = late, reason = "太晚了" })), HttpStatusCode.UnprocessableEntity);
        Assert.StartsWith("申诉期已于 ", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Active", (await ViolationAsync(app, late)).GetProperty("status").GetString());
    }
}

public sealed class DisputeClosedMonthTests_Sqlite(SqliteApp app) : DisputeClosedMonthTests(app), IClassFixture<SqliteApp>;

public sealed class DisputeClosedMonthTests_Postgres : DisputeClosedMonthTests, IClassFixture<PostgresApp>
{
    public DisputeClosedMonthTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
