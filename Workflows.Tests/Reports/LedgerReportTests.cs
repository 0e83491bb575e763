using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Workflows.Host.Reports;
using Workflows.Tests.Disputes;
using Workflows.Tests.Infrastructure;
using static Workflows.Tests.Disputes.DisputeCalls;

namespace Workflows.Tests.Reports;

/// <summary>
/// The monthly ledger report and the violations report against hand-computed figures, including a penalty waived after
/// its month closed (an adjustment in the next month). One story: closing a month is global to the database.
/// </summary>
public abstract class LedgerReportTests(WorkflowsApp app)
{
    private static JsonElement Employee(JsonElement report, string id) =>
        report.GetProperty("employees").EnumerateArray().Single(e => e.GetProperty("employeeId").GetString() == id);

    private static decimal Amount(DocumentFormat.OpenXml.Spreadsheet.Cell cell) =>
        decimal.Parse(cell.CellValue!.Text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Ledger_EveryEmployeeAndTheFund_AddUp_AcrossAClosedMonthAndAnAdjustment()
    {
        var team = await DisputeTeam.CreateAsync(app);
        using var hr = await app.LoginAsync("hr");
        var disputed = await RecordAsync(hr, team.Member.Id, "2026-02-10", 40m);
        await RecordAsync(hr, team.Member.Id, "2026-02-11", 20m);
        await RecordAsync(hr, team.Colleague.Id, "2026-02-12", 15m, "R03");
        using var supervisor = await app.LoginAsync("supervisor");
        await ApiAssert.JsonAsync(await supervisor.PostAsJsonAsync("/api/rewards",
            new { employeeId = team.Colleague.Id, amount = 10m, reason = "表现突出", awardedOn = "2026-02-20" }), HttpStatusCode.Created);
        await ApiAssert.JsonAsync(await hr.PostAsync("/api/months/2026-02/close", null));

        using var member = await team.LoginAsync(team.Member);
        var instanceId = (await OpenAsync(member, disputed)).GetProperty("id").GetString()!;
        using var leader = await team.LoginAsync(team.Leader);
        await ApiAssert.JsonAsync(await CompleteAsync(leader, (await OpenTaskAsync(leader, instanceId))!.Value, "waive"));
        await ApiAssert.JsonAsync(await CompleteAsync(supervisor, (await OpenTaskAsync(supervisor, instanceId))!.Value, "waive"));

        // February, closed: member 40 + 20 = 60; colleague 15 − 10 = 5; the leader is listed with zeros. Fund: 75 in, 10 out.
        var february = await ApiAssert.JsonAsync(await hr.GetAsync("/api/reports/ledger?month=2026-02"));
        Assert.Equal("2026-02", february.GetProperty("month").GetString());
        Assert.Equal("Closed", february.GetProperty("status").GetString());
        Assert.Equal(60m, Employee(february, team.Member.Id).GetProperty("penalties").GetDecimal());
        Assert.Equal(60m, Employee(february, team.Member.Id).GetProperty("total").GetDecimal());
        Assert.Equal(15m, Employee(february, team.Colleague.Id).GetProperty("penalties").GetDecimal());
        Assert.Equal(10m, Employee(february, team.Colleague.Id).GetProperty("rewards").GetDecimal());
        Assert.Equal(5m, Employee(february, team.Colleague.Id).GetProperty("total").GetDecimal());
        Assert.Equal(0m, Employee(february, team.Leader.Id).GetProperty("total").GetDecimal());
        Assert.Equal(0m, Employee(february, await app.IdOfAsync("member1a")).GetProperty("total").GetDecimal());
        var fund = february.GetProperty("fund");
        Assert.Equal(75m, fund.GetProperty("penalties").GetDecimal());
        Assert.Equal(10m, fund.GetProperty("rewards").GetDecimal());
        Assert.Equal(0m, fund.GetProperty("adjustments").GetDecimal());
        Assert.Equal(65m, fund.GetProperty("balance").GetDecimal());
        Assert.Equal(65m, february.GetProperty("employees").EnumerateArray().Sum(e => e.GetProperty("total").GetDecimal()));

        // March, open: the waived 40 comes back as −40; the balance runs on from February's.
        var march = await ApiAssert.JsonAsync(await hr.GetAsync("/api/reports/ledger?month=2026-03"));
        Assert.Equal("Open", march.GetProperty("status").GetString());
        Assert.Equal(-40m, Employee(march, team.Member.Id).GetProperty("adjustments").GetDecimal());
        Assert.Equal(-40m, Employee(march, team.Member.Id).GetProperty("total").GetDecimal());
        Assert.Equal(-40m, march.GetProperty("fund").GetProperty("adjustments").GetDecimal());
        Assert.Equal(0m, march.GetProperty("fund").GetProperty("penalties").GetDecimal());
        Assert.Equal(25m, march.GetProperty("fund").GetProperty("balance").GetDecimal());

        // Violations by group, rule and month: the waived one is not a violation any more.
        var violations = (await ApiAssert.JsonAsync(await hr.GetAsync("/api/reports/violations?from=2026-02-01&to=2026-03-31"))).EnumerateArray().ToList();
        var groupName = (await ApiAssert.JsonAsync(await hr.GetAsync("/api/groups"))).EnumerateArray()
            .Single(g => g.GetProperty("id").GetString() == team.GroupId).GetProperty("name").GetString();
        var r06 = violations.Single(v => v.GetProperty("groupName").GetString() == groupName && v.GetProperty("ruleCode").GetString() == "R06");
        Assert.Equal("2026-02", r06.GetProperty("month").GetString());
        Assert.Equal(1, r06.GetProperty("count").GetInt32());
        Assert.Equal(20m, r06.GetProperty("amount").GetDecimal());
        var r03 = violations.Single(v => v.GetProperty("groupName").GetString() == groupName && v.GetProperty("ruleCode").GetString() == "R03");
        Assert.Equal(1, r03.GetProperty("count").GetInt32());
        Assert.Equal(15m, r03.GetProperty("amount").GetDecimal());
        Assert.Equal(2, violations.Count);

        // The workbook: the caller's headers, amounts as numbers in yuan, the department total and the fund balance.
        var book = await SheetReader.ReadAsync(await hr.GetAsync("/api/reports/ledger?month=2026-02&format=xlsx"));
        Assert.Equal(["姓名", "组别", "乐捐", "奖励", "调整", "合计"], book.Rows[0].Select(SheetReader.Text));
        var row = book.Rows.FindIndex(r => r.Count > 0 && SheetReader.Text(r[0]) == "测试" + team.Member.UserName);
        var total = book.At(row, "合计")!;
        Assert.Null(total.DataType);
        Assert.Equal(60m, Amount(total));
        Assert.Equal(Sheet.MoneyFormat, book.FormatOf(total));
        Assert.Equal("部门合计", SheetReader.Text(book.Rows[^2][0]));
        Assert.Equal(65m, Amount(book.At(book.Rows.Count - 2, "合计")!));
        Assert.Equal("基金余额", SheetReader.Text(book.Rows[^1][0]));
        Assert.Equal(65m, Amount(book.At(book.Rows.Count - 1, "合计")!));
        // The two total rows follow the table (in bold), so sorting or filtering the employees never moves them.
        Assert.Equal($"A1:F{book.Rows.Count - 2}", book.Filter);
        Assert.All(book.Rows[^2].Concat(book.Rows[^1]).Where(c => SheetReader.Text(c).Length > 0), c => Assert.True(book.IsBold(c)));

        using var csv = await hr.GetAsync("/api/reports/ledger?month=2026-03&format=csv");
        var bytes = await csv.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var lines = new UTF8Encoding(false).GetString(bytes, 3, bytes.Length - 3).Split("\r\n");
        Assert.Equal("姓名,组别,乐捐,奖励,调整,合计", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("测试" + team.Member.UserName + ",", StringComparison.Ordinal) && l.EndsWith(",0.00,0.00,-40.00,-40.00", StringComparison.Ordinal));
    }
}

public sealed class LedgerReportTests_Sqlite(SqliteApp app) : LedgerReportTests(app), IClassFixture<SqliteApp>;

public sealed class LedgerReportTests_Postgres : LedgerReportTests, IClassFixture<PostgresApp>
{
    public LedgerReportTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
