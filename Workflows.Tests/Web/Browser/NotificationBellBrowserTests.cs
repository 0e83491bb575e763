using Microsoft.Playwright;
using Workflows.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Tests.Web.Browser;

/// <summary>
/// The bell in the header, as an approver meets it: a new task raises the unread count, the list links to the
/// application, opening it reads it (the count goes down), and "mark all read" clears the badge.
/// </summary>
public sealed class NotificationBellBrowserTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task TheBell_CountsNewWork_TheListOpensTheApplication_ReadingClearsIt()
    {
        BrowserApp.EnsureChromium();
        var shots = Screenshots.For();
        await using var leader = await BrowserSession.SignInAsync(app, shots, "leader2");
        var page = leader.Page;
        await page.GotoAsync("/Notifications");
        if (await page.Locator("#read-all").CountAsync() > 0)
        {
            await page.ClickAsync("#read-all");
        }

        await Expect(page.Locator("#unread-count")).ToHaveCountAsync(0);

        // Two applications of the leader's group arrive: two tasks, two unread notifications.
        var first = await app.StartAsync("test.three-approvals", "member2a", null, ("statement", "铃铛一"));
        var second = await app.StartAsync("test.three-approvals", "member2b", null, ("statement", "铃铛二"));
        await page.GotoAsync("/Inbox");
        await Expect(page.Locator("#unread-count")).ToHaveTextAsync("2");
        await leader.ShotAsync("bell-two-unread");

        await page.ClickAsync("#nav-bell");
        var item = page.Locator($"#notifications li.unread[data-kind='task.assigned']").Filter(new() { HasText = await NameAsync("member2a") });
        await Expect(item).ToHaveCountAsync(1);
        await leader.ShotAsync("bell-list");
        await item.Locator("button.notification-title").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/Instances/{first}$"));
        await Expect(page.Locator("#unread-count")).ToHaveTextAsync("1");

        await page.GotoAsync("/Notifications");
        await page.ClickAsync("#read-all");
        await Expect(page.Locator("#unread-count")).ToHaveCountAsync(0);
        await Expect(page.Locator("#notifications li.unread")).ToHaveCountAsync(0);
        await leader.ShotAsync("bell-all-read");
        Assert.NotEqual(first, second);
    }

    private Task<string> NameAsync(string userName) =>
        app.WithDbAsync(async db => (await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.Users, u => u.UserName == userName)).Name);
}
