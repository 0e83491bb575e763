using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Web;

/// <summary>
/// The approval actions on the pages (转交, 加签, 退回 and the amend card, 批量审批, 催办, 抄送, 抄送我的, 代理设置):
/// each form does what the API does, a refusal is shown in words on the card that was acted on with the input kept,
/// and the timeline says what happened. The test design: leader of the subject's group → supervisor → HR.
/// </summary>
public abstract class ApprovalActionPagesTests(WorkflowsApp app)
{
    private const string Design = "test.three-approvals";

    private Task<string> NameOfAsync(string userName) =>
        app.WithDbAsync(async db => (await db.Users.SingleAsync(u => u.UserName == userName)).Name);

    private async Task<string> PickOfAsync(string userName) => await app.WithDbAsync(async db =>
    {
        var user = await db.Users.SingleAsync(u => u.UserName == userName);
        var group = user.GroupId is null ? null : (await db.Groups.SingleAsync(g => g.Id == user.GroupId)).Name;
        return group is null ? user.Name : $"{user.Name}（{group}）";
    });

    private async Task<string> TaskIdAsync(string user, string instanceId) =>
        (await app.TaskInInboxAsync(user, instanceId)).GetProperty("id").GetString()!;

    [Fact]
    public async Task Transfer_FromTheCard_ByName_AndARefusalStaysOnThatCardWithTheInputKept()
    {
        var id = await app.StartAsync(Design, "member1a");
        var taskId = await TaskIdAsync("leader1", id);
        using var leader = await WebSession.SignInAsync(app, "leader1");
        var (_, inbox) = await leader.GetAsync("/Inbox");
        var card = Card(inbox, taskId);
        Assert.Contains("<summary>转交</summary>", card, StringComparison.Ordinal);
        Assert.Contains("list=\"colleagues\"", card, StringComparison.Ordinal);
        // The picker lists names (own group first), never ids.
        var datalist = Between(inbox, "<datalist id=\"colleagues\">", "</datalist>");
        Assert.Contains(await PickOfAsync("leader2"), datalist, StringComparison.Ordinal);
        Assert.DoesNotContain(await app.IdOfAsync("leader2"), datalist, StringComparison.Ordinal);
        Assert.True(datalist.IndexOf(await PickOfAsync("member1b"), StringComparison.Ordinal) < datalist.IndexOf(await PickOfAsync("leader2"), StringComparison.Ordinal),
            "The own group comes first.");

        // To the applicant: refused by the engine, in words on this card, the typed comment kept.
        var applicant = await PickOfAsync("member1a");
        var (status, refused) = await leader.SubmitAsync("/Inbox?handler=Transfer", inbox,
            new() { ["taskId"] = taskId, ["toEmployeeId"] = applicant, ["transferComment"] = "请帮忙看一下" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var refusedCard = Card(refused, taskId);
        Assert.Contains($"data-refusal=\"{taskId}\"", refusedCard, StringComparison.Ordinal);
        Assert.Contains("未能完成：不能交给这位同事", refusedCard, StringComparison.Ordinal);
        Assert.Contains("请帮忙看一下</textarea>", refusedCard, StringComparison.Ordinal);
        Assert.Contains($"value=\"{applicant}\"", refusedCard, StringComparison.Ordinal);

        // Nobody by that name: refused before the runner.
        var (unknown, unknownPage) = await leader.SubmitAsync("/Inbox?handler=Transfer", inbox, new() { ["taskId"] = taskId, ["toEmployeeId"] = "查无此人" });
        Assert.Equal(HttpStatusCode.BadRequest, unknown);
        Assert.Contains("请选择要转交的同事。", Card(unknownPage, taskId), StringComparison.Ordinal);

        var (ok, done) = await leader.SubmitAsync("/Inbox?handler=Transfer", inbox,
            new() { ["taskId"] = taskId, ["toEmployeeId"] = await PickOfAsync("leader2"), ["transferComment"] = "休假，请代为审批" });
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Contains($"已转交给 {await NameOfAsync("leader2")}。", done, StringComparison.Ordinal);
        Assert.DoesNotContain($"data-task=\"{taskId}\"", done, StringComparison.Ordinal);
        Assert.Equal(taskId, await TaskIdAsync("leader2", id));

        using var member = await WebSession.SignInAsync(app, "member1a");
        var (_, page) = await member.GetAsync($"/Instances/{id}");
        var timeline = Between(page, "<section class=\"card\" id=\"timeline\">", "<details id=\"full-history\">");
        Assert.Contains($"由 {await NameOfAsync("leader1")} 转交给 {await NameOfAsync("leader2")}", timeline, StringComparison.Ordinal);
        Assert.Contains("休假，请代为审批", timeline, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddSigner_Before_TheSignerDecidesFirst_AndSeesTheEarlierComment()
    {
        var id = await app.StartAsync(Design, "member1b");
        var taskId = await TaskIdAsync("leader1", id);
        using var leader = await WebSession.SignInAsync(app, "leader1");
        var (_, inbox) = await leader.GetAsync("/Inbox");

        var (missing, missingPage) = await leader.SubmitAsync("/Inbox?handler=AddSigner", inbox,
            new() { ["taskId"] = taskId, ["signerId"] = await PickOfAsync("leader2"), ["signerComment"] = "请先看" });
        Assert.Equal(HttpStatusCode.BadRequest, missing);
        Assert.Contains("请选择同事在您之前还是之后审批。", Card(missingPage, taskId), StringComparison.Ordinal);
        Assert.Contains("请先看</textarea>", Card(missingPage, taskId), StringComparison.Ordinal);

        var (ok, done) = await leader.SubmitAsync("/Inbox?handler=AddSigner", inbox,
            new() { ["taskId"] = taskId, ["signerId"] = await PickOfAsync("leader2"), ["position"] = "before", ["signerComment"] = "请先看" });
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Contains($"已加签 {await NameOfAsync("leader2")}。", done, StringComparison.Ordinal);

        using var signer = await WebSession.SignInAsync(app, "leader2");
        var (_, signerInbox) = await signer.GetAsync("/Inbox");
        var signerTask = await TaskIdAsync("leader2", id);
        var card = Card(signerInbox, signerTask);
        Assert.Contains("<span class=\"pill\">加签</span>", card, StringComparison.Ordinal);
        Assert.Contains("此前的审批与意见", card, StringComparison.Ordinal);
        Assert.Contains("请先看", card, StringComparison.Ordinal);
        Assert.Contains(await NameOfAsync("leader1"), card, StringComparison.Ordinal);
    }

    /// <summary>
    /// 撤回 on the amend card asks first on the page (no script needed): nothing changes until the question is answered,
    /// the way back returns to the inbox, and the confirm button withdraws.
    /// </summary>
    [Fact]
    public async Task AmendCard_Withdraw_AsksFirst_ThenWithdraws()
    {
        var id = await app.StartAsync(Design, "member2b", null, ("statement", "原来的陈述"));
        var taskId = await TaskIdAsync("leader2", id);
        using (var leader = await WebSession.SignInAsync(app, "leader2"))
        {
            var (_, inbox) = await leader.GetAsync("/Inbox");
            await leader.SubmitAsync("/Inbox?handler=Act", inbox, new() { ["taskId"] = taskId, ["decision"] = "return", ["comment"] = "请补充" });
        }

        using var member = await WebSession.SignInAsync(app, "member2b");
        var amendId = await TaskIdAsync("member2b", id);
        var (_, memberInbox) = await member.GetAsync("/Inbox");
        var (asked, question) = await member.SubmitAsync("/Inbox?handler=Act", memberInbox, new() { ["taskId"] = amendId, ["decision"] = "withdraw", ["comment"] = "不申请了" });
        Assert.Equal(HttpStatusCode.OK, asked);
        Assert.Contains("确定撤回这份申请？撤回后不能恢复。", question, StringComparison.Ordinal);
        Assert.Contains((await app.InstanceAsync(id)).GetProperty("reference").GetString()!, question, StringComparison.Ordinal);
        Assert.Matches("href=\"/Inbox[^\"]*\" class=\"button\" id=\"confirm-cancel\"", question);
        Assert.Equal("Running", (await app.InstanceAsync(id)).GetProperty("status").GetString());
        Assert.Contains($"data-task=\"{amendId}\"", (await member.GetAsync("/Inbox")).Body, StringComparison.Ordinal);

        var (done, _) = await member.ConfirmAsync(question);
        Assert.Equal(HttpStatusCode.OK, done);
        Assert.Equal("Cancelled", (await app.InstanceAsync(id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Return_NeedsAComment_ThenTheAmendCardShowsTheCommentAndTheStatement_AndResubmits()
    {
        var id = await app.StartAsync(Design, "member2a", null, ("statement", "原来的陈述"));
        var taskId = await TaskIdAsync("leader2", id);
        using var leader = await WebSession.SignInAsync(app, "leader2");
        var (_, inbox) = await leader.GetAsync("/Inbox");

        var (status, refused) = await leader.SubmitAsync("/Inbox?handler=Act", inbox, new() { ["taskId"] = taskId, ["decision"] = "return" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var refusedCard = Card(refused, taskId);
        Assert.Contains("未能完成：此处理方式须填写意见。", refusedCard, StringComparison.Ordinal);
        Assert.Contains("value=\"return\" required checked=\"checked\"", refusedCard, StringComparison.Ordinal);

        await leader.SubmitAsync("/Inbox?handler=Act", inbox, new() { ["taskId"] = taskId, ["decision"] = "return", ["comment"] = "请补充带教情况" });

        using var member = await WebSession.SignInAsync(app, "member2a");
        var amendId = await TaskIdAsync("member2a", id);
        var (_, memberInbox) = await member.GetAsync("/Inbox");
        var amend = Card(memberInbox, amendId);
        Assert.Contains("修改后重新提交", amend, StringComparison.Ordinal);
        Assert.Contains($"{await NameOfAsync("leader2")} 退回</strong> 请补充带教情况", amend, StringComparison.Ordinal);
        Assert.Contains("name=\"statement\"", amend, StringComparison.Ordinal);
        Assert.Contains("原来的陈述</textarea>", amend, StringComparison.Ordinal);
        Assert.Contains("重新提交", amend, StringComparison.Ordinal);
        Assert.Contains("撤回", amend, StringComparison.Ordinal);

        var (ok, _) = await member.SubmitAsync("/Inbox?handler=Act", memberInbox,
            new() { ["taskId"] = amendId, ["decision"] = "resubmit", ["statement"] = "补充：带教 3 人" });
        Assert.Equal(HttpStatusCode.OK, ok);
        var instance = await app.InstanceAsync(id);
        Assert.Equal("补充：带教 3 人", instance.GetProperty("data").GetProperty("statement").GetString());

        var (_, page) = await member.GetAsync($"/Instances/{id}");
        var timeline = Between(page, "<section class=\"card\" id=\"timeline\">", "<details id=\"full-history\">");
        Assert.Contains("退回申请人修改", timeline, StringComparison.Ordinal);
        Assert.Contains("请补充带教情况", timeline, StringComparison.Ordinal);
        Assert.Contains("data-kind=\"instance.resubmitted\"", timeline, StringComparison.Ordinal);
        Assert.Contains("补充：带教 3 人", timeline, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BulkDecision_ShowsEachTasksResultInWords()
    {
        var first = await app.StartAsync(Design, "member3a");
        var second = await app.StartAsync(Design, "member3b");
        var firstTask = await TaskIdAsync("leader3", first);
        var secondTask = await TaskIdAsync("leader3", second);
        using var leader = await WebSession.SignInAsync(app, "leader3");
        var (_, inbox) = await leader.GetAsync("/Inbox");
        Assert.Contains("批量审批", inbox, StringComparison.Ordinal);
        Assert.Contains($"name=\"taskIds\" value=\"{secondTask}\"", inbox, StringComparison.Ordinal);

        // The second is decided elsewhere meanwhile: the bulk answers it alone, the first still goes through.
        using (var client = await app.LoginAsync("leader3"))
        {
            await ApiAssert.JsonAsync(await client.PostAsJsonAsync($"/api/tasks/{secondTask}/complete", new { action = "approve" }));
        }

        using var response = await leader.PostFormAsync("/Inbox?handler=Bulk", inbox, new() { ["decision"] = "approve", ["comment"] = "同意" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("请先勾选要审批的任务。", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var fields = new List<KeyValuePair<string, string>>
        {
            new("taskIds", firstTask), new("taskIds", secondTask), new("decision", "approve"), new("comment", "批量同意"),
            new("__RequestVerificationToken", WebSession.AntiforgeryToken(inbox)),
        };
        using var ask = await leader.PostPairsAsync("/Inbox?handler=Bulk", fields);
        Assert.Equal(HttpStatusCode.OK, ask.StatusCode);
        var question = await ask.Content.ReadAsStringAsync();
        // Asked first, in words (how many, whose, which decision); nothing is decided until it is answered.
        Assert.Contains("确定一次处理所有勾选的任务？", question, StringComparison.Ordinal);
        Assert.Contains(await NameOfAsync("member3a"), question, StringComparison.Ordinal);
        Assert.Equal("first", Step(await app.InstanceAsync(first)));
        var (_, page) = await leader.ConfirmAsync(question);
        var results = Between(page, "<ul class=\"bulk-results\"", "</ul>");
        Assert.Contains($"data-task=\"{firstTask}\">{await NameOfAsync("member3a")}: 已提交：同意。", results, StringComparison.Ordinal);
        Assert.Contains($"data-task=\"{secondTask}\">{await NameOfAsync("member3b")}: 未能完成：", results, StringComparison.Ordinal);
        Assert.NotEqual("first", Step(await app.InstanceAsync(first)));
    }

    [Fact]
    public async Task Remind_OnceADay_AndCopy_ShowsOnTheCopiedsList()
    {
        var id = await app.StartAsync(Design, "member2b");
        using var member = await WebSession.SignInAsync(app, "member2b");
        var (_, page) = await member.GetAsync($"/Instances/{id}");
        Assert.Contains("id=\"remind\"", page, StringComparison.Ordinal);
        Assert.Contains("data-confirm=\"确定撤回这份申请？撤回后不能恢复。\"", page, StringComparison.Ordinal);

        var (ok, reminded) = await member.SubmitAsync($"/Instances/{id}?handler=Remind", page, []);
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Contains("已催办。", reminded, StringComparison.Ordinal);
        Assert.Contains("data-kind=\"instance.reminded\"", reminded, StringComparison.Ordinal);
        var (again, refused) = await member.SubmitAsync($"/Instances/{id}?handler=Remind", reminded, []);
        Assert.Equal(HttpStatusCode.TooManyRequests, again);
        Assert.Contains("未能完成：24 小时内已催办过", refused, StringComparison.Ordinal);

        using var leader = await WebSession.SignInAsync(app, "leader2");
        var (_, leaderPage) = await leader.GetAsync($"/Instances/{id}");
        var supervisorName = await NameOfAsync("supervisor");
        var (copied, copiedPage) = await leader.SubmitAsync($"/Instances/{id}?handler=Copy", leaderPage, new() { ["colleague"] = supervisorName, ["comment"] = "知悉" });
        Assert.Equal(HttpStatusCode.OK, copied);
        Assert.Contains($"抄送给 {supervisorName}", copiedPage, StringComparison.Ordinal);

        using var supervisor = await WebSession.SignInAsync(app, "supervisor");
        var (_, list) = await supervisor.GetAsync("/Copies");
        Assert.Contains($"data-instance=\"{id}\"", list, StringComparison.Ordinal);
        Assert.Contains(await NameOfAsync("leader2"), Between(list, $"data-instance=\"{id}\"", "</tr>"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delegation_SetOnMyPage_TheDelegatesCardSaysOnWhoseBehalf_AndHrSetsItForAnyone()
    {
        using var leader = await WebSession.SignInAsync(app, "leader1");
        var (_, page) = await leader.GetAsync("/Delegation");
        Assert.Contains("未设置代理。", page, StringComparison.Ordinal);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(app.Clock.GetUtcNow(), TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).DateTime);
        var (self, selfPage) = await leader.SubmitAsync("/Delegation?handler=Save", page,
            new() { ["delegateName"] = await NameOfAsync("leader1"), ["from"] = today.ToString("yyyy-MM-dd"), ["to"] = today.ToString("yyyy-MM-dd") });
        Assert.Equal(HttpStatusCode.BadRequest, self);
        Assert.Contains("未能完成：不能指定自己为代理人。", selfPage, StringComparison.Ordinal);

        var (ok, saved) = await leader.SubmitAsync("/Delegation?handler=Save", page,
            new() { ["delegateName"] = await NameOfAsync("leader3"), ["from"] = today.ToString("yyyy-MM-dd"), ["to"] = today.AddDays(2).ToString("yyyy-MM-dd") });
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Contains("代理已保存。", saved, StringComparison.Ordinal);

        var id = await app.StartAsync(Design, "member1c");
        using var delegated = await WebSession.SignInAsync(app, "leader3");
        var (_, inbox) = await delegated.GetAsync("/Inbox");
        var taskId = await TaskIdAsync("leader3", id);
        Assert.Contains($"代 {await NameOfAsync("leader1")} 审批", Card(inbox, taskId), StringComparison.Ordinal);

        var (_, clearAsked) = await leader.SubmitAsync("/Delegation?handler=Clear", saved, []);
        Assert.Contains("确定取消代理？", clearAsked, StringComparison.Ordinal);
        Assert.Contains($"代 {await NameOfAsync("leader1")} 审批", Card((await delegated.GetAsync("/Inbox")).Body, taskId), StringComparison.Ordinal);
        var (_, cleared) = await leader.ConfirmAsync(clearAsked);
        Assert.Contains("代理已取消。", cleared, StringComparison.Ordinal);

        // HR, from the org chart (a member's row), for anyone; nobody else may open someone else's.
        var leaderId = await app.IdOfAsync("member1d");
        using var hr = await WebSession.SignInAsync(app, "hr");
        var (_, org) = await hr.GetAsync("/Org");
        Assert.Contains($"/Delegation?employeeId={leaderId}", org, StringComparison.Ordinal);
        var (_, hrPage) = await hr.GetAsync($"/Delegation?employeeId={leaderId}");
        var (hrOk, hrSaved) = await hr.SubmitAsync($"/Delegation?handler=Save&employeeId={leaderId}", hrPage,
            new() { ["delegateName"] = await NameOfAsync("leader2"), ["from"] = today.ToString("yyyy-MM-dd"), ["to"] = today.ToString("yyyy-MM-dd") });
        Assert.Equal(HttpStatusCode.OK, hrOk);
        Assert.Contains(await NameOfAsync("leader2"), Between(hrSaved, "id=\"current-delegation\"", "</p>"), StringComparison.Ordinal);
        var (denied, _) = await delegated.GetAsync($"/Delegation?employeeId={leaderId}");
        Assert.Equal(HttpStatusCode.Forbidden, denied);
        await hr.SubmitAsync($"/Delegation?handler=Clear&employeeId={leaderId}", hrSaved, new() { ["confirmed"] = "1" });
    }

    private static string? Step(System.Text.Json.JsonElement instance) =>
        instance.GetProperty("currentSteps").GetArrayLength() == 0 ? null : instance.GetProperty("currentSteps")[0].GetString();

    private static string Card(string page, string taskId) => Between(page, $"data-task=\"{taskId}\"", "</article>");

    private static string Between(string page, string start, string end)
    {
        var from = page.IndexOf(start, StringComparison.Ordinal);
        Assert.True(from >= 0, $"'{start}' is not on the page.");
        var to = page.IndexOf(end, from, StringComparison.Ordinal);
        return to < 0 ? page[from..] : page[from..to];
    }
}

public sealed class ApprovalActionPagesTests_Sqlite(SqliteApp app) : ApprovalActionPagesTests(app), IClassFixture<SqliteApp>;

public sealed class ApprovalActionPagesTests_Postgres : ApprovalActionPagesTests, IClassFixture<PostgresApp>
{
    public ApprovalActionPagesTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
