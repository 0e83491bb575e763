using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Workflows.Definitions;
using Workflows.Definitions.Engine;
using Workflows.Host.Roster;
using Workflows.Host.Runtime;
using Workflows.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Tests.Web.Browser;

/// <summary>
/// Whole workflows walked in a real browser (headless Debian Chromium through Playwright) against the host on a
/// loopback port, each person signing in with their own cookies; a screenshot of every step goes to
/// <c>TestResults/screenshots/&lt;test&gt;/</c>. SQLite lane only: one lane is enough for the browser, the pages and the
/// API run on both databases in their own tests. Not skipped under CI: a missing Chromium fails there.
/// </summary>
/// <remarks>To extend a flow, add steps with <see cref="BrowserSession.SignInAsync"/> and <see cref="BrowserSession.ShotAsync"/>
/// on the same <see cref="Screenshots"/>.</remarks>
public sealed partial class BrowserFlowTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task Member_FilesPromotion_SeesEligibilityFirst_HrAndSupervisorApprove_AppointedWhenASeatOpens()
    {
        BrowserApp.EnsureChromium();
        var shots = Screenshots.For();

        // The member: home → the form from the header, with the eligibility explanation before anything is submitted.
        string instanceId;
        await using (var member = await BrowserSession.SignInAsync(app, shots, "member1a"))
        {
            await member.ShotAsync("member-home");
            await member.NavigateAsync("晋升申请");
            var page = member.Page;
            await Expect(page.Locator("#verdict")).ToContainTextAsync("符合条件");
            await Expect(page.Locator("#window")).ToContainTextAsync("申请日前 3 个月：2025-12-02 至 2026-03-02");
            await Expect(page.Locator("#target-rank option:checked")).ToHaveTextAsync("组长");
            await member.ShotAsync("promotion-form-eligibility");

            // Server-side validation: no statement → a clear message on the form, nothing filed.
            await page.ClickAsync("#submit");
            await Expect(page.Locator("span.field-error").Filter(new() { HasText = "请填写申请理由" })).ToBeVisibleAsync();
            await member.ShotAsync("promotion-form-missing-statement");
            Assert.Equal(0, await app.WithDbAsync(db => db.Instances.CountAsync(i => i.Type == "promotion")));

            await page.FillAsync("#statement", "入职两年，带新人、做质检，希望承担组长职责。");
            await page.ClickAsync("#submit");
            await page.WaitForURLAsync(new Regex("/Instances/[^/]+$"));
            instanceId = page.Url[(page.Url.LastIndexOf('/') + 1)..];
            await Expect(page.Locator("#current-step")).ToBeVisibleAsync();
            await member.ShotAsync("promotion-filed");
        }

        // HR registers the form, the supervisor approves (designs/promotion.member-to-group-leader.json).
        await using (var hr = await BrowserSession.SignInAsync(app, shots, "hr"))
        {
            await hr.DecideInInboxAsync(instanceId, "approve", "材料齐全，已登记。", "hr-register");
        }

        await using (var supervisor = await BrowserSession.SignInAsync(app, shots, "supervisor"))
        {
            await supervisor.DecideInInboxAsync(instanceId, "approve", "考核通过，同意晋升。", "supervisor-approve");
            await supervisor.Page.GotoAsync($"/Instances/{instanceId}");
            await supervisor.ShotAsync("waiting-for-a-seat");
        }

        var waiting = await app.WithDbAsync(db => db.Instances.SingleAsync(i => i.Id == instanceId));
        Assert.Equal(("seat.vacated", InstanceStatus.Running), (waiting.WaitingFor, waiting.Status));

        // 一组's leader seat falls vacant (HR's seat administration, through the API); HR then picks the candidate (择优).
        using (var api = await app.LoginAsync("hr"))
        {
            var group = (await app.WithDbAsync(db => db.Users.SingleAsync(u => u.UserName == "member1a"))).GroupId;
            var seats = await ApiAssert.JsonAsync(await api.GetAsync("/api/seats?rank=GroupLeader"));
            var seat = seats.EnumerateArray().Single(s => s.GetProperty("groupId").GetString() == group).GetProperty("id").GetString();
            (await api.PostAsync($"/api/seats/{seat}/vacate", null)).EnsureSuccessStatusCode();
        }

        await using (var hr = await BrowserSession.SignInAsync(app, shots, "hr"))
        {
            await hr.DecideInInboxAsync(instanceId, "approve", "择优任命。", "hr-pick");
            await hr.Page.GotoAsync($"/Instances/{instanceId}");
            await hr.ShotAsync("appointed");
        }

        var done = await app.WithDbAsync(db => db.Instances.SingleAsync(i => i.Id == instanceId));
        Assert.Equal((InstanceStatus.Completed, "Approved"), (done.Status, done.Outcome));
        Assert.Equal(Rank.GroupLeader, (await app.WithDbAsync(db => db.Users.SingleAsync(u => u.UserName == "member1a"))).Rank);

        // HR traces it afterwards: history search by subject finds the application, and the CSV export holds the whole trace.
        await using (var hr = await BrowserSession.SignInAsync(app, shots, "hr"))
        {
            await hr.NavigateAsync("历史查询");
            var page = hr.Page;
            await page.FillAsync("#history-subject", "member1a");
            await page.SelectOptionAsync("#history-type", "promotion");
            await page.ClickAsync("#history-submit");
            await Expect(page).ToHaveURLAsync(new Regex("[?&]type=promotion"));
            // One row for the application (its reference number and its title both link to it).
            var found = page.Locator($"#history-results tr:has(a[href='/Instances/{instanceId}'])");
            await Expect(found).ToHaveCountAsync(1);
            await hr.ShotAsync("history-search");

            var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#history-export"));
            var file = Path.Combine(shots.Folder, "history-export.csv");
            await download.SaveAsAsync(file);
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.True(bytes.Length > 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF, "The export starts with a UTF-8 byte order mark.");
            var csv = System.Text.Encoding.UTF8.GetString(bytes);
            // The application by its reference number, as HR files it (no GUID in the export).
            var reference = Workflows.Host.Runtime.ReferenceNumbers.Of(await app.WithDbAsync(db => db.Instances.SingleAsync(i => i.Id == instanceId)));
            Assert.Contains(reference, csv, StringComparison.Ordinal);
            Assert.DoesNotContain(instanceId, csv, StringComparison.Ordinal);
            foreach (var comment in new[] { "材料齐全，已登记。", "考核通过，同意晋升。", "择优任命。" })
            {
                Assert.Contains(comment, csv, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task ShiftSwap_RefusedUpFront_ThenFiled_AcceptedByTheColleague_ApprovedByTheLeader_RosterChanged()
    {
        BrowserApp.EnsureChromium();
        var shots = Screenshots.For();
        var (a, b, c) = (await app.IdOfAsync("member2a"), await app.IdOfAsync("member2b"), await app.IdOfAsync("member2c"));
        string mine, theirs;
        using (var leaderApi = await app.LoginAsync("leader2"))
        {
            var group = (await app.WithDbAsync(db => db.Users.SingleAsync(u => u.Id == a))).GroupId;
            mine = await ShiftAsync(leaderApi, group!, "2026-03-05", "09:00", "18:00", a);
            theirs = await ShiftAsync(leaderApi, group!, "2026-03-06", "09:00", "18:00", b);
            await ShiftAsync(leaderApi, group!, "2026-03-05", "10:00", "19:00", c);
        }

        string instanceId;
        await using (var requester = await BrowserSession.SignInAsync(app, shots, "member2a"))
        {
            var page = requester.Page;
            await requester.NavigateAsync("换班申请");
            await requester.ShotAsync("swap-form");

            // 梁晨 is on a shift overlapping mine: the up-front check refuses the cover on the page.
            await page.SelectOptionAsync("#counterpart", c);
            await page.ClickAsync("#show-shifts");
            await page.CheckAsync($"input[name=ShiftId][value='{mine}']");
            await page.CheckAsync("input[name=CounterpartShiftId][value='']");
            await page.FillAsync("#reason", "家里有事，请帮忙代班。");
            await page.ClickAsync("#submit");
            await Expect(page.Locator("#refusal")).ToContainTextAsync("未能完成：");
            await requester.ShotAsync("cover-refused-overlap");

            await page.SelectOptionAsync("#counterpart", b);
            await page.ClickAsync("#show-shifts");
            await requester.ShotAsync("colleague-shifts");
            await page.CheckAsync($"input[name=ShiftId][value='{mine}']");
            await page.CheckAsync($"input[name=CounterpartShiftId][value='{theirs}']");
            await page.FillAsync("#reason", "周四要去医院复查，和你换周五的班。");
            await requester.ShotAsync("swap-filled-in");
            await page.ClickAsync("#submit");
            await page.WaitForURLAsync(new Regex("/Instances/[^/]+$"));
            instanceId = page.Url[(page.Url.LastIndexOf('/') + 1)..];
            await requester.ShotAsync("swap-filed");
        }

        await using (var colleague = await BrowserSession.SignInAsync(app, shots, "member2b"))
        {
            await colleague.DecideInInboxAsync(instanceId, "accept", "可以，周五我休息。", "colleague-accept");
        }

        await using (var leader = await BrowserSession.SignInAsync(app, shots, "leader2"))
        {
            await leader.DecideInInboxAsync(instanceId, "approve", "同意，两天人手都够。", "leader-approve");
            await leader.Page.GotoAsync($"/Instances/{instanceId}");
            await leader.ShotAsync("swap-applied");
        }

        var done = await app.WithDbAsync(db => db.Instances.SingleAsync(i => i.Id == instanceId));
        Assert.Equal((InstanceStatus.Completed, "Approved"), (done.Status, done.Outcome));
        var roster = await app.WithDbAsync(db => db.Set<Shift>().Include(s => s.Assignments).Where(s => s.Id == mine || s.Id == theirs).ToListAsync());
        Assert.Equal([b], roster.Single(s => s.Id == mine).Assignments.Select(x => x.EmployeeId));
        Assert.Equal([a], roster.Single(s => s.Id == theirs).Assignments.Select(x => x.EmployeeId));
    }

    [Fact]
    public async Task Member_DisputesAStatementLine_SupervisorWaivesIt()
    {
        BrowserApp.EnsureChromium();
        var shots = Screenshots.For();
        var member = await app.IdOfAsync("member3b");
        string violationId;
        using (var leader = await app.LoginAsync("leader3"))
        {
            var body = await ApiAssert.JsonAsync(await leader.PostAsJsonAsync("/api/violations",
                new { employeeId = member, ruleCode = "R03", occurredOn = "2026-03-01", description = "值班期间离岗 20 分钟" }), System.Net.HttpStatusCode.Created);
            violationId = body.GetProperty("id").GetString()!;
        }

        string instanceId;
        await using (var employee = await BrowserSession.SignInAsync(app, shots, "member3b"))
        {
            var page = employee.Page;
            await employee.NavigateAsync("乐捐明细");
            var line = page.Locator($"tr[data-violation='{violationId}']");
            await Expect(line).ToContainTextAsync("值班期间离岗 20 分钟");
            await employee.ShotAsync("statement");
            await line.GetByRole(AriaRole.Link, new() { Name = "申诉" }).ClickAsync();
            await Expect(page.Locator("#violation")).ToContainTextAsync("R03");
            await page.FillAsync("#reason", "当时在处理客户投诉，已向组长报备。");
            await employee.ShotAsync("dispute-form");
            await page.ClickAsync("#submit");
            await page.WaitForURLAsync(new Regex("/Instances/[^/]+$"));
            await Expect(page.Locator("p.ok[role=status]")).ToHaveTextAsync("申诉已提交。");
            instanceId = page.Url[(page.Url.LastIndexOf('/') + 1)..];
            await employee.ShotAsync("dispute-filed");
        }

        // The leader recorded it, so the review step is skipped: the supervisor decides.
        await using (var supervisor = await BrowserSession.SignInAsync(app, shots, "supervisor"))
        {
            await supervisor.DecideInInboxAsync(instanceId, "waive", "已核实报备记录，豁免。", "supervisor-waive");
        }

        var violation = await app.WithDbAsync(db => db.Set<Workflows.Host.Violations.Violation>().SingleAsync(v => v.Id == violationId));
        Assert.Equal(Workflows.Definitions.Violations.ViolationStatus.Waived, violation.Status);
    }

    private static async Task<string> ShiftAsync(HttpClient leader, string groupId, string date, string start, string end, string employeeId)
    {
        var shift = await ApiAssert.JsonAsync(await leader.PostAsJsonAsync("/api/shifts", new { groupId, date, start, end, minStaff = 1 }), System.Net.HttpStatusCode.Created);
        var id = shift.GetProperty("id").GetString()!;
        (await leader.PostAsJsonAsync($"/api/shifts/{id}/assignments", new { employeeId })).EnsureSuccessStatusCode();
        return id;
    }
}
