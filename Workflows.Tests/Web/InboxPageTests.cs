using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workflows.Host.Runtime;
using Workflows.Tests.Disputes;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Web;

/// <summary>
/// The inbox and the instance page with the product's workflows: what an approver sees of each subject, in how
/// many queries, the refusals in both languages, who may see what, and the diagram.
/// </summary>
public abstract class InboxPageTests(WorkflowsApp app)
{
    private const string ShiftDay = "2026-06-10";

    /// <summary>One fresh team with a task of each type in the supervisor's inbox.</summary>
    private sealed record Round(DisputeTeam Team, string PromotionId, string SwapId, string DisputeId, string PromotionTask, string SwapTask, string DisputeTask);

    [Fact]
    public async Task SupervisorInbox_ShowsEachSubjectsFacts_InTheSameNumberOfQueriesWhateverTheTaskCount()
    {
        using var counter = new CommandCounter(app.ConnectionString);
        var first = await RoundAsync("我的理由：<script>alert('x')</script>");
        using var supervisor = await WebSession.SignInAsync(app, "supervisor");
        var before = await CountedInboxAsync(supervisor, counter);

        var page = before.Body;
        var names = await NamesAsync(first.Team);

        // Promotion: candidate, rank change, group, eligibility on current records (a violation recorded after filing blocks it).
        var promotion = Card(page, first.PromotionTask);
        Assert.Contains("data-facts=\"promotion\"", promotion, StringComparison.Ordinal);
        Assert.Contains(names.Member, promotion, StringComparison.Ordinal);
        Assert.Contains("组员 → <strong>组长</strong>", promotion, StringComparison.Ordinal);
        Assert.Contains(names.Group, promotion, StringComparison.Ordinal);
        Assert.Contains("data-eligible=\"false\"", promotion, StringComparison.Ordinal);
        Assert.Contains("考察期 3 个月：2025-12-02 至 2026-03-02", promotion, StringComparison.Ordinal);
        Assert.Contains("R06 · 2026-03-01", promotion, StringComparison.Ordinal);
        Assert.Contains("<strong class=\"earliest\">2026-06-02</strong>", promotion, StringComparison.Ordinal);
        Assert.Contains("部门主管考核批准", promotion, StringComparison.Ordinal);
        Assert.DoesNotContain(">assess<", promotion, StringComparison.Ordinal);

        // Shift swap (the leader's own cover request, so the supervisor approves): both people, the shift, the coverage check.
        var swap = Card(page, first.SwapTask);
        Assert.Contains("data-facts=\"shift-swap\"", swap, StringComparison.Ordinal);
        Assert.Contains($"{names.Leader} ⇄ {names.Member}", swap, StringComparison.Ordinal);
        Assert.Contains($"{ShiftDay} 08:00–16:00 · {names.Group}", swap, StringComparison.Ordinal);
        Assert.Contains("data-coverage=\"ok\"", swap, StringComparison.Ordinal);
        Assert.Contains("组长审批", swap, StringComparison.Ordinal);
        Assert.Contains("天后到期", swap, StringComparison.Ordinal);

        // Dispute: the violation (rule, date, amount), the recorder and their note, the employee's reason as text.
        var dispute = Card(page, first.DisputeTask);
        Assert.Contains("data-facts=\"penalty-dispute\"", dispute, StringComparison.Ordinal);
        Assert.Contains("R06 线上礼貌规范用语,不得与客户争吵 · 2026-03-01 · <strong>¥30.00</strong>", dispute, StringComparison.Ordinal);
        Assert.Contains(names.Leader, dispute, StringComparison.Ordinal);
        Assert.Contains("与客户争吵，已口头提醒", dispute, StringComparison.Ordinal);
        Assert.Contains("我的理由：&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;", dispute, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert", page, StringComparison.Ordinal);
        Assert.Contains("主管裁定", dispute, StringComparison.Ordinal);

        // Three more tasks of the same kinds: not one query more.
        var second = await RoundAsync("第二次");
        var after = await CountedInboxAsync(supervisor, counter);
        foreach (var task in new[] { second.PromotionTask, second.SwapTask, second.DisputeTask })
        {
            Assert.Contains($"data-task=\"{task}\"", after.Body, StringComparison.Ordinal);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"GET /Inbox sent {before.Commands} SQL commands, and {after.Commands} with three more tasks.");
        Assert.True(before.Commands > 0);
        Assert.Equal(before.Commands, after.Commands);
    }

    [Fact]
    public async Task InstancePage_MarksTheCurrentStepOnTheDiagram_WithAReadableTimelineAndLabelledForm()
    {
        var round = await RoundAsync("理由");
        var names = await NamesAsync(round.Team);
        var hrName = await app.WithDbAsync(async db => (await db.Users.SingleAsync(u => u.UserName == "hr")).Name);
        using var member = await WebSession.SignInAsync(app, round.Team.Member.UserName, DisputeTeam.Password);

        var (status, page) = await member.GetAsync($"/Instances/{round.PromotionId}");

        Assert.Equal(HttpStatusCode.OK, status);
        // The design drawn as a graph: the current step marked, the steps passed, the transitions taken.
        Assert.Contains("<g id=\"step-assess\" data-step=\"assess\" class=\"node kind-task current visited\" aria-current=\"step\">", page, StringComparison.Ordinal);
        Assert.Contains("<g id=\"step-register\" data-step=\"register\" class=\"node kind-task visited\">", page, StringComparison.Ordinal);
        Assert.Contains("<g id=\"step-gate\" data-step=\"gate\" class=\"node kind-auto visited\">", page, StringComparison.Ordinal);
        Assert.Contains("<g id=\"step-approved\" data-step=\"approved\" class=\"node kind-end\">", page, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(page, "aria-current=\"step\""));
        Assert.Contains("<g class=\"edge taken\" data-from=\"gate\" data-to=\"register\">", page, StringComparison.Ordinal);
        Assert.Matches("<g class=\"edge\" data-from=\"assess\" data-to=\"appoint\"><title>同意[^<]*</title>", page);
        Assert.Contains(">任命（复核资格、分配职位）</title>", page, StringComparison.Ordinal);

        // The timeline: who, in which role, what, in words; the engine's step.entered rows only in the full history.
        var timeline = Between(page, "<section class=\"card\" id=\"timeline\">", "<details id=\"full-history\">");
        Assert.DoesNotContain("data-kind=\"step.entered\"", timeline, StringComparison.Ordinal);
        Assert.DoesNotContain("data-kind=\"task.created\"", timeline, StringComparison.Ordinal);
        Assert.Contains("资格审查（自动）：符合条件", timeline, StringComparison.Ordinal);
        Assert.Contains(hrName, timeline, StringComparison.Ordinal);
        Assert.Contains("人事部汇总登记：同意", timeline, StringComparison.Ordinal);
        Assert.Contains("材料齐全", timeline, StringComparison.Ordinal);
        Assert.Contains("进入步骤", Between(page, "<details id=\"full-history\">", "</details>"), StringComparison.Ordinal);

        // The form as labelled fields, values in words.
        var form = Between(page, "<section class=\"card\" id=\"form-data\">", "</section>");
        Assert.Contains("<dt data-field=\"targetRank\">目标职级</dt>", form, StringComparison.Ordinal);
        Assert.Contains("<pre class=\"value\">组长</pre>", form, StringComparison.Ordinal);
        Assert.Contains("<pre class=\"value\">个人自荐</pre>", form, StringComparison.Ordinal);
        Assert.Contains($"<pre class=\"value\">{names.Member}</pre>", form, StringComparison.Ordinal);

        // The running application's facts are on its page too.
        Assert.Contains("data-facts=\"promotion\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AColleague_CannotOpenAMembersApplication_NorActOnTheSupervisorsTask()
    {
        var round = await RoundAsync("理由");
        using var colleague = await WebSession.SignInAsync(app, round.Team.Colleague.UserName, DisputeTeam.Password);
        var names = await NamesAsync(round.Team);

        var (status, page) = await colleague.GetAsync($"/Instances/{round.PromotionId}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("id=\"not-found\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain(names.Member, page, StringComparison.Ordinal);
        Assert.DoesNotContain("升职申请理由", page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"diagram\"", page, StringComparison.Ordinal);

        var (_, inbox) = await colleague.GetAsync("/Inbox");
        Assert.DoesNotContain(round.PromotionTask, inbox, StringComparison.Ordinal);
        var (acted, refusal) = await colleague.SubmitAsync("/Inbox?handler=Act", inbox,
            new() { ["taskId"] = round.PromotionTask, ["decision"] = "approve", ["comment"] = "ok" });
        Assert.Equal(HttpStatusCode.NotFound, acted);
        Assert.Contains("没有这个任务，或您无权查看。", refusal, StringComparison.Ordinal);
        Assert.DoesNotContain(names.Member, refusal, StringComparison.Ordinal);
        var (claimed, _) = await colleague.SubmitAsync("/Inbox?handler=Claim", inbox, new() { ["taskId"] = round.PromotionTask });
        Assert.Equal(HttpStatusCode.NotFound, claimed);

        // The withdraw of someone else's application is answered as if it did not exist.
        using var withdraw = await colleague.PostFormAsync($"/Instances/{round.PromotionId}?handler=Withdraw", inbox, new() { ["reason"] = "x" });
        Assert.Equal(HttpStatusCode.NotFound, withdraw.StatusCode);
        Assert.Equal(TaskState.Open, (await app.WithDbAsync(db => db.Tasks.SingleAsync(t => t.Id == round.PromotionTask))).Status);
        Assert.Equal("Running", (await app.InstanceAsync(round.PromotionId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Refusals_AreShownInTheReadersLanguage()
    {
        var round = await RoundAsync("理由");
        using var supervisor = await WebSession.SignInAsync(app, "supervisor");
        var (_, inbox) = await supervisor.GetAsync("/Inbox");

        // Rejecting needs a comment (the engine's 422), in Chinese by default…
        var (status, page) = await supervisor.SubmitAsync("/Inbox?handler=Act", inbox, new() { ["taskId"] = round.PromotionTask, ["decision"] = "reject" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Contains("未能完成：此处理方式须填写意见。", page, StringComparison.Ordinal);
        Assert.DoesNotContain("requires a comment", page, StringComparison.Ordinal);

        // …reducing without an amount names the missing field…
        var (missing, reduce) = await supervisor.SubmitAsync("/Inbox?handler=Act", page, new() { ["taskId"] = round.DisputeTask, ["decision"] = "reduce" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing);
        Assert.Contains("未能完成：缺少必填内容。 须填写金额", reduce, StringComparison.Ordinal);

        // …and in English after switching.
        using var switched = await supervisor.PostFormAsync("/Culture", reduce, new() { ["culture"] = "en", ["returnUrl"] = "/Inbox" });
        var (_, english) = await supervisor.GetAsync("/Inbox");
        var (again, englishPage) = await supervisor.SubmitAsync("/Inbox?handler=Act", english, new() { ["taskId"] = round.PromotionTask, ["decision"] = "reject" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, again);
        Assert.Contains("Not done: This decision needs a comment.", englishPage, StringComparison.Ordinal);
        Assert.Contains("Supervisor assesses and approves", englishPage, StringComparison.Ordinal);
        Assert.Contains("Not eligible", englishPage, StringComparison.Ordinal);

        // The subject of a request is refused on their own task (403), in English now too.
        using var leader = await WebSession.SignInAsync(app, round.Team.Leader.UserName, DisputeTeam.Password);
        var (_, leaderInbox) = await leader.GetAsync("/Inbox");
        using (await leader.PostFormAsync("/Culture", leaderInbox, new() { ["culture"] = "en", ["returnUrl"] = "/Inbox" }))
        {
        }

        var (_, leaderEnglish) = await leader.GetAsync("/Inbox");
        var (own, ownPage) = await leader.SubmitAsync("/Inbox?handler=Act", leaderEnglish, new() { ["taskId"] = round.SwapTask, ["decision"] = "approve" });
        Assert.Equal(HttpStatusCode.Forbidden, own);
        Assert.Contains("Not done: You cannot act on a task of your own application or request.", ownPage, StringComparison.Ordinal);
        Assert.Equal(TaskState.Open, (await app.WithDbAsync(db => db.Tasks.SingleAsync(t => t.Id == round.SwapTask))).Status);
    }

    private async Task<(int Commands, string Body)> CountedInboxAsync(WebSession session, CommandCounter counter)
    {
        counter.Reset();
        counter.Listening = true;
        var (status, body) = await session.GetAsync("/Inbox");
        counter.Listening = false;
        Assert.Equal(HttpStatusCode.OK, status);
        return (counter.Count, body);
    }

    /// <summary>
    /// A fresh team, and in the supervisor's inbox: the member's promotion (HR registered it; a violation recorded
    /// afterwards now blocks it), the leader's own cover request (the member accepted) and the colleague's dispute of a
    /// violation the leader recorded (so no leader review).
    /// </summary>
    private async Task<Round> RoundAsync(string disputeReason)
    {
        var team = await DisputeTeam.CreateAsync(app);
        using var member = await team.LoginAsync(team.Member);
        using var leader = await team.LoginAsync(team.Leader);
        using var colleague = await team.LoginAsync(team.Colleague);

        var promotionId = Id(await ApiAssert.JsonAsync(await member.PostAsJsonAsync("/api/promotions",
            new { candidateId = team.Member.Id, targetRank = "GroupLeader", channel = "Self", statement = "升职申请理由" }), HttpStatusCode.Created));
        using (var hr = await app.LoginAsync("hr"))
        {
            var register = await app.TaskInInboxAsync("hr", promotionId);
            (await hr.PostAsJsonAsync($"/api/tasks/{Id(register)}/complete", new { action = "approve", comment = "材料齐全" })).EnsureSuccessStatusCode();
        }

        await RecordAsync(leader, team.Member.Id, "2026-03-01", "与客户争吵，已口头提醒");

        var shift = await ShiftAsync(team.GroupId, team.Leader.Id);
        var swapId = Id(await ApiAssert.JsonAsync(await leader.PostAsJsonAsync("/api/shift-swaps",
            new { shiftId = shift, counterpartId = team.Member.Id, reason = "家里有事" }), HttpStatusCode.Created));
        var accept = await DisputeCalls.OpenTaskAsync(member, swapId) ?? throw new InvalidOperationException("The counterpart has no task.");
        (await DisputeCalls.CompleteAsync(member, accept, "accept")).EnsureSuccessStatusCode();

        var violation = await RecordAsync(leader, team.Colleague.Id, "2026-03-01", "与客户争吵，已口头提醒");
        var disputeId = Id(await ApiAssert.JsonAsync(await colleague.PostAsJsonAsync("/api/disputes", new { violationId = violation, reason = disputeReason }), HttpStatusCode.Created));

        return new Round(team, promotionId, swapId, disputeId,
            Id(await app.TaskInInboxAsync("supervisor", promotionId)), Id(await app.TaskInInboxAsync("supervisor", swapId)), Id(await app.TaskInInboxAsync("supervisor", disputeId)));
    }

    private static async Task<string> RecordAsync(HttpClient recorder, string employeeId, string occurredOn, string description) =>
        Id(await ApiAssert.JsonAsync(await recorder.PostAsJsonAsync("/api/violations",
            new { employeeId, ruleCode = "R06", occurredOn, description, penaltyAmount = 30m }), HttpStatusCode.Created));

    private async Task<string> ShiftAsync(string groupId, string employeeId)
    {
        using var hr = await app.LoginAsync("hr");
        var shift = Id(await ApiAssert.JsonAsync(await hr.PostAsJsonAsync("/api/shifts",
            new { groupId, date = ShiftDay, start = "08:00", end = "16:00", minStaff = 1 }), HttpStatusCode.Created));
        await ApiAssert.JsonAsync(await hr.PostAsJsonAsync($"/api/shifts/{shift}/assignments", new { employeeId }), HttpStatusCode.Created);
        return shift;
    }

    private Task<(string Leader, string Member, string Group)> NamesAsync(DisputeTeam team) => app.WithDbAsync(async db =>
        ((await db.Users.SingleAsync(u => u.Id == team.Leader.Id)).Name, (await db.Users.SingleAsync(u => u.Id == team.Member.Id)).Name,
            (await db.Groups.SingleAsync(g => g.Id == team.GroupId)).Name));

    private static string Id(JsonElement element) => element.GetProperty("id").GetString()!;

    /// <summary>The inbox card of one task.</summary>
    private static string Card(string page, string taskId) => Between(page, $"data-task=\"{taskId}\"", "</article>");

    private static string Between(string page, string start, string end)
    {
        var from = page.IndexOf(start, StringComparison.Ordinal);
        Assert.True(from >= 0, $"'{start}' is not on the page.");
        var to = page.IndexOf(end, from, StringComparison.Ordinal);
        return page[from..(to < 0 ? page.Length : to)];
    }
}

public sealed class InboxPageTests_Sqlite(SqliteApp app) : InboxPageTests(app), IClassFixture<SqliteApp>;

public sealed class InboxPageTests_Postgres : InboxPageTests, IClassFixture<PostgresApp>
{
    public InboxPageTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
