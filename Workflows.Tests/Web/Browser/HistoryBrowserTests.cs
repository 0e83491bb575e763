using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Tests.Web.Browser;

/// <summary>
/// HR's history pages as HR reads them, in Chinese, on the department's realistic scene (promotions rejected and
/// ineligible, swaps applied, a dispute reduced): the search, the printable trace and the printed application form
/// at desktop width and at 390 px — every entry in words (names, steps, money), nothing wider than the phone, the
/// trace's long comment clamped on screen. Screenshots of each under TestResults/screenshots.
/// </summary>
public sealed class HistoryBrowserTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task HistorySearch_Trace_AndPrintedForm_ReadInWords_AtDesktopAnd390px()
    {
        BrowserApp.EnsureChromium();
        var scene = await WordsScene.OfAsync(app);
        var shots = Screenshots.For();
        await using var hr = await BrowserSession.SignInAsync(app, shots, "hr");
        var page = hr.Page;
        var rejected = scene.Promotions[1];
        var reduced = scene.Instances[^1];
        var pages = new (string Name, string Url)[]
        {
            ("history", "/History"), ("trace-promotion", $"/History/Trace/{rejected}"), ("trace-dispute", $"/History/Trace/{reduced}"),
            ("print-promotion", $"/Promotions/Print/{rejected}"),
        };
        var failures = new List<string>();
        foreach (var (width, height) in new[] { (1280, 900), (390, 844) })
        {
            await page.SetViewportSizeAsync(width, height);
            foreach (var (name, url) in pages)
            {
                await page.GotoAsync(url);
                await hr.ShotAsync($"{name}-{width}px");
                var documentWidth = await page.EvaluateAsync<int>("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)");
                if (documentWidth > width)
                {
                    failures.Add($"{url}: {documentWidth} px wide at {width} px");
                }

                var text = await page.Locator("main").InnerTextAsync();
                if (Regex.IsMatch(text, "[0-9a-f]{8}-[0-9a-f]{4}-"))
                {
                    failures.Add($"{url} at {width} px shows an id");
                }
            }
        }

        Assert.Empty(failures);

        // The dispute's trace: the supervisor's reduction with its amount as money, the step by name, the labels on a phone.
        await page.GotoAsync($"/History/Trace/{reduced}");
        var decision = page.Locator("table.trace tbody tr", new() { HasText = "减半处理" });
        await Expect(decision).ToContainTextAsync("¥");
        await Expect(decision).ToContainTextAsync("主管");
        await Expect(decision.Locator("td[data-label]").First).ToBeVisibleAsync();
        await Expect(page.Locator("table.trace tr.echo").First).ToBeAttachedAsync();
        await Expect(page.Locator("a[href='/Instances/" + reduced + "']")).ToBeVisibleAsync();
    }
}
