using System.Globalization;
using System.Net;
using System.Text;
using Workflows.Host.Reports;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Reports;

/// <summary>The applications and cycle-time reports against a scene with known answers, their downloads, and who may read them.</summary>
public abstract class ReportsApiTests(WorkflowsApp app)
{
    private static readonly string[] Endpoints =
        ["/api/reports/applications", "/api/reports/ledger", "/api/reports/cycle-times", "/api/reports/violations"];

    private Task<ReportScene> SceneAsync() => ReportScene.OfAsync(app);

    private async Task<string> NameOfAsync(string userName) =>
        await app.WithDbAsync(db => Task.FromResult(db.Users.Single(u => u.UserName == userName).Name));

    [Fact]
    public async Task Applications_OneRowPerApplication_WithCurrentApproversReturnsAndDaysOpen()
    {
        var s = await SceneAsync();
        using var hr = await app.LoginAsync("hr");
        var body = await ApiAssert.JsonAsync(await hr.GetAsync("/api/reports/applications?from=2026-03-02&to=2026-03-02"));
        var items = body.GetProperty("items");
        Assert.Equal(2, body.GetProperty("total").GetInt32());
        Assert.Equal(2, items.GetArrayLength());

        var promotion = SheetReader.Item(items, s.PromotionId);
        Assert.Equal("promotion", promotion.GetProperty("type").GetString());
        Assert.Equal(s.Team.Member.Id, promotion.GetProperty("subjectId").GetString());
        Assert.Equal("测试" + s.Team.Member.UserName, promotion.GetProperty("subjectName").GetString());
        Assert.Equal(s.GroupName, promotion.GetProperty("groupName").GetString());
        Assert.Equal("Self", promotion.GetProperty("channel").GetString());
        Assert.Equal("Running", promotion.GetProperty("status").GetString());
        Assert.Equal("assess", promotion.GetProperty("currentStep").GetString());
        Assert.Equal([await NameOfAsync("supervisor")], promotion.GetProperty("currentApprovers").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(1, promotion.GetProperty("returns").GetInt32());
        // Filed 2026-03-02 09:00, now 2026-03-03 12:00 in Shanghai: one calendar day.
        Assert.Equal(1, promotion.GetProperty("daysOpen").GetInt32());
        Assert.Equal(JsonValueKindNull, promotion.GetProperty("completedAt").ValueKind);

        var rejected = SheetReader.Item(items, s.RejectedId);
        Assert.Equal("Completed", rejected.GetProperty("status").GetString());
        Assert.Equal("Rejected", rejected.GetProperty("outcome").GetString());
        Assert.Equal(0, rejected.GetProperty("returns").GetInt32());
        Assert.Equal(1, rejected.GetProperty("daysOpen").GetInt32());
        Assert.Empty(rejected.GetProperty("currentApprovers").EnumerateArray());
        Assert.Equal(JsonValueKindNull, rejected.GetProperty("currentStep").ValueKind);

        // The type filter and a range without the scene.
        Assert.Equal(1, (await ApiAssert.JsonAsync(await hr.GetAsync("/api/reports/applications?type=promotion&from=2026-03-01&to=2026-03-31"))).GetProperty("total").GetInt32());
        Assert.Equal(0, (await ApiAssert.JsonAsync(await hr.GetAsync("/api/reports/applications?from=2026-02-01&to=2026-02-28"))).GetProperty("total").GetInt32());
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    [Fact]
    public async Task Applications_PageByPage_WithTheNextCursor_AreTheWholeReportsRowsInItsOrder()
    {
        await SceneAsync();
        using var hr = await app.LoginAsync("hr");
        const string range = "from=2026-01-01&to=2026-12-31";
        var whole = await ApiAssert.JsonAsync(await hr.GetAsync("/api/reports/applications?" + range));
        var expected = whole.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("instanceId").GetString()).ToList();
        Assert.True(expected.Count >= 2, "the scene files at least two applications");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, whole.GetProperty("next").ValueKind);

        var paged = new List<string?>();
        string? next = null;
        var pages = 0;
        do
        {
            var body = await ApiAssert.JsonAsync(await hr.GetAsync($"/api/reports/applications?{range}&pageSize=1" + (next is null ? "" : "&after=" + Uri.EscapeDataString(next))));
            Assert.Equal(expected.Count, body.GetProperty("total").GetInt32());
            paged.AddRange(body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("instanceId").GetString()));
            next = body.GetProperty("next").GetString();
            pages++;
        }
        while (next is not null && pages <= expected.Count);

        Assert.Equal(expected, paged);
        Assert.Equal(expected.Count, pages);

        await ApiAssert.ProblemAsync(await hr.GetAsync($"/api/reports/applications?{range}&pageSize=0"), HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await hr.GetAsync($"/api/reports/applications?{range}&pageSize=5001"), HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await hr.GetAsync($"/api/reports/applications?{range}&pageSize=1&after=yesterday"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task CycleTimes_PerHumanStep_MedianAndNinetiethPercentile_OpenAndOverdue()
    {
        await SceneAsync();
        using var supervisor = await app.LoginAsync("supervisor");
        var rows = (await ApiAssert.JsonAsync(await supervisor.GetAsync("/api/reports/cycle-times?type=promotion&from=2026-03-01&to=2026-03-31")))
            .EnumerateArray().ToDictionary(r => r.GetProperty("step").GetString()!);
        // register: returned after 1 h, approved 2 h after the resubmission → [1, 2]: p50 1.0, p90 2.0.
        Assert.Equal(2, rows["register"].GetProperty("completed").GetInt32());
        Assert.Equal(1.0, rows["register"].GetProperty("p50Hours").GetDouble());
        Assert.Equal(2.0, rows["register"].GetProperty("p90Hours").GetDouble());
        Assert.Equal(0, rows["register"].GetProperty("open").GetInt32());
        Assert.Equal(1, rows["amend"].GetProperty("completed").GetInt32());
        Assert.Equal(0.0, rows["amend"].GetProperty("p50Hours").GetDouble());
        Assert.Equal(0, rows["assess"].GetProperty("completed").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, rows["assess"].GetProperty("p50Hours").ValueKind);
        Assert.Equal(1, rows["assess"].GetProperty("open").GetInt32());
        Assert.Equal(0, rows["assess"].GetProperty("overdue").GetInt32());
        Assert.Equal(3, rows.Count);
    }

    [Fact]
    public async Task ApplicationsWorkbook_HasTheCallersHeaders_DatesAsDates_NumbersAsNumbers()
    {
        var s = await SceneAsync();
        using var hr = await app.LoginAsync("hr");
        using var response = await hr.GetAsync("/api/reports/applications?from=2026-03-02&to=2026-03-02&format=xlsx");
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("applications-20260302-20260302.xlsx", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var book = await SheetReader.ReadAsync(response);
        Assert.Equal(["审批编号", "类型", "申请人", "组别", "申请途径", "发起人", "发起时间", "结束时间", "状态", "结果", "当前步骤", "当前审批人", "历时天数", "退回次数"],
            book.Rows[0].Select(SheetReader.Text));
        // People see the reference number, never the instance's id.
        var reference = await app.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(
            db.Instances.Where(i => i.Id == s.PromotionId).Select(i => i.Number)));
        Assert.DoesNotContain(book.Rows.SelectMany(r => r), c => SheetReader.Text(c) == s.PromotionId);
        Assert.Equal(3, book.Rows.Count);
        Assert.All(book.Rows[0], c => Assert.True(book.IsBold(c)));
        Assert.True(book.HeaderFrozen);
        Assert.Equal("A1:N3", book.Filter);
        var row = book.Rows.FindIndex(r => r.Any(c => SheetReader.Text(c) == Workflows.Host.Runtime.ReferenceNumbers.Format(reference)));
        Assert.True(row > 0);
        Assert.Equal("晋升申请", SheetReader.Text(book.At(row, "类型")!));
        Assert.Equal("个人自荐", SheetReader.Text(book.At(row, "申请途径")!));
        Assert.Equal("部门主管考核批准", SheetReader.Text(book.At(row, "当前步骤")!));
        var started = book.At(row, "发起时间")!;
        Assert.Null(started.DataType);
        Assert.Equal(new DateTime(2026, 3, 2, 9, 0, 0).ToOADate(), double.Parse(started.CellValue!.Text, CultureInfo.InvariantCulture), 6);
        Assert.Equal(Sheet.DateTimeFormat, book.FormatOf(started));
        Assert.Null(book.At(row, "结束时间"));
        var returns = book.At(row, "退回次数")!;
        Assert.Null(returns.DataType);
        Assert.Equal("1", returns.CellValue!.Text);

        using var english = await app.LoginAsync("hr");
        var englishBook = await SheetReader.ReadAsync(await english.GetAsync("/api/reports/applications?from=2026-03-02&to=2026-03-02&format=xlsx&lang=en"));
        Assert.Equal("Reference no.", SheetReader.Text(englishBook.Rows[0][0]));
        Assert.Equal("Type", SheetReader.Text(englishBook.Rows[0][1]));
        Assert.Equal("Times returned", SheetReader.Text(englishBook.Rows[0][13]));
        Assert.Contains(englishBook.Rows.Skip(1), r => SheetReader.Text(r[1]) == "Promotion");
    }

    [Fact]
    public async Task ApplicationsCsv_IsUtf8WithBom_ForExcel()
    {
        var s = await SceneAsync();
        using var hr = await app.LoginAsync("hr");
        using var response = await hr.GetAsync("/api/reports/applications?from=2026-03-02&to=2026-03-02&format=csv");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var lines = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 3, bytes.Length - 3).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("审批编号,类型,申请人,组别,申请途径,发起人,发起时间,结束时间,状态,结果,当前步骤,当前审批人,历时天数,退回次数", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.DoesNotContain(lines, l => l.Contains(s.PromotionId, StringComparison.Ordinal));
        var number = await app.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(
            db.Instances.Where(i => i.Id == s.PromotionId).Select(i => i.Number)));
        var promotion = lines.Single(l => l.StartsWith(Workflows.Host.Runtime.ReferenceNumbers.Format(number) + ",", StringComparison.Ordinal)).Split(',');
        Assert.Equal("2026-03-02 09:00", promotion[6]);
        Assert.Equal("1", promotion[13]);
    }

    [Fact]
    public async Task Reports_AreForbiddenToMembersAndGroupLeaders_AndOpenToHrSupervisorAndManager()
    {
        using var member = await app.LoginAsync("member1a");
        using var leader = await app.LoginAsync("leader1");
        foreach (var url in Endpoints)
        {
            var problem = await ApiAssert.ProblemAsync(await member.GetAsync(url), HttpStatusCode.Forbidden);
            Assert.Contains("HR", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            await ApiAssert.ProblemAsync(await leader.GetAsync(url), HttpStatusCode.Forbidden);
            await ApiAssert.ProblemAsync(await leader.GetAsync(url + "?format=xlsx"), HttpStatusCode.Forbidden);
        }

        foreach (var user in new[] { "hr", "supervisor", "manager" })
        {
            using var client = await app.LoginAsync(user);
            foreach (var url in Endpoints)
            {
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(url)).StatusCode);
            }
        }

        using var hr = await app.LoginAsync("hr");
        await ApiAssert.ProblemAsync(await hr.GetAsync("/api/reports/applications?format=pdf"), HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await hr.GetAsync("/api/reports/applications?from=2026-03-05&to=2026-03-01"), HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await hr.GetAsync("/api/reports/ledger?month=2026-13"), HttpStatusCode.BadRequest);
    }
}

public sealed class ReportsApiTests_Sqlite(SqliteApp app) : ReportsApiTests(app), IClassFixture<SqliteApp>;

public sealed class ReportsApiTests_Postgres : ReportsApiTests, IClassFixture<PostgresApp>
{
    public ReportsApiTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
