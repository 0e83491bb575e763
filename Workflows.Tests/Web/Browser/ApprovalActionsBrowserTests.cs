using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Workflows.Definitions.Engine;
using Workflows.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Tests.Web.Browser;

/// <summary>
/// Issue 17's approval actions walked in the browser on the test design (leader → supervisor → HR): the supervisor
/// adds the manager as a signer before them, the manager approves, the supervisor returns the application to the
/// applicant with a comment, the applicant amends and resubmits, the supervisor approves; HR, on leave, delegates
/// to a colleague who approves on HR's behalf. Screenshots at desktop width and at 390 px.
/// </summary>
public sealed class ApprovalActionsBrowserTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    private const string Design = "test.three-approvals";

    private static async Task PhoneShotAsync(BrowserSession session, string step)
    {
        await session.Page.SetViewportSizeAsync(390, 844);
        await session.ShotAsync(step + "-390px");
        await session.Page.SetViewportSizeAsync(1280, 900);
    }

    private ILocator Card(IPage page, string instanceId) =>
        page.Locator("article[data-task]").Filter(new() { Has = page.Locator($"a[href='/Instances/{instanceId}']") });

    [Fact]
    public async Task Supervisor_AddsTheManager_Returns_ApplicantResubmits_SupervisorApproves_ThenADelegateApprovesForHr()
    {
        BrowserApp.EnsureChromium();
        var shots = Screenshots.For();
        var id = await app.StartAsync(Design, "member1a", null, ("statement", "入职两年，带新人。"));
        using (var leader = await app.LoginAsync("leader1"))
        {
            var task = await app.TaskInInboxAsync("leader1", id);
            await ApiAssert.JsonAsync(await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(leader,
                $"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { action = "approve", comment = "组内表现好" }));
        }

        var managerName = await app.WithDbAsync(async db => (await db.Users.SingleAsync(u => u.UserName == "manager")).Name);
        var managerPick = await app.WithDbAsync(async db =>
        {
            var m = await db.Users.SingleAsync(u => u.UserName == "manager");
            return m.GroupId is null ? m.Name : $"{m.Name}（{(await db.Groups.SingleAsync(g => g.Id == m.GroupId)).Name}）";
        });

        // The supervisor adds the manager to sign before them.
        await using (var supervisor = await BrowserSession.SignInAsync(app, shots, "supervisor"))
        {
            var page = supervisor.Page;
            await page.GotoAsync("/Inbox");
            var card = Card(page, id);
            await Expect(card.Locator(".earlier-comments")).ToContainTextAsync("组内表现好");
            await card.Locator("details.add-signer summary").ClickAsync();
            await card.Locator("input[name=signerId]").FillAsync(managerPick);
            await card.Locator("input[name=position][value=before]").CheckAsync();
            await card.Locator("details.add-signer textarea[name=signerComment]").FillAsync("涉及编制，请经理先看。");
            await supervisor.ShotAsync("supervisor-add-signer");
            await PhoneShotAsync(supervisor, "supervisor-add-signer");
            await card.Locator("details.add-signer button[type=submit]").ClickAsync();
            await Expect(page.Locator("p.ok[role=status]")).ToContainTextAsync($"已加签 {managerName}。");
            await supervisor.ShotAsync("supervisor-signer-added");
        }

        // The manager approves first.
        await using (var manager = await BrowserSession.SignInAsync(app, shots, "manager"))
        {
            await manager.Page.GotoAsync("/Inbox");
            await Expect(Card(manager.Page, id).Locator(".pill").Filter(new() { HasText = "加签" })).ToBeVisibleAsync();
            await manager.DecideInInboxAsync(id, "approve", "编制允许，同意。", "manager-approve");
        }

        // The supervisor returns it to the applicant with a comment (refused without one, on the card).
        await using (var supervisor = await BrowserSession.SignInAsync(app, shots, "supervisor"))
        {
            var page = supervisor.Page;
            await page.GotoAsync("/Inbox");
            var card = Card(page, id);
            await Expect(card.Locator(".earlier-comments")).ToContainTextAsync("编制允许，同意。");
            // Earlier decisions by what was decided, not the engine's "处理任务".
            await Expect(card.Locator(".earlier-comments")).ToContainTextAsync("同意");
            await Expect(card.Locator(".earlier-comments")).Not.ToContainTextAsync("处理任务");
            await card.Locator("input[name=decision][value=return]").CheckAsync();
            await card.Locator("form.act button[type=submit].primary").First.ClickAsync();
            await Expect(Card(page, id).Locator("[data-refusal]")).ToContainTextAsync("须填写意见");
            await supervisor.ShotAsync("supervisor-return-refused");
            card = Card(page, id);
            await card.Locator("input[name=decision][value=return]").CheckAsync();
            await card.Locator("textarea[name=comment]").First.FillAsync("请补充带教新人的具体情况。");
            await card.Locator("form.act button[type=submit].primary").First.ClickAsync();
            await Expect(page.Locator("p.ok[role=status]")).ToBeVisibleAsync();
            await supervisor.ShotAsync("supervisor-returned");
        }

        // The applicant sees why, amends the statement and resubmits.
        await using (var member = await BrowserSession.SignInAsync(app, shots, "member1a"))
        {
            var page = member.Page;
            await page.GotoAsync("/Inbox");
            var card = Card(page, id);
            await Expect(card.Locator(".returned")).ToContainTextAsync("请补充带教新人的具体情况。");
            // The applicant's own task: no "未认领 · 认领" line speaking to an approver.
            await Expect(card.Locator(".claim")).ToHaveCountAsync(0);
            await Expect(card.Locator("textarea[name=statement]")).ToHaveValueAsync("入职两年，带新人。");
            await card.Locator("textarea[name=statement]").FillAsync("入职两年，带教新人 3 名，均已转正。");
            await card.Locator("input[name=decision][value=resubmit]").CheckAsync();
            await member.ShotAsync("member-amend");
            await PhoneShotAsync(member, "member-amend");
            await card.Locator("form.act button[type=submit].primary").ClickAsync();
            await Expect(page.Locator("p.ok[role=status]")).ToBeVisibleAsync();
        }

        // The supervisor approves; the timeline says every step in words.
        await using (var supervisor = await BrowserSession.SignInAsync(app, shots, "supervisor"))
        {
            await supervisor.DecideInInboxAsync(id, "approve", "补充充分，同意。", "supervisor-approve");
            await supervisor.Page.GotoAsync($"/Instances/{id}");
            var timeline = supervisor.Page.Locator("#timeline");
            await Expect(timeline).ToContainTextAsync($"加签 {managerName}（在前）");
            await Expect(timeline).ToContainTextAsync("退回申请人修改");
            await Expect(timeline).ToContainTextAsync("重新提交");
            await supervisor.ShotAsync("timeline");
            await PhoneShotAsync(supervisor, "timeline");
        }

        // HR is on leave: delegates to the manager, who approves on HR's behalf.
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(app.Clock.GetUtcNow(), TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).DateTime);
        var hrName = await app.WithDbAsync(async db => (await db.Users.SingleAsync(u => u.UserName == "hr")).Name);
        await using (var hr = await BrowserSession.SignInAsync(app, shots, "hr"))
        {
            var page = hr.Page;
            await hr.NavigateAsync("代理设置");
            await page.FillAsync("input[name=delegateName]", managerName);
            await page.FillAsync("input[name=from]", today.ToString("yyyy-MM-dd"));
            await page.FillAsync("input[name=to]", today.AddDays(3).ToString("yyyy-MM-dd"));
            await hr.ShotAsync("hr-delegation");
            await PhoneShotAsync(hr, "hr-delegation");
            await page.Locator("#delegation form.act button[type=submit]").ClickAsync();
            await Expect(page.Locator("p.ok[role=status]")).ToHaveTextAsync("代理已保存。");
        }

        await using (var manager = await BrowserSession.SignInAsync(app, shots, "manager"))
        {
            await manager.Page.GotoAsync("/Inbox");
            await Expect(Card(manager.Page, id).Locator(".on-behalf")).ToHaveTextAsync($"代 {hrName} 审批");
            await PhoneShotAsync(manager, "delegate-inbox");
            await manager.DecideInInboxAsync(id, "approve", "代人事审批：同意。", "delegate-approve");
        }

        var decision = await app.WithDbAsync(async db => await db.History.AsNoTracking()
            .Where(h => h.InstanceId == id && h.Kind == HistoryKinds.TaskCompleted && h.Comment == "代人事审批：同意。").SingleAsync());
        Assert.Equal(await app.IdOfAsync("manager"), decision.ActorId);
        Assert.Equal(await app.IdOfAsync("hr"), decision.OnBehalfOf);
    }
}
