using DocumentFormat.OpenXml.Packaging;
using Microsoft.Playwright;
using Workflows.Tests.Reports;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Tests.Web.Browser;

/// <summary>
/// HR at the dashboard in Chromium: the charts at desktop width and at 390 px, the applications workbook downloaded
/// through its link and opened, and the 《晋升申请表》 as printed (print media). Screenshots in TestResults/screenshots.
/// </summary>
public sealed class ReportsBrowserTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task Hr_OpensTheDashboard_DownloadsTheApplicationsWorkbook_AndPrintsAnApplication()
    {
        BrowserApp.EnsureChromium();
        var shots = Screenshots.For();
        var scene = await ReportScene.OfAsync(app);
        await using var hr = await BrowserSession.SignInAsync(app, shots, "hr");
        var page = hr.Page;
        await hr.NavigateAsync("报表看板");
        await Expect(page.Locator("#chart-steps")).ToBeVisibleAsync();
        await Expect(page.Locator("#waiting-steps table")).ToContainTextAsync("部门主管考核批准");
        await hr.ShotAsync("dashboard-desktop");
        await page.SetViewportSizeAsync(390, 844);
        await hr.ShotAsync("dashboard-390px");
        var overflow = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");
        Assert.False(overflow, "The dashboard scrolls sideways at 390 px.");
        await page.SetViewportSizeAsync(1280, 900);

        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#download-applications"));
        var path = Path.Combine(shots.Folder, "applications.xlsx");
        await download.SaveAsAsync(path);
        using (var document = SpreadsheetDocument.Open(path, false))
        {
            var sheet = document.WorkbookPart!.WorksheetParts.Single().Worksheet;
            var header = sheet.Descendants<DocumentFormat.OpenXml.Spreadsheet.Row>().First().Elements<DocumentFormat.OpenXml.Spreadsheet.Cell>()
                .Select(c => c.InnerText).ToList();
            Assert.Equal("审批编号", header[0]);
            var number = await app.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(
                db.Instances.Where(i => i.Id == scene.PromotionId).Select(i => i.Number)));
            Assert.Contains(sheet.Descendants<DocumentFormat.OpenXml.Spreadsheet.Cell>(), c => c.InnerText == Workflows.Host.Runtime.ReferenceNumbers.Format(number));
            Assert.DoesNotContain(sheet.Descendants<DocumentFormat.OpenXml.Spreadsheet.Cell>(), c => c.InnerText == scene.PromotionId);
        }

        await page.GotoAsync($"/Promotions/Print/{scene.PromotionId}");
        await Expect(page.Locator("#promotion-form h1")).ToContainTextAsync("晋升申请表");
        await Expect(page.Locator("#print-button")).ToBeVisibleAsync();
        await hr.ShotAsync("promotion-form-screen");
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { Media = Media.Print });
        await Expect(page.Locator("header.top")).ToBeHiddenAsync();
        await Expect(page.Locator("#print-button")).ToBeHiddenAsync();
        await hr.ShotAsync("promotion-form-print");
        await page.SetViewportSizeAsync(390, 844);
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { Media = Media.Screen });
        await page.GotoAsync($"/History/Trace/{scene.PromotionId}");
        // The trace says the return as the application page does: to whom it went back.
        await Expect(page.Locator("#trace")).ToContainTextAsync("退回申请人修改");
        await hr.ShotAsync("trace-390px");
    }
}
