using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Workflows.Tests.Web.Browser;

/// <summary>
/// One person at the browser: their own context (cookies), a page, and numbered screenshots of every step in
/// <c>TestResults/screenshots/&lt;test&gt;/&lt;nn-step&gt;.png</c> (beside the trx of ./test.sh; git ignores them).
/// A test keeps one <see cref="Screenshots"/> folder across the people it signs in, so the steps read in order.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    private readonly IBrowserContext context;
    private readonly Screenshots shots;

    private BrowserSession(IBrowserContext context, IPage page, Screenshots shots)
    {
        this.context = context;
        Page = page;
        this.shots = shots;
    }

    public IPage Page { get; }

    /// <param name="javaScript">False for a browser that runs no script (site.js's dialogs and helpers absent).</param>
    public static async Task<BrowserSession> SignInAsync(BrowserApp app, Screenshots shots, string userName, string password = Infrastructure.WorkflowsApp.DemoPassword,
        bool javaScript = true)
    {
        var context = await app.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            JavaScriptEnabled = javaScript,
            BaseURL = app.Address.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            Locale = "zh-CN",
        });
        // Generous: on a loaded 2-core machine (load 20+) one navigation has taken over 30 s; a real failure still fails, only later.
        context.SetDefaultTimeout(180_000);
        context.SetDefaultNavigationTimeout(180_000);
        Assertions.SetDefaultExpectTimeout(60_000);
        var page = await context.NewPageAsync();
        var session = new BrowserSession(context, page, shots);
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("input[name=UserName]", userName);
        await page.FillAsync("input[name=Password]", password);
        await session.ShotAsync($"{userName}-sign-in");
        await page.ClickAsync("main form button[type=submit]");
        await page.WaitForURLAsync(url => !url.Contains("/Account/Login", StringComparison.OrdinalIgnoreCase));
        return session;
    }

    public Task ShotAsync(string step) => shots.TakeAsync(Page, step);

    /// <summary>
    /// Follows a link in the header, as a person would, and waits until the browser is at its address. Not for the
    /// page's load event: once in CI that event never reached Playwright after a click (network idle, page served) and
    /// the wait ran into its timeout; what follows a navigation waits for the elements it needs anyway.
    /// </summary>
    public async Task NavigateAsync(string linkText)
    {
        var link = Page.Locator("header nav").GetByRole(AriaRole.Link, new() { Name = linkText, Exact = true });
        var href = await link.GetAttributeAsync("href") ?? throw new InvalidOperationException($"The header link '{linkText}' has no address.");
        await link.ClickAsync();
        await Assertions.Expect(Page).ToHaveURLAsync(new Regex(Regex.Escape(href) + "$"));
    }

    /// <summary>Decides the task of <paramref name="instanceId"/> from the inbox: the action's radio, a comment, submit.</summary>
    public async Task DecideInInboxAsync(string instanceId, string action, string comment, string step)
    {
        await Page.GotoAsync("/Inbox");
        var row = Page.Locator("[data-task]").Filter(new() { Has = Page.Locator($"a[href='/Instances/{instanceId}']") });
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await row.Locator($"input[name=decision][value={action}]").CheckAsync();
        await row.Locator("textarea[name=comment]").FillAsync(comment);
        await ShotAsync(step + "-inbox");
        await row.Locator("button[type=submit].primary").ClickAsync();
        await Assertions.Expect(Page.Locator("p.ok[role=status]")).ToBeVisibleAsync();
        await ShotAsync(step + "-done");
    }

    public async ValueTask DisposeAsync() => await context.DisposeAsync();
}

/// <summary>The numbered screenshots of one test.</summary>
public sealed class Screenshots
{
    private int next = 1;

    private Screenshots(string folder) => Folder = folder;

    public string Folder { get; }

    /// <summary>A fresh folder named after the calling test, under the repository's TestResults.</summary>
    public static Screenshots For([CallerMemberName] string test = "")
    {
        var folder = Path.Combine(ResultsRoot(), "screenshots", test);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        return new Screenshots(folder);
    }

    public async Task TakeAsync(IPage page, string step)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"{next++:D2}-{step}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Folder, name), FullPage = true });
    }

    /// <summary>TestResults beside Workflows.sln (where ./test.sh writes the trx); the test's own folder if there is none.</summary>
    private static string ResultsRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Workflows.sln")))
            {
                return Path.Combine(dir.FullName, "TestResults");
            }
        }

        return Path.Combine(AppContext.BaseDirectory, "TestResults");
    }
}
