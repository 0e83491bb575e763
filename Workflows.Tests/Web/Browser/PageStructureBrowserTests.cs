using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Workflows.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Tests.Web.Browser;

/// <summary>
/// Issue 19's structure, in the browser: every page fits a 390 px phone with a usable header (screenshots at desktop
/// width and 390 px of each); a refused decision is shown on its card with the input kept; the swap form keeps what was
/// typed when the colleague's shifts are shown; the promotion form offers only what can succeed and refreshes the ranks
/// when the candidate changes; destructive actions ask first and cancelling does nothing; the process graph marks the
/// current step.
/// </summary>
public sealed class PageStructureBrowserTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    private const string Design = "test.three-approvals";

    /// <summary>
    /// Every page of the host (each .cshtml under Pages/ that is not a partial), the people who open it, and how to
    /// reach it. A new page without a row here fails <see cref="EveryPage_At390px_FitsTheScreen_WithAUsableHeader"/>.
    /// </summary>
    private static IReadOnlyList<(string Page, string User, string Url)> Routes(Scene scene) =>
    [
        ("Index", "member1a", "/"), ("Index", "leader1", "/"), ("Index", "hr", "/"), ("Index", "gm", "/"),
        ("Inbox", "leader1", "/Inbox"), ("Inbox", "supervisor", "/Inbox"),
        ("Account/Login", "", "/Account/Login"), ("Account/ChangePassword", "member1a", "/Account/ChangePassword"),
        ("Account/Denied", "member1a", "/Account/Denied"), ("Account/Logout", "", "/Account/Login"), ("Culture", "", "/Account/Login"),
        ("Copies/Index", "member1a", "/Copies"),
        ("Delegation/Index", "member1a", "/Delegation"), ("Delegation/Index", "hr", $"/Delegation?employeeId={scene.Member}"),
        ("Disputes/New", "member1a", $"/Disputes/New?violationId={scene.Violation}"),
        ("History/Index", "hr", "/History"), ("History/Trace", "hr", $"/History/Trace/{scene.Instance}"),
        ("Instances/Detail", "member1a", $"/Instances/{scene.Instance}"), ("Instances/Detail", "leader1", $"/Instances/{scene.Instance}"),
        ("Jobs/Index", "hr", "/Jobs"), ("Overview/Index", "gm", "/Overview"), ("Overview/Index", "leadership", "/Overview"),
        ("Notifications/Index", "leader1", "/Notifications"), ("Notifications/Failed", "hr", "/Notifications/Failed"),
        ("Org/Index", "hr", "/Org"), ("Org/Import", "hr", "/Org/Import"),
        ("Promotions/New", "member1a", "/Promotions/New"), ("Promotions/New", "leader2", "/Promotions/New"), ("Promotions/New", "supervisor", "/Promotions/New"),
        ("Promotions/Print", "hr", $"/Promotions/Print/{scene.Instance}"),
        ("Reports/Index", "manager", "/Reports"), ("Reports/Index", "gm", "/Reports"),
        ("Rewards/Index", "supervisor", "/Rewards"),
        ("Roster/Index", "leader1", "/Roster"), ("Roster/Index", "member1a", "/Roster"),
        ("Seats/Index", "hr", "/Seats"),
        ("ShiftSwaps/New", "member1a", "/ShiftSwaps/New"),
        ("Statements/Index", "hr", "/Statements"), ("Statements/Mine", "member1a", "/Statements/Mine"),
        ("Violations/Index", "leader1", "/Violations"), ("Violations/Detail", "leader1", $"/Violations/{scene.Violation}"),
        ("Violations/Record", "leader1", "/Violations/Record"),
    ];

    private sealed record Scene(string Member, string Instance, string Violation);

    private async Task<Scene> SceneAsync()
    {
        var member = await app.IdOfAsync("member1a");
        var instance = await app.StartAsync(Design, "member1a", null, ("statement", "入职两年，带新人，客户满意度连续三个月第一。" + new string('长', 300)));
        using (var leader = await app.LoginAsync("leader1"))
        {
            var task = await app.TaskInInboxAsync("leader1", instance);
            await ApiAssert.JsonAsync(await leader.PostAsJsonAsync($"/api/tasks/{task.GetProperty("id").GetString()}/complete",
                new { action = "approve", comment = "组内表现好，" + new string('好', 400) }));
        }

        var violation = await ViolationAsync("leader1", member);
        using (var leader = await app.LoginAsync("leader1"))
        {
            var group = (await app.WithDbAsync(db => db.Users.SingleAsync(u => u.Id == member))).GroupId!;
            await ShiftAsync(leader, group, "2026-03-04", "09:00", "18:00", member);
            await ShiftAsync(leader, group, "2026-03-05", "22:00", "06:00", member, await app.IdOfAsync("member1b"));
        }

        return new Scene(member, instance, violation);
    }

    private async Task<string> ViolationAsync(string recorder, string employeeId)
    {
        using var client = await app.LoginAsync(recorder);
        return (await ApiAssert.JsonAsync(await client.PostAsJsonAsync("/api/violations",
            new { employeeId, ruleCode = "R14", occurredOn = "2026-03-01", description = "抽查发现 spot check" }), HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }

    private static string PagesFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Workflows.sln")))
            {
                return Path.Combine(dir.FullName, "Workflows.Host", "Pages");
            }
        }

        throw new InvalidOperationException("Workflows.sln not found above the test's folder.");
    }

    [Fact]
    public async Task EveryPage_At390px_FitsTheScreen_WithAUsableHeader()
    {
        BrowserApp.EnsureChromium();
        var shots = Screenshots.For();
        var scene = await SceneAsync();
        var routes = Routes(scene);

        var pages = Directory.GetFiles(PagesFolder(), "*.cshtml", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(PagesFolder(), f).Replace('\\', '/')[..^".cshtml".Length])
            .Where(p => !Path.GetFileName(p).StartsWith('_'))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Empty(pages.Except(routes.Select(r => r.Page)).Order(StringComparer.Ordinal));

        var failures = new List<string>();
        foreach (var user in routes.Select(r => r.User).Distinct())
        {
            await using var session = user == "" ? await AnonymousAsync(shots) : await BrowserSession.SignInAsync(app, shots, user);
            var page = session.Page;
            foreach (var (name, _, url) in routes.Where(r => r.User == user).DistinctBy(r => r.Url))
            {
                await page.SetViewportSizeAsync(1280, 900);
                var response = await page.GotoAsync(url);
                Assert.True(response is not null && response.Status < 500, $"{user} {url}: {response?.Status}");
                var shot = $"{(user == "" ? "anon" : user)}-{name.Replace('/', '-')}";
                await session.ShotAsync(shot + "-desktop");
                await page.SetViewportSizeAsync(390, 844);
                var (documentWidth, brandHeight) = await MeasureAsync(page);
                await session.ShotAsync(shot + "-390px");
                if (documentWidth > 390)
                {
                    failures.Add($"{user} {url}: the page is {documentWidth} px wide at 390 px");
                }

                // The product name stays on one line (about one line of text high), never one character per line.
                if (brandHeight > 40)
                {
                    failures.Add($"{user} {url}: the product name is {brandHeight} px high");
                }

                if (user != "")
                {
                    // The header folds its links behind 菜单, which opens them, and they fit too.
                    var toggle = page.Locator("#menu-toggle");
                    await Expect(toggle).ToBeVisibleAsync();
                    await Expect(page.Locator("#main-nav")).ToBeHiddenAsync();
                    await toggle.ClickAsync();
                    await Expect(page.Locator("#main-nav a[href='/Inbox']")).ToBeVisibleAsync();
                    var (openWidth, _) = await MeasureAsync(page);
                    if (openWidth > 390)
                    {
                        failures.Add($"{user} {url}: with the menu open the page is {openWidth} px wide");
                    }

                    await toggle.ClickAsync();
                }
            }
        }

        Assert.Empty(failures);
    }

    private static async Task<(int Width, int BrandHeight)> MeasureAsync(IPage page)
    {
        var width = await page.EvaluateAsync<int>("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)");
        var brand = await page.EvaluateAsync<int>("() => { const b = document.querySelector('.brand'); return b ? Math.round(b.getBoundingClientRect().height) : 0; }");
        return (width, brand);
    }

    private async Task<BrowserSession> AnonymousAsync(Screenshots shots)
    {
        // The sign-in page itself: a session whose sign-in is not completed (it signs in a user and then signs out).
        var session = await BrowserSession.SignInAsync(app, shots, "member1b");
        await session.Page.Context.ClearCookiesAsync();
        return session;
    }

    [Fact]
    public async Task RefusedReduce_IsShownOnItsCard_WithTheDecisionAndAmountKept_NotAsDone()
    {
        BrowserApp.EnsureChromium();
        var shots = Screenshots.For();
        var member = await app.IdOfAsync("member1b");
        var violation = await ViolationAsync("leader1", member);
        var penalty = await app.WithDbAsync(async db => (await db.Set<Workflows.Host.Violations.Violation>().SingleAsync(v => v.Id == violation)).PenaltyAmount);
        string dispute;
        using (var client = await app.LoginAsync("member1b"))
        {
            dispute = (await ApiAssert.JsonAsync(await client.PostAsJsonAsync("/api/disputes", new { violationId = violation, reason = "当时系统故障" }), HttpStatusCode.Created))
                .GetProperty("id").GetString()!;
        }

        var tooMuch = (penalty + 30m).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
        await using var supervisor = await BrowserSession.SignInAsync(app, shots, "supervisor");
        var page = supervisor.Page;
        await page.GotoAsync("/Inbox");
        var card = page.Locator("article[data-task]").Filter(new() { Has = page.Locator($"a[href='/Instances/{dispute}']") });
        await card.Locator("input[name=decision][value=reduce]").CheckAsync();
        await card.Locator("input[name=amount]").FillAsync(tooMuch);
        await card.Locator("textarea[name=comment]").FillAsync("初犯，减免一部分。");
        await card.Locator("button[type=submit].primary").ClickAsync();

        // On the card, in words; nothing at the top of the page says it was done; the input is still there.
        card = page.Locator("article[data-task]").Filter(new() { Has = page.Locator($"a[href='/Instances/{dispute}']") });
        await Expect(card.Locator("p.error[role=alert]")).ToBeVisibleAsync();
        await Expect(page.Locator("p.ok[role=status]")).ToHaveCountAsync(0);
        await Expect(page.Locator("#refusal")).ToHaveCountAsync(0);
        await Expect(card.Locator("input[name=decision][value=reduce]")).ToBeCheckedAsync();
        await Expect(card.Locator("input[name=amount]")).ToHaveValueAsync(tooMuch);
        await Expect(card.Locator("textarea[name=comment]")).ToHaveValueAsync("初犯，减免一部分。");
        await supervisor.ShotAsync("reduce-refused-on-card");
        await page.SetViewportSizeAsync(390, 844);
        await supervisor.ShotAsync("reduce-refused-on-card-390px");
        var open = await app.WithDbAsync(db => db.Instances.SingleAsync(i => i.Id == dispute));
        Assert.Equal("decide", open.CurrentStep);
    }

    [Fact]
    public async Task SwapForm_ShowingTheColleaguesShifts_KeepsTheChosenShiftAndTheReason()
    {
        BrowserApp.EnsureChromium();
        var shots = Screenshots.For();
        var (a, b) = (await app.IdOfAsync("member3a"), await app.IdOfAsync("member3b"));
        string mine, theirs;
        using (var leader = await app.LoginAsync("leader3"))
        {
            var group = (await app.WithDbAsync(db => db.Users.SingleAsync(u => u.Id == a))).GroupId!;
            mine = await ShiftAsync(leader, group, "2026-03-12", "09:00", "18:00", a);
            theirs = await ShiftAsync(leader, group, "2026-03-13", "09:00", "18:00", b);
        }

        await using var requester = await BrowserSession.SignInAsync(app, shots, "member3a");
        var page = requester.Page;
        await page.GotoAsync("/ShiftSwaps/New");
        // Own group first in the grouped, searchable colleague list.
        var ownGroup = await app.WithDbAsync(async db => (await db.Groups.SingleAsync(g => g.Id == db.Users.Single(u => u.Id == a).GroupId)).Name);
        await Expect(page.Locator("#counterpart optgroup").First).ToHaveAttributeAsync("label", ownGroup);
        await page.FillAsync("input[data-filter-for=counterpart]", await app.WithDbAsync(async db => (await db.Users.SingleAsync(u => u.Id == b)).Name));
        await Expect(page.Locator($"#counterpart option[value='{b}']")).ToHaveJSPropertyAsync("hidden", false);
        await Expect(page.Locator($"#counterpart option:not([value='{b}']):not([value=''])").First).ToHaveJSPropertyAsync("hidden", true);

        await page.CheckAsync($"input[name=ShiftId][value='{mine}']");
        await page.FillAsync("#reason", "周四要去医院复查。");
        await page.SelectOptionAsync("#counterpart", b);
        await page.ClickAsync("#show-shifts");
        await Expect(page.Locator($"input[name=CounterpartShiftId][value='{theirs}']")).ToBeVisibleAsync();
        await Expect(page.Locator($"input[name=ShiftId][value='{mine}']")).ToBeCheckedAsync();
        await Expect(page.Locator("#reason")).ToHaveValueAsync("周四要去医院复查。");
        await Expect(page.Locator("#counterpart")).ToHaveValueAsync(b);
        await requester.ShotAsync("swap-kept-input");

        // And the form, shown again, still files.
        await page.CheckAsync($"input[name=CounterpartShiftId][value='{theirs}']");
        await page.ClickAsync("#submit");
        await page.WaitForURLAsync(new Regex("/Instances/[^/?]+$"));
    }

    [Fact]
    public async Task PromotionForm_OffersOnlyWhatCanSucceed_AndRefreshesTheRanksWhenTheCandidateChanges()
    {
        BrowserApp.EnsureChromium();
        var shots = Screenshots.For();

        // leader2 for themself: 组长→主管 is by the Supervisor's nomination only, so it is not offered, and the form says why.
        await using (var leader = await BrowserSession.SignInAsync(app, shots, "leader2"))
        {
            var page = leader.Page;
            await page.GotoAsync("/Promotions/New");
            await Expect(page.Locator("#target-rank option[value=Supervisor]")).ToHaveCountAsync(0);
            await Expect(page.Locator("#ranks-not-offered")).ToContainTextAsync("主管提名");
            await leader.ShotAsync("leader-own-promotion");
        }

        // The supervisor nominating: only the channels open to a supervisor; a new candidate refreshes the ranks and keeps the statement.
        await using var supervisor = await BrowserSession.SignInAsync(app, shots, "supervisor");
        var p = supervisor.Page;
        var leader1 = await app.IdOfAsync("leader1");
        var member = await app.IdOfAsync("member1c");
        await p.GotoAsync($"/Promotions/New?candidateId={member}");
        await Expect(p.Locator("#channel option[value=Self]")).ToHaveCountAsync(0);
        await Expect(p.Locator("#channels-not-offered")).ToContainTextAsync("个人自荐");
        await Expect(p.Locator("#target-rank option[value=GroupLeader]")).ToHaveCountAsync(1);
        await p.FillAsync("#statement", "带教新人三名，质检满分。");
        await p.SelectOptionAsync("#candidate", leader1);
        await Expect(p.Locator("#target-rank option[value=GroupLeader]")).ToHaveCountAsync(0);
        await Expect(p.Locator("#target-rank option:checked")).ToHaveAttributeAsync("value", "Supervisor");
        await Expect(p.Locator("#channel option")).ToHaveCountAsync(1);
        await Expect(p.Locator("#channel option[value=SupervisorNomination]")).ToHaveCountAsync(1);
        await Expect(p.Locator("#statement")).ToHaveValueAsync("带教新人三名，质检满分。");
        await supervisor.ShotAsync("supervisor-nominates-leader");
        await p.ClickAsync("#submit");
        await p.WaitForURLAsync(new Regex("/Instances/[^/?]+$"));
        await Expect(p.Locator("#form-data")).ToContainTextAsync("带教新人三名，质检满分。");
    }

    [Fact]
    public async Task Withdraw_AsksFirst_AndCancellingLeavesTheApplicationRunning()
    {
        BrowserApp.EnsureChromium();
        var shots = Screenshots.For();
        var id = await app.StartAsync(Design, "member2c", null, ("statement", "申请晋升。"));
        await using var member = await BrowserSession.SignInAsync(app, shots, "member2c");
        var page = member.Page;
        await page.GotoAsync($"/Instances/{id}");
        await page.ClickAsync("#withdraw summary");
        await page.FillAsync("#withdraw input[name=reason]", "想再准备一下");
        string? asked = null;
        void Dismiss(object? sender, IDialog dialog)
        {
            asked = dialog.Message;
            _ = dialog.DismissAsync();
        }

        page.Dialog += Dismiss;
        await page.ClickAsync("#withdraw button[type=submit]");
        await Expect(page.Locator("#withdraw input[name=reason]")).ToHaveValueAsync("想再准备一下");
        page.Dialog -= Dismiss;
        Assert.Contains("撤回", asked ?? "", StringComparison.Ordinal);
        Assert.Equal(Workflows.Definitions.Engine.InstanceStatus.Running, (await app.WithDbAsync(db => db.Instances.SingleAsync(i => i.Id == id))).Status);

        page.Dialog += (_, dialog) => _ = dialog.AcceptAsync();
        await page.ClickAsync("#withdraw button[type=submit]");
        await Expect(page.Locator("p.ok[role=status]")).ToBeVisibleAsync();
        await member.ShotAsync("withdrawn-after-confirm");
        Assert.Equal(Workflows.Definitions.Engine.InstanceStatus.Cancelled, (await app.WithDbAsync(db => db.Instances.SingleAsync(i => i.Id == id))).Status);
    }

    /// <summary>
    /// Without JavaScript there is no dialog: 撤回 shows the page's own question (which application, what withdrawing
    /// does); 取消 goes back with nothing changed, and only the confirm button withdraws.
    /// </summary>
    [Fact]
    public async Task Withdraw_WithoutJavaScript_AsksOnThePage_AndOnlyTheConfirmButtonWithdraws()
    {
        BrowserApp.EnsureChromium();
        var shots = Screenshots.For();
        var id = await app.StartAsync(Design, "member2c", null, ("statement", "申请晋升。"));
        var reference = await app.WithDbAsync(db => db.Instances.Where(i => i.Id == id).Select(i => i.Number).SingleAsync());
        await using var member = await BrowserSession.SignInAsync(app, shots, "member2c", javaScript: false);
        var page = member.Page;
        await page.GotoAsync($"/Instances/{id}");
        await page.ClickAsync("#withdraw summary");
        await page.FillAsync("#withdraw input[name=reason]", "想再准备一下");
        await page.ClickAsync("#withdraw button[type=submit]");
        await Expect(page.Locator("#confirm")).ToContainTextAsync("确定撤回这份申请？");
        await Expect(page.Locator("#confirm")).ToContainTextAsync(Workflows.Host.Runtime.ReferenceNumbers.Format(reference));
        await member.ShotAsync("withdraw-asked-without-js");
        Assert.Equal(Workflows.Definitions.Engine.InstanceStatus.Running, (await app.WithDbAsync(db => db.Instances.SingleAsync(i => i.Id == id))).Status);

        await page.ClickAsync("#confirm-cancel");
        await page.WaitForURLAsync(new Regex($"/Instances/{id}$"));
        await Expect(page.Locator("#withdraw")).ToBeAttachedAsync();
        Assert.Equal(Workflows.Definitions.Engine.InstanceStatus.Running, (await app.WithDbAsync(db => db.Instances.SingleAsync(i => i.Id == id))).Status);

        await page.ClickAsync("#withdraw summary");
        await page.FillAsync("#withdraw input[name=reason]", "想再准备一下");
        await page.ClickAsync("#withdraw button[type=submit]");
        await page.ClickAsync("#confirm-yes");
        await Expect(page.Locator("p.ok[role=status]")).ToBeVisibleAsync();
        await member.ShotAsync("withdrawn-after-confirm-without-js");
        Assert.Equal(Workflows.Definitions.Engine.InstanceStatus.Cancelled, (await app.WithDbAsync(db => db.Instances.SingleAsync(i => i.Id == id))).Status);
        var withdrawn = await app.WithDbAsync(db => db.History.Where(h => h.InstanceId == id && h.Kind == Workflows.Definitions.Engine.HistoryKinds.InstanceWithdrawn).ToListAsync());
        Assert.Equal("想再准备一下", Assert.Single(withdrawn).Comment);
    }

    [Fact]
    public async Task ProcessGraph_MarksTheCurrentStep_AndThePathTaken_ReadableAt390px()
    {
        BrowserApp.EnsureChromium();
        var shots = Screenshots.For();
        var id = await app.StartAsync(Design, "member2d", null, ("statement", "申请晋升。"));
        using (var leader = await app.LoginAsync("leader2"))
        {
            var task = await app.TaskInInboxAsync("leader2", id);
            await ApiAssert.JsonAsync(await leader.PostAsJsonAsync($"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { action = "approve", comment = "同意" }));
        }

        var current = (await app.WithDbAsync(db => db.Instances.SingleAsync(i => i.Id == id))).CurrentStep!;
        await using var member = await BrowserSession.SignInAsync(app, shots, "member2d");
        var page = member.Page;
        await page.GotoAsync($"/Instances/{id}");
        var graph = page.Locator("#diagram svg.flow-graph");
        await Expect(graph).ToBeVisibleAsync();
        await Expect(graph.Locator("g.node.current")).ToHaveCountAsync(1);
        await Expect(graph.Locator("g.node.current")).ToHaveAttributeAsync("data-step", current);
        Assert.True(await graph.Locator("g.edge.taken").CountAsync() >= 1);
        await member.ShotAsync("graph-desktop");
        await page.SetViewportSizeAsync(390, 844);
        await member.ShotAsync("graph-390px");
        var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(width <= 390, $"the page is {width} px wide");
        Assert.Matches(new Regex("^(auto|scroll)$"), await page.EvalOnSelectorAsync<string>("#diagram .graph-box", "e => getComputedStyle(e).overflowX"));
    }

    private static async Task<string> ShiftAsync(HttpClient leader, string groupId, string date, string start, string end, params string[] people)
    {
        var shift = await ApiAssert.JsonAsync(await leader.PostAsJsonAsync("/api/shifts", new { groupId, date, start, end, minStaff = 1 }), HttpStatusCode.Created);
        var id = shift.GetProperty("id").GetString()!;
        foreach (var employeeId in people)
        {
            (await leader.PostAsJsonAsync($"/api/shifts/{id}/assignments", new { employeeId })).EnsureSuccessStatusCode();
        }

        return id;
    }
}
