using System.Net.Http.Json;
using System.Text.Json;
using Workflows.Tests.Infrastructure;
using static Workflows.Tests.Violations.RecordsData;

namespace Workflows.Tests.Ledger;

/// <summary>
/// Months stay months (docs/domain.md §The ledger and month close, ADR 0003): the very first close (February 2026; today is 2026-03-02) closes every
/// earlier month with open lines first, in order, each with its own lines — nothing is swept into February — and the
/// department fund's months stay the same. A class of its own, because closing is global to the database.
/// </summary>
public abstract class FirstCloseTests(WorkflowsApp app)
{
    [Fact]
    public async Task FirstClose_ClosesEarlierMonthsInOrder_EachWithItsOwnLines_AndTheFundKeepsItsMonths()
    {
        var a = await NewMemberAsync(app, "一组");
        var b = await NewMemberAsync(app, "二组");
        var december = (await RecordAsync(app, "leader1", a, "2025-12-10", "R06", 20m)).GetProperty("id").GetString()!;
        var january = (await RecordAsync(app, "leader1", a, "2026-01-20", "R13", 35m)).GetProperty("id").GetString()!;
        await RewardAsync(app, b, 50m, "2026-01-15");
        var february = (await RecordAsync(app, "leader2", b, "2026-02-03", "R02", 10m)).GetProperty("id").GetString()!;

        using var hr = await app.LoginAsync("hr");
        string[] months = ["2025-12", "2026-01", "2026-02"];
        var open = new Dictionary<(string, string), JsonElement>();
        foreach (var month in months)
        {
            foreach (var employee in new[] { a, b })
            {
                var statement = await StatementAsync(hr, employee, month);
                Assert.Equal("Open", statement.GetProperty("status").GetString());
                open[(employee, month)] = statement;
            }
        }

        var fundBefore = await FundAsync(hr);
        var summary = await ApiAssert.JsonAsync(await hr.PostAsync("/api/months/2026-02/close", null));
        var alsoClosed = summary.GetProperty("alsoClosed").EnumerateArray().Select(m => m.GetString()).ToList();
        Assert.Equal(["2025-12", "2026-01"], alsoClosed.Where(m => string.CompareOrdinal(m, "2025-12") >= 0));

        // Each month closed with exactly the lines it showed while open; nothing moved to February.
        foreach (var month in months)
        {
            foreach (var employee in new[] { a, b })
            {
                var closed = await StatementAsync(hr, employee, month);
                Assert.Equal("Closed", closed.GetProperty("status").GetString());
                Assert.Equal(open[(employee, month)].GetProperty("lines").GetRawText(), closed.GetProperty("lines").GetRawText());
                Assert.Equal(open[(employee, month)].GetProperty("total").GetDecimal(), closed.GetProperty("total").GetDecimal());
            }
        }

        Assert.Equal([december], Violations(await StatementAsync(hr, a, "2025-12")));
        Assert.Equal([january], Violations(await StatementAsync(hr, a, "2026-01")));
        Assert.Empty((await StatementAsync(hr, a, "2026-02")).GetProperty("lines").EnumerateArray());
        Assert.Equal(-50m, (await StatementAsync(hr, b, "2026-01")).GetProperty("total").GetDecimal());
        Assert.Equal([february], Violations(await StatementAsync(hr, b, "2026-02")));

        // The fund: every month as it was while open, and each month's figures are that month's statements.
        var fundAfter = await FundAsync(hr);
        foreach (var month in months)
        {
            Assert.Equal(fundBefore[month].GetRawText(), fundAfter[month].GetRawText());
            var statements = (await ApiAssert.JsonAsync(await hr.GetAsync($"/api/statements?month={month}"))).EnumerateArray().ToList();
            Assert.Equal(statements.Sum(s => Sum(s, "Penalty")), fundAfter[month].GetProperty("penaltiesCollected").GetDecimal());
            Assert.Equal(statements.Sum(s => Sum(s, "Reward")), fundAfter[month].GetProperty("rewardsPaid").GetDecimal());
        }

        Assert.True(fundAfter["2025-12"].GetProperty("penaltiesCollected").GetDecimal() >= 20m);
        Assert.True(fundAfter["2026-01"].GetProperty("rewardsPaid").GetDecimal() >= 50m);

        // A violation dated in a closed month, recorded now, is carried by the first open month (March), as before.
        var late = (await RecordAsync(app, "leader1", a, "2025-12-20", "R02", 7m)).GetProperty("id").GetString()!;
        Assert.Equal([december], Violations(await StatementAsync(hr, a, "2025-12")));
        Assert.Equal([late], Violations(await StatementAsync(hr, a, "2026-03")));
    }

    private static async Task<JsonElement> StatementAsync(HttpClient client, string employeeId, string month) =>
        (await ApiAssert.JsonAsync(await client.GetAsync($"/api/statements?employeeId={employeeId}&month={month}"))).EnumerateArray().Single();

    private static string[] Violations(JsonElement statement) =>
        [.. statement.GetProperty("lines").EnumerateArray().Where(l => l.GetProperty("kind").GetString() == "Penalty").Select(l => l.GetProperty("violationId").GetString()!)];

    private static decimal Sum(JsonElement statement, string kind) =>
        statement.GetProperty("lines").EnumerateArray().Where(l => l.GetProperty("kind").GetString() == kind).Sum(l => l.GetProperty("amount").GetDecimal());

    private static async Task<Dictionary<string, JsonElement>> FundAsync(HttpClient client) =>
        (await ApiAssert.JsonAsync(await client.GetAsync("/api/fund?from=2025-12&to=2026-02"))).EnumerateArray()
            .ToDictionary(m => m.GetProperty("month").GetString()!, m => m.Clone());
}

public sealed class FirstCloseTests_Sqlite(SqliteApp app) : FirstCloseTests(app), IClassFixture<SqliteApp>;

public sealed class FirstCloseTests_Postgres : FirstCloseTests, IClassFixture<PostgresApp>
{
    public FirstCloseTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
