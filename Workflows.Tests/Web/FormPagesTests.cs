using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions.Violations;
using Workflows.Host.Violations;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Web;

/// <summary>
/// The filing forms (promotion, shift swap, dispute) through cookie sign-in and real form posts: the eligibility
/// explanation before submitting, localized field messages, refusals on the page, and nobody reaching another
/// person's records through them.
/// </summary>
public abstract class FormPagesTests(WorkflowsApp app)
{
    [Fact]
    public async Task PromotionForm_ShowsEligibilityBeforeSubmitting_ValidatesOnTheServer_ThenFilesAndRedirects()
    {
        using var member = await WebSession.SignInAsync(app, "member1a");
        var (status, form) = await member.GetAsync("/Promotions/New");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("id=\"verdict\">✓ 符合条件", form, StringComparison.Ordinal);
        Assert.Contains("申请日前 3 个月：2025-12-02 至 2026-03-02", form, StringComparison.Ordinal);
        Assert.Contains("value=\"Self\"", form, StringComparison.Ordinal);

        var me = await app.IdOfAsync("member1a");
        var fields = new Dictionary<string, string> { ["CandidateId"] = me, ["TargetRank"] = "GroupLeader", ["Channel"] = "Self", ["Statement"] = " " };
        var (invalid, page) = await member.SubmitAsync("/Promotions/New", form, fields);
        Assert.Equal(HttpStatusCode.BadRequest, invalid);
        Assert.Contains("请填写申请理由（最多 4000 字）。", page, StringComparison.Ordinal);
        Assert.Equal(0, await app.WithDbAsync(db => db.Instances.CountAsync(i => i.SubjectId == me)));

        fields["Statement"] = "<script>alert(1)</script> 希望承担更多责任";
        using var filed = await member.PostFormAsync("/Promotions/New", form, fields);
        Assert.Equal(HttpStatusCode.Redirect, filed.StatusCode);
        var id = await app.WithDbAsync(db => db.Instances.Where(i => i.SubjectId == me).Select(i => i.Id).SingleAsync());
        Assert.Equal($"/Instances/{id}", filed.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task PromotionForm_WithAViolationInTheWindow_ExplainsWhyAndTheEarliestDate()
    {
        var member = await app.IdOfAsync("member1b");
        using (var leader = await app.LoginAsync("leader1"))
        {
            (await leader.PostAsJsonAsync("/api/violations", new { employeeId = member, ruleCode = "R01", occurredOn = "2026-02-10", description = "迟到" }))
                .EnsureSuccessStatusCode();
        }

        using var session = await WebSession.SignInAsync(app, "member1b");
        var (status, form) = await session.GetAsync("/Promotions/New");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("id=\"verdict\">✗ 目前不符合晋升条件。", form, StringComparison.Ordinal);
        Assert.Contains("<dd id=\"blocking\">1</dd>", form, StringComparison.Ordinal);
        Assert.Contains("<dd id=\"earliest\">2026-05-11</dd>", form, StringComparison.Ordinal);
        Assert.Contains("在考察期内", form, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PromotionForm_LeaderNominatesOnlyTheirGroup_AMemberFilingForAnotherIsRefusedOnThePage()
    {
        var other = await app.IdOfAsync("member1c");
        var elsewhere = await app.IdOfAsync("member2c");
        using var leader = await WebSession.SignInAsync(app, "leader1");
        var (_, nominate) = await leader.GetAsync($"/Promotions/New?candidateId={other}");
        Assert.Contains($"<option value=\"{other}\" selected=\"selected\">", nominate, StringComparison.Ordinal);
        Assert.Contains("value=\"DepartmentRecommendation\"", nominate, StringComparison.Ordinal);
        Assert.DoesNotContain($"value=\"{elsewhere}\"", nominate, StringComparison.Ordinal);

        using var member = await WebSession.SignInAsync(app, "member1d");
        var (_, form) = await member.GetAsync("/Promotions/New");
        var (status, page) = await member.SubmitAsync("/Promotions/New", form,
            new() { ["CandidateId"] = other, ["TargetRank"] = "GroupLeader", ["Channel"] = "Self", ["Statement"] = "推荐同事" });
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("id=\"refusal\"", page, StringComparison.Ordinal);
        Assert.Equal(0, await app.WithDbAsync(db => db.Instances.CountAsync(i => i.SubjectId == other)));
    }

    [Fact]
    public async Task SwapForm_ListsMyShiftsAndTheColleagues_AndShowsAnUpFrontRefusal()
    {
        var (a, c) = (await app.IdOfAsync("member3a"), await app.IdOfAsync("member3c"));
        string mine;
        using (var leader = await app.LoginAsync("leader3"))
        {
            var group = (await app.WithDbAsync(db => db.Users.SingleAsync(u => u.Id == a))).GroupId;
            mine = await ShiftAsync(leader, group!, "2026-03-04", "09:00", "18:00", a);
            await ShiftAsync(leader, group!, "2026-03-04", "12:00", "20:00", c);
        }

        using var member = await WebSession.SignInAsync(app, "member3a");
        var (status, form) = await member.GetAsync($"/ShiftSwaps/New?counterpartId={c}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains($"name=\"ShiftId\" value=\"{mine}\"", form, StringComparison.Ordinal);
        Assert.Contains("不换班：由 冯涛 代我上班", form, StringComparison.Ordinal);

        var (missing, page) = await member.SubmitAsync("/ShiftSwaps/New", form, new() { ["CounterpartId"] = c, ["ShiftId"] = mine, ["CounterpartShiftId"] = "", ["Reason"] = "" });
        Assert.Equal(HttpStatusCode.BadRequest, missing);
        Assert.Contains("请填写原因（最多 2000 字）。", page, StringComparison.Ordinal);

        var (refused, again) = await member.SubmitAsync("/ShiftSwaps/New", form, new() { ["CounterpartId"] = c, ["ShiftId"] = mine, ["CounterpartShiftId"] = "", ["Reason"] = "有事" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused);
        Assert.Contains("未能完成：", again, StringComparison.Ordinal);
        Assert.Contains("冯涛 将同时在班次 2026-03-04 ", again, StringComparison.Ordinal);
        Assert.Contains("时间重叠的班次", again, StringComparison.Ordinal);
        Assert.DoesNotContain("（422）", again, StringComparison.Ordinal);
        Assert.DoesNotContain(mine + " (", again, StringComparison.Ordinal);
        Assert.Equal(0, await app.WithDbAsync(db => db.Instances.CountAsync(i => i.SubjectId == a)));
    }

    [Fact]
    public async Task Statement_OffersDisputePerLine_TheFormFiles_AndNobodyElseOpensIt()
    {
        var member = await app.IdOfAsync("member2d");
        string violationId;
        using (var leader = await app.LoginAsync("leader2"))
        {
            var body = await ApiAssert.JsonAsync(await leader.PostAsJsonAsync("/api/violations",
                new { employeeId = member, ruleCode = "R02", occurredOn = "2026-03-01", description = "<b>未按时交接</b>" }), HttpStatusCode.Created);
            violationId = body.GetProperty("id").GetString()!;
        }

        using var session = await WebSession.SignInAsync(app, "member2d");
        var (status, statements) = await session.GetAsync("/Statements/Mine");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains($"href=\"/Disputes/New?violationId={violationId}\"", statements, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;未按时交接&lt;/b&gt;", statements, StringComparison.Ordinal);

        using (var other = await WebSession.SignInAsync(app, "member2a"))
        {
            var (notFound, page) = await other.GetAsync($"/Disputes/New?violationId={violationId}");
            Assert.Equal(HttpStatusCode.NotFound, notFound);
            Assert.DoesNotContain("未按时交接", page, StringComparison.Ordinal);
        }

        var (_, form) = await session.GetAsync($"/Disputes/New?violationId={violationId}");
        Assert.Contains("id=\"dispute-form\"", form, StringComparison.Ordinal);
        var (invalid, again) = await session.SubmitAsync("/Disputes/New", form, new() { ["ViolationId"] = violationId, ["Reason"] = "" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid);
        Assert.Contains("请填写申诉理由（最多 2000 字）。", again, StringComparison.Ordinal);

        using var filed = await session.PostFormAsync("/Disputes/New", form, new() { ["ViolationId"] = violationId, ["Reason"] = "当天系统故障，已报备。" });
        Assert.Equal(HttpStatusCode.Redirect, filed.StatusCode);
        var violation = await app.WithDbAsync(db => db.Set<Violation>().SingleAsync(v => v.Id == violationId));
        Assert.Equal(ViolationStatus.UnderDispute, violation.Status);
        Assert.Equal($"/Instances/{violation.DisputeInstanceId}", filed.Headers.Location!.OriginalString);

        var (_, after) = await session.GetAsync("/Statements/Mine");
        Assert.DoesNotContain($"href=\"/Disputes/New?violationId={violationId}\"", after, StringComparison.Ordinal);
        Assert.Contains($"href=\"/Instances/{violation.DisputeInstanceId}\"", after, StringComparison.Ordinal);
    }

    private static async Task<string> ShiftAsync(HttpClient leader, string groupId, string date, string start, string end, string employeeId)
    {
        var shift = await ApiAssert.JsonAsync(await leader.PostAsJsonAsync("/api/shifts", new { groupId, date, start, end, minStaff = 1 }), HttpStatusCode.Created);
        var id = shift.GetProperty("id").GetString()!;
        (await leader.PostAsJsonAsync($"/api/shifts/{id}/assignments", new { employeeId })).EnsureSuccessStatusCode();
        return id;
    }
}

public sealed class FormPagesTests_Sqlite(SqliteApp app) : FormPagesTests(app), IClassFixture<SqliteApp>;

public sealed class FormPagesTests_Postgres : FormPagesTests, IClassFixture<PostgresApp>
{
    public FormPagesTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
