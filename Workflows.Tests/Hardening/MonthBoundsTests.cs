using System.Net;
using Workflows.Tests.Infrastructure;
using Workflows.Tests.Proofs;
using Workflows.Tests.Web;

namespace Workflows.Tests.Hardening;

/// <summary>
/// Months (docs/domain.md §Limits): a month is closed only once it has ended and not before the department's first month
/// (this host's is configured as 2025-01); every month parameter of the API and the pages is bounded the same way.
/// </summary>
public abstract class MonthBoundsTests(WorkflowsApp app)
{
    [Theory]
    [InlineData("0001-01")]
    [InlineData("1000-06")]
    [InlineData("1900-01")]
    [InlineData("2024-12")]
    [InlineData("2026-03")]
    [InlineData("2026-04")]
    [InlineData("9999-12")]
    public async Task CloseMonth_OutsideFirstMonthAndLastEnded_Is422_OnTheMonth_AndWritesNothing(string month)
    {
        using var hr = await app.LoginAsync("hr");
        var before = await TableCounts.AllAsync(app);
        var problem = await ApiAssert.ProblemAsync(await hr.PostAsync($"/api/months/{month}/close", null), HttpStatusCode.UnprocessableEntity);
        Assert.True(problem.GetProperty("errors").TryGetProperty("month", out _), problem.ToString());
        Assert.Equal("", TableCounts.Diff(before, await TableCounts.AllAsync(app)));
    }

    [Theory]
    [InlineData("0001-01")]
    [InlineData("2024-12")]
    [InlineData("9999-12")]
    public async Task CloseMonth_OnThePage_OutOfBounds_IsRefusedInWords_AndWritesNothing(string month)
    {
        using var web = await WebSession.SignInAsync(app, "hr");
        var (_, page) = await web.GetAsync("/Statements");
        Assert.Contains("min=\"2025-01\"", page, StringComparison.Ordinal);
        var before = await TableCounts.AllAsync(app);
        using var response = await web.PostFormAsync("/Statements?handler=Close", page, new() { ["month"] = month });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        // The refusal stands on the close form that was used, in words.
        var answer = await response.Content.ReadAsStringAsync();
        Assert.Contains("data-refusal=\"close\"", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("（422）", answer, StringComparison.Ordinal);
        Assert.Equal("", TableCounts.Diff(before, await TableCounts.AllAsync(app)));
    }

    [Theory]
    [InlineData("/api/statements?month=", 0)]
    [InlineData("/api/fund?from=", 0)]
    [InlineData("/api/fund?to=", 0)]
    [InlineData("/Statements?Month=", 1)]
    public async Task MonthParameters_OutOfBounds_Are422_AndNotMonths_Are400_OnApiAndPages(string url, int page)
    {
        using var hr = await app.LoginAsync("hr");
        using var web = await WebSession.SignInAsync(app, "hr");
        foreach (var (month, status) in new[] { ("0001-01", 422), ("1899-12", 422), ("2200-01", 422), ("9999-12", 422), ("2026-13", 400), ("26-03", 400), ("2026-03-01", 400) })
        {
            var code = page == 1 ? (int)(await web.GetAsync(url + month)).Status : (int)(await hr.GetAsync(url + month)).StatusCode;
            Assert.True(status == code, $"{url}{month}: expected {status}, got {code}");
        }

        foreach (var month in new[] { "1900-01", "2026-02", "2199-12" })
        {
            var code = page == 1 ? (int)(await web.GetAsync(url + month)).Status : (int)(await hr.GetAsync(url + month)).StatusCode;
            Assert.True(code == 200, $"{url}{month}: expected 200, got {code}");
        }
    }
}

public sealed class MonthBoundsTests_Sqlite(SqliteApp app) : MonthBoundsTests(app), IClassFixture<SqliteApp>;

public sealed class MonthBoundsTests_Postgres : MonthBoundsTests, IClassFixture<PostgresApp>
{
    public MonthBoundsTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
