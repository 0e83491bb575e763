using System.Net;
using System.Text.Json;
using Workflows.Definitions.Ledger;
using Workflows.Tests.Infrastructure;
using static Workflows.Tests.Violations.RecordsData;
using Workflows.Definitions.Disputes;

namespace Workflows.Tests.Ledger;

/// <summary>
/// Closing February 2026 through HTTP (today is 2026-03-02). Only one test here closes a month, so no test depends
/// on another having closed it; the scenarios that need a closed month before they start have classes of their own.
/// </summary>
public abstract class MonthCloseTests(WorkflowsApp app)
{
    [Fact]
    public async Task CloseMonth_ClosesToTheRightTotals_ClosingAgainChangesNothing_AndTheFundAddsUp()
    {
        var a = await NewMemberAsync(app, "一组");
        var b = await NewMemberAsync(app, "二组");
        await RecordAsync(app, "leader1", a, "2026-02-03", "R06");            // 20 by default
        await RecordAsync(app, "leader1", a, "2026-02-27", "R13", 35m);
        await RecordAsync(app, "leader1", a, "2026-03-01", "R13", 99m);       // March: stays open
        var waived = (await RecordAsync(app, "leader2", b, "2026-02-10", "R02", 40m)).GetProperty("id").GetString()!;
        await DisputeAndDecideAsync(app, waived, new DisputeDecision.Waive(), await IdOfAsync(app, "supervisor"));
        await RecordAsync(app, "leader2", b, "2026-02-11", "R03", 10m);
        await RewardAsync(app, b, 50m, "2026-02-20");
        await RewardAsync(app, a, 5m, "2026-02-21", by: "manager");

        using var hr = await app.LoginAsync("hr");
        var summary = await ApiAssert.JsonAsync(await hr.PostAsync("/api/months/2026-02/close", null));
        Assert.Equal("2026-02", summary.GetProperty("month").GetString());
        Assert.False(summary.GetProperty("alreadyClosed").GetBoolean());
        Assert.Equal(await IdOfAsync(app, "hr"), summary.GetProperty("closedBy").GetString());

        var statementA = await StatementAsync(hr, a, "2026-02");
        Assert.Equal("Closed", statementA.GetProperty("status").GetString());
        Assert.Equal(["Penalty", "Penalty", "Reward"], statementA.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("kind").GetString()));
        Assert.Equal(50m, statementA.GetProperty("total").GetDecimal()); // 20 + 35 − 5
        var statementB = await StatementAsync(hr, b, "2026-02");
        Assert.Equal(["Penalty", "Reward"], statementB.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("kind").GetString()));
        Assert.Equal(-40m, statementB.GetProperty("total").GetDecimal()); // the waived 40 is gone: 10 − 50
        Assert.Equal("Open", (await StatementAsync(hr, a, "2026-03")).GetProperty("status").GetString());
        Assert.Equal(99m, (await StatementAsync(hr, a, "2026-03")).GetProperty("total").GetDecimal());

        // The summary's totals are the closed statements' totals.
        var february = (await ApiAssert.JsonAsync(await hr.GetAsync("/api/statements?month=2026-02"))).EnumerateArray().ToList();
        Assert.Equal(february.Count, summary.GetProperty("statements").GetInt32());
        Assert.Equal(february.Sum(s => s.GetProperty("total").GetDecimal()), summary.GetProperty("total").GetDecimal());

        // Closing again: 200, says so, writes nothing.
        var rows = await LedgerRowsAsync(app);
        var again = await ApiAssert.JsonAsync(await hr.PostAsync("/api/months/2026-02/close", null));
        Assert.True(again.GetProperty("alreadyClosed").GetBoolean());
        Assert.Equal(summary.GetProperty("total").GetDecimal(), again.GetProperty("total").GetDecimal());
        Assert.Equal(summary.GetProperty("closedAt").GetString(), again.GetProperty("closedAt").GetString());
        Assert.Equal(rows, await LedgerRowsAsync(app));
        Assert.Equal(statementA.GetRawText(), (await StatementAsync(hr, a, "2026-02")).GetRawText());

        // The fund: penalties, rewards and net of February are the sums over its statements.
        var fund = await ApiAssert.JsonAsync(await hr.GetAsync("/api/fund?from=2026-02&to=2026-03"));
        var feb = fund.EnumerateArray().Single(m => m.GetProperty("month").GetString() == "2026-02");
        Assert.Equal(february.Sum(s => Sum(s, "Penalty")), feb.GetProperty("penaltiesCollected").GetDecimal());
        Assert.Equal(february.Sum(s => Sum(s, "Reward")), feb.GetProperty("rewardsPaid").GetDecimal());
        Assert.Equal(february.Sum(s => s.GetProperty("total").GetDecimal()), feb.GetProperty("net").GetDecimal());
        var mar = fund.EnumerateArray().Single(m => m.GetProperty("month").GetString() == "2026-03");
        Assert.Equal(feb.GetProperty("balance").GetDecimal() + mar.GetProperty("net").GetDecimal(), mar.GetProperty("balance").GetDecimal());
        Assert.True(feb.GetProperty("penaltiesCollected").GetDecimal() >= 65m);
    }

    [Fact]
    public async Task CloseMonth_Returns422_WhenMonthHasNotEnded_AndWritesNothing()
    {
        using var hr = await app.LoginAsync("hr");
        var rows = await LedgerRowsAsync(app);
        var problem = await ApiAssert.ProblemAsync(await hr.PostAsync("/api/months/2026-03/close", null), (HttpStatusCode)422);
        Assert.Contains("not ended", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await ApiAssert.ProblemAsync(await hr.PostAsync("/api/months/2027-01/close", null), (HttpStatusCode)422);
        Assert.Equal(rows, await LedgerRowsAsync(app));
    }

    [Theory]
    [InlineData("2026-13")]
    [InlineData("2026-2")]
    [InlineData("february")]
    public async Task CloseMonth_Returns400_WhenMonthMalformed(string month)
    {
        using var hr = await app.LoginAsync("hr");
        await ApiAssert.ProblemAsync(await hr.PostAsync($"/api/months/{month}/close", null), HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("supervisor")]
    [InlineData("manager")]
    [InlineData("member1a")]
    public async Task CloseMonth_Returns403_ForAnyoneButHR(string caller)
    {
        using var client = await app.LoginAsync(caller);
        var rows = await LedgerRowsAsync(app);
        await ApiAssert.ProblemAsync(await client.PostAsync("/api/months/2026-01/close", null), HttpStatusCode.Forbidden);
        Assert.Equal(rows, await LedgerRowsAsync(app));
    }

    private static async Task<JsonElement> StatementAsync(HttpClient client, string employeeId, string month) =>
        Assert.Single((await ApiAssert.JsonAsync(await client.GetAsync($"/api/statements?employeeId={employeeId}&month={month}"))).EnumerateArray());

    private static decimal Sum(JsonElement statement, string kind) =>
        statement.GetProperty("lines").EnumerateArray().Where(l => l.GetProperty("kind").GetString() == kind).Sum(l => l.GetProperty("amount").GetDecimal());
}

public sealed class MonthCloseTests_Sqlite(SqliteApp app) : MonthCloseTests(app), IClassFixture<SqliteApp>;

public sealed class MonthCloseTests_Postgres : MonthCloseTests, IClassFixture<PostgresApp>
{
    public MonthCloseTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
