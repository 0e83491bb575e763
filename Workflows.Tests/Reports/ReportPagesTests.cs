using System.Net;
using System.Text.RegularExpressions;
using Workflows.Tests.Infrastructure;
using Workflows.Tests.Web;

namespace Workflows.Tests.Reports;

/// <summary>The dashboard, the printable trace and the printed 《晋升申请表》 as HR reads them: Chinese, no ids, no JSON.</summary>
public abstract partial class ReportPagesTests(WorkflowsApp app)
{
    private Task<ReportScene> SceneAsync() => ReportScene.OfAsync(app);

    /// <summary>What a reader sees: the page's text without its markup (links and hidden fields may carry ids).</summary>
    private static string Visible(string html) =>
        System.Net.WebUtility.HtmlDecode(Tags().Replace(Scripts().Replace(html, ""), " "));

    private static void AssertReadable(string html)
    {
        var text = Visible(html);
        Assert.DoesNotMatch(Guid(), text);
        Assert.DoesNotContain("{\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_RendersForHrInChinese_WithChartsAndTheirTables()
    {
        var s = await SceneAsync();
        using var hr = await WebSession.SignInAsync(app, "hr");
        var (status, html) = await hr.GetAsync("/Reports");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("报表看板", html, StringComparison.Ordinal);
        foreach (var chart in new[] { "chart-steps", "chart-approvers", "chart-cycle" })
        {
            Assert.Contains($"<svg id=\"{chart}\"", html, StringComparison.Ordinal);
        }

        // The promotion waits for the supervisor: its step and approver are on the page, with their table rows.
        Assert.Contains("部门主管考核批准", Visible(html), StringComparison.Ordinal);
        Assert.Contains(await app.WithDbAsync(db => Task.FromResult(db.Users.Single(u => u.UserName == "supervisor").Name)), Visible(html), StringComparison.Ordinal);
        Assert.Contains("id=\"download-applications\"", html, StringComparison.Ordinal);
        AssertReadable(html);
        Assert.NotNull(s);

        using var member = await WebSession.SignInAsync(app, "member1a");
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/Reports")).Status);
        using var leader = await WebSession.SignInAsync(app, "leader1");
        Assert.Equal(HttpStatusCode.Forbidden, (await leader.GetAsync("/Reports")).Status);
    }

    [Fact]
    public async Task PromotionForm_PrintsTheFormAsFiled_TheEligibility_AndEveryDecision()
    {
        var s = await SceneAsync();
        using var hr = await WebSession.SignInAsync(app, "hr");
        var (status, html) = await hr.GetAsync($"/Promotions/Print/{s.PromotionId}");
        Assert.Equal(HttpStatusCode.OK, status);
        var text = Visible(html);
        Assert.Contains("《晋升申请表》", text, StringComparison.Ordinal);
        Assert.Contains("测试" + s.Team.Member.UserName, text, StringComparison.Ordinal);
        Assert.Contains("个人自荐", text, StringComparison.Ordinal);
        Assert.Contains("补充：带教新人 3 名", text, StringComparison.Ordinal);
        Assert.Contains("符合条件", text, StringComparison.Ordinal);
        Assert.Contains("请补充业绩", text, StringComparison.Ordinal);
        Assert.Contains("材料齐全", text, StringComparison.Ordinal);
        Assert.Contains("2026-03-02 10:00", text, StringComparison.Ordinal);
        Assert.Contains("@media print", await (await hr.GetResponseAsync("/css/site.css")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        AssertReadable(html);

        using var outsider = await WebSession.SignInAsync(app, "member3a");
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync($"/Promotions/Print/{s.PromotionId}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await hr.GetAsync($"/Promotions/Print/{s.RejectedId}")).Status);
    }

    [Fact]
    public async Task Trace_ListsEveryHistoryEntryInWords_ForHrOnly()
    {
        var s = await SceneAsync();
        using var hr = await WebSession.SignInAsync(app, "hr");
        var (status, html) = await hr.GetAsync($"/History/Trace/{s.PromotionId}");
        Assert.Equal(HttpStatusCode.OK, status);
        var entries = await app.HistoryAsync(s.PromotionId);
        Assert.Equal(entries.Length, Rows().Count(html.Split("<tbody>")[1]));
        var text = Visible(html);
        Assert.Contains("退回", text, StringComparison.Ordinal);
        Assert.Contains("人事部", text, StringComparison.Ordinal);
        AssertReadable(html);

        using var member = await WebSession.SignInAsync(app, "member1a");
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync($"/History/Trace/{s.PromotionId}")).Status);
    }

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();

    [GeneratedRegex("<script[^>]*>.*?</script>", RegexOptions.Singleline)]
    private static partial Regex Scripts();

    [GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex Guid();

    [GeneratedRegex("<tr[ >]")]
    private static partial Regex Rows();
}

public sealed class ReportPagesTests_Sqlite(SqliteApp app) : ReportPagesTests(app), IClassFixture<SqliteApp>;

public sealed class ReportPagesTests_Postgres : ReportPagesTests, IClassFixture<PostgresApp>
{
    public ReportPagesTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
