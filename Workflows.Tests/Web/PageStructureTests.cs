using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Web;

/// <summary>
/// Issue 19's structure through HTTP on both lanes: taking someone off a shift (API and page), the forms' new
/// "show again" posts (查看对方班次, 查看资格) under hostile input, HR's jobs page in words, the leadership overview,
/// and pages that speak to the person they are about (HR on someone's delegation).
/// </summary>
public abstract class PageStructureTests(WorkflowsApp app)
{
    private async Task<string> ShiftAsync(HttpClient leader, string groupId, string date, string start, string end, params string[] people)
    {
        var shift = await ApiAssert.JsonAsync(await leader.PostAsJsonAsync("/api/shifts", new { groupId, date, start, end, minStaff = 1 }), HttpStatusCode.Created);
        var id = shift.GetProperty("id").GetString()!;
        foreach (var employeeId in people)
        {
            (await leader.PostAsJsonAsync($"/api/shifts/{id}/assignments", new { employeeId })).EnsureSuccessStatusCode();
        }

        return id;
    }

    private Task<string> GroupOfAsync(string userName) => app.WithDbAsync(async db => (await db.Users.SingleAsync(u => u.UserName == userName)).GroupId!);

    [Fact]
    public async Task TakingSomeoneOffAShift_ByTheArranger_BeforeItStarts()
    {
        var (a, b) = (await app.IdOfAsync("member3c"), await app.IdOfAsync("member3d"));
        var group = await GroupOfAsync("member3c");
        using var leader = await app.LoginAsync("leader3");
        var shift = await ShiftAsync(leader, group, "2026-04-07", "09:00", "18:00", a, b);

        using (var member = await app.LoginAsync("member3d"))
        {
            await ApiAssert.ProblemAsync(await member.DeleteAsync($"/api/shifts/{shift}/assignments/{a}"), HttpStatusCode.Forbidden);
        }

        var after = await ApiAssert.JsonAsync(await leader.DeleteAsync($"/api/shifts/{shift}/assignments/{a}"));
        Assert.Equal([b], after.GetProperty("assigneeIds").EnumerateArray().Select(e => e.GetString()!));
        await ApiAssert.ProblemAsync(await leader.DeleteAsync($"/api/shifts/{shift}/assignments/{a}"), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await leader.DeleteAsync($"/api/shifts/nope/assignments/{a}"), HttpStatusCode.NotFound);

        // On the page: 排入 starts at 请选择, and each person on a coming shift has 移出 (asking first).
        using var web = await WebSession.SignInAsync(app, "leader3");
        var (_, roster) = await web.GetAsync($"/Roster?group={group}&from=2026-04-06");
        Assert.Contains("<option value=\"\">请选择…</option>", roster, StringComparison.Ordinal);
        Assert.Contains("data-confirm=\"确定将", roster, StringComparison.Ordinal);
        var (asked, question) = await web.SubmitAsync($"/Roster?handler=Remove&group={group}&from=2026-04-06", roster, new() { ["shiftId"] = shift, ["employeeId"] = b });
        Assert.Equal(HttpStatusCode.OK, asked);
        Assert.Contains("2026-04-", question, StringComparison.Ordinal);
        Assert.Single(await app.WithDbAsync(db => db.Set<Workflows.Host.Roster.ShiftAssignment>().Where(x => x.ShiftId == shift).ToListAsync()));
        var (status, page) = await web.ConfirmAsync(question);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("已移出班次。", page, StringComparison.Ordinal);
        Assert.Empty(await app.WithDbAsync(db => db.Set<Workflows.Host.Roster.ShiftAssignment>().Where(x => x.ShiftId == shift).ToListAsync()));

        // 排入 without a choice is refused in that row, in words.
        var (_, again) = await web.GetAsync($"/Roster?group={group}&from=2026-04-06");
        using var empty = await web.PostFormAsync($"/Roster?handler=Assign&group={group}&from=2026-04-06", again, new() { ["shiftId"] = shift, ["employeeId"] = "" });
        var body = await empty.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains($"data-refusal=\"{shift}\"", body, StringComparison.Ordinal);
        Assert.Contains("请选择要排入的人。", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TakingSomeoneOffAStartedShift_IsRefused()
    {
        var a = await app.IdOfAsync("member3b");
        using var leader = await app.LoginAsync("leader3");
        var local = TimeZoneInfo.ConvertTime(app.Clock.GetUtcNow(), TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"));
        var start = local.AddMinutes(30);
        var shift = await ShiftAsync(leader, await GroupOfAsync("member3b"), start.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            start.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture), start.AddHours(1).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture), a);
        app.Clock.Advance(TimeSpan.FromHours(1));
        await ApiAssert.ProblemAsync(await leader.DeleteAsync($"/api/shifts/{shift}/assignments/{a}"), HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task ShowAgainPosts_KeepTheInput_AndNeverFail_OnHostileValues()
    {
        using var web = await WebSession.SignInAsync(app, "member1d");
        var (_, swap) = await web.GetAsync("/ShiftSwaps/New");
        string[] hostile = ["", "nope", "a\u0000b", new string('长', 5000), "<script>alert(1)</script>", "../../etc/passwd"];
        foreach (var value in hostile)
        {
            using var shown = await web.PostFormAsync("/ShiftSwaps/New?handler=Show", swap, new()
            {
                ["ShiftId"] = value, ["CounterpartId"] = value, ["CounterpartShiftId"] = value, ["Reason"] = "理由" + value,
            });
            var page = await shown.Content.ReadAsStringAsync();
            Assert.True((int)shown.StatusCode < 500, $"swap show {value.Length}: {shown.StatusCode}");
            if (value.Contains('\u0000', StringComparison.Ordinal))
            {
                Assert.Equal(HttpStatusCode.BadRequest, shown.StatusCode);
            }
            else
            {
                Assert.Contains("理由" + System.Net.WebUtility.HtmlEncode(value)[..Math.Min(value.Length, 10)], page, StringComparison.Ordinal);
            }
            Assert.DoesNotContain("<script>alert(1)</script>", page, StringComparison.Ordinal);
            Assert.Equal(0, await app.WithDbAsync(db => db.Instances.CountAsync(i => i.SubjectId == db.Users.Single(u => u.UserName == "member1d").Id)));
        }

        var (_, promotion) = await web.GetAsync("/Promotions/New");
        foreach (var value in hostile.Append("Manager").Append("GroupLeader"))
        {
            using var checkedPage = await web.PostFormAsync("/Promotions/New?handler=Check", promotion, new()
            {
                ["CandidateId"] = value, ["TargetRank"] = value, ["Channel"] = value, ["Statement"] = "我的理由" + value[..Math.Min(value.Length, 100)],
            });
            var page = await checkedPage.Content.ReadAsStringAsync();
            Assert.True((int)checkedPage.StatusCode < 500, $"promotion check {value.Length}: {checkedPage.StatusCode}");
            Assert.DoesNotContain("<script>alert(1)</script>", page, StringComparison.Ordinal);
            if (checkedPage.StatusCode == HttpStatusCode.OK)
            {
                Assert.Contains("我的理由", page, StringComparison.Ordinal);
            }
        }

        // A too-long reason is said to be too long, not "请填写".
        using var leader = await app.LoginAsync("leader1");
        var member = await app.IdOfAsync("member1d");
        var recorded = (await ApiAssert.JsonAsync(await leader.PostAsJsonAsync("/api/violations",
            new { employeeId = member, ruleCode = "R14", occurredOn = "2026-03-01", description = "抽查" }), HttpStatusCode.Created)).GetProperty("id").GetString();
        var (_, dispute) = await web.GetAsync($"/Disputes/New?violationId={recorded}");
        using var tooLong = await web.PostFormAsync($"/Disputes/New?violationId={recorded}", dispute, new() { ["Reason"] = new string('理', 2001) });
        var answer = await tooLong.Content.ReadAsStringAsync();
        Assert.Contains("太长了：最多 2000 字，现在 2001 字。", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("请填写申诉理由", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JobsPage_SaysTheComingDueDates_TheMonthClose_AndTheFailedDeliveries_InWords()
    {
        var id = await app.StartAsync("test.three-approvals", "member2b", null, ("statement", "作业页"));
        using var hr = await WebSession.SignInAsync(app, "hr");
        var (status, page) = await hr.GetAsync("/Jobs");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains($"<tr data-instance=\"{id}\">", page, StringComparison.Ordinal);
        Assert.Contains("任务到期", page, StringComparison.Ordinal);
        Assert.Contains("id=\"last-close\"", page, StringComparison.Ordinal);
        Assert.Contains("href=\"/Notifications/Failed\"", page, StringComparison.Ordinal);
        Assert.Contains("id=\"nav-jobs\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"/hangfire\"", page, StringComparison.Ordinal);

        using var member = await WebSession.SignInAsync(app, "member2b");
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/Jobs")).Status);
    }

    [Fact]
    public async Task Overview_ForTheGeneralManagerAndLeadership_CountsWhatIsRunningByStep()
    {
        await app.StartAsync("test.three-approvals", "member2c", null, ("statement", "总览"));
        foreach (var user in new[] { "gm", "leadership" })
        {
            using var web = await WebSession.SignInAsync(app, user);
            var (status, page) = await web.GetAsync("/Overview");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Contains("id=\"nav-overview\"", page, StringComparison.Ordinal);
            Assert.Contains("<tr data-type=\"test\">", page, StringComparison.Ordinal);
            Assert.Contains("组长审批", page, StringComparison.Ordinal);
        }

        using var member = await WebSession.SignInAsync(app, "member2c");
        var (memberStatus, memberPage) = await member.GetAsync("/Overview");
        Assert.Equal(HttpStatusCode.Forbidden, memberStatus);
        Assert.DoesNotContain("id=\"nav-overview\"", memberPage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PromotionToGroupLeader_ShowsApproversWhichSeatItWouldFill()
    {
        var candidate = await app.IdOfAsync("member1c");
        string id;
        using (var member = await app.LoginAsync("member1c"))
        {
            id = (await ApiAssert.JsonAsync(await member.PostAsJsonAsync("/api/promotions",
                new { candidateId = candidate, targetRank = "GroupLeader", channel = "Self", statement = "带教新人" }), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        }

        using var web = await WebSession.SignInAsync(app, "member1c");
        var (_, before) = await web.GetAsync($"/Instances/{id}");
        Assert.Contains("目前没有空缺的组长职位：批准后申请将等待职位空缺。", before, StringComparison.Ordinal);

        // A new group brings a vacant leader seat: the candidate (of 一组, whose seat is held) would move there.
        var name = "七组" + Guid.NewGuid().ToString("N")[..4];
        using (var hr = await app.LoginAsync("hr"))
        {
            await ApiAssert.JsonAsync(await hr.PostAsJsonAsync("/api/groups", new { name }), HttpStatusCode.Created);
        }

        var (_, after) = await web.GetAsync($"/Instances/{id}");
        Assert.Contains($"担任{name}的组长职位（本组没有空缺），将调到{name}。", after, StringComparison.Ordinal);

        // The approver's card says the same.
        var approver = (await app.WithDbAsync(db => db.Tasks.Where(t => t.InstanceId == id && t.Status == Workflows.Host.Runtime.TaskState.Open)
            .Join(db.TaskCandidates, t => t.Id, c => c.TaskId, (t, c) => c.EmployeeId).FirstAsync()));
        var approverName = await app.WithDbAsync(async db => (await db.Users.SingleAsync(u => u.Id == approver)).UserName!);
        using var approverWeb = await WebSession.SignInAsync(app, approverName);
        var (_, inbox) = await approverWeb.GetAsync("/Inbox");
        Assert.Contains($"data-seat-preview=\"{id}\"", inbox, StringComparison.Ordinal);
        Assert.Contains($"将调到{name}", inbox, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DelegationPage_OpenedByHrForSomeone_NamesWhoseDelegationItIs()
    {
        var member = await app.IdOfAsync("member2d");
        var name = await app.WithDbAsync(async db => (await db.Users.SingleAsync(u => u.Id == member)).Name);
        using var hr = await WebSession.SignInAsync(app, "hr");
        var (_, page) = await hr.GetAsync($"/Delegation?employeeId={member}");
        Assert.DoesNotContain("代您审批", page, StringComparison.Ordinal);
        Assert.Contains($"{name}不在时", page, StringComparison.Ordinal);
    }
}

public sealed class PageStructureTests_Sqlite(SqliteApp app) : PageStructureTests(app), IClassFixture<SqliteApp>;

public sealed class PageStructureTests_Postgres : PageStructureTests, IClassFixture<PostgresApp>
{
    public PageStructureTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
