using System.Net;
using Workflows.Tests.Infrastructure;
using Workflows.Tests.Web;

namespace Workflows.Tests.Hardening;

/// <summary>
/// Every page and API query parameter goes through the API's bounds: dates (yyyy-MM-dd, 1900-01-01 to 2199-12-31) and
/// enums by name only. Absurd values are a 400 in words, never a 500.
/// </summary>
public abstract class QueryBoundsTests(WorkflowsApp app)
{
    private static readonly string[] Absurd = ["0001-01-01", "1899-12-31", "2200-01-01", "9999-12-31"];

    private static readonly string[] NotDates = ["2026-02-30", "2026-13-01", "today", "2026/03/01", "-1"];

    [Theory]
    [InlineData("/Roster?From=")]
    [InlineData("/History?From=")]
    [InlineData("/History?To=")]
    [InlineData("/History?From=2026-01-01&To=")]
    [InlineData("/History/Export?From=")]
    [InlineData("/History/Export?To=")]
    [InlineData("/Violations?From=")]
    [InlineData("/Violations?To=")]
    public async Task PageDates_AtTheExtremes_Are400InWords(string url)
    {
        using var web = await WebSession.SignInAsync(app, "hr");
        foreach (var value in Absurd.Concat(NotDates))
        {
            var (status, html) = await web.GetAsync(url + (value.StartsWith('%') ? value : Uri.EscapeDataString(value)));
            Assert.True(status == HttpStatusCode.BadRequest, $"{url}{value}: {(int)status}");
            Assert.Contains("class=\"error\"", html, StringComparison.Ordinal);
        }

        var (ok, _) = await web.GetAsync(url + "2026-03-01");
        Assert.Equal(HttpStatusCode.OK, ok);
    }

    [Theory]
    [InlineData("/History?Status=")]
    [InlineData("/Violations?Status=")]
    public async Task PageEnums_AcceptNamesOnly(string url)
    {
        using var web = await WebSession.SignInAsync(app, "hr");
        foreach (var value in new[] { "0", "1", "99", "-1", "1,2", "Nope" })
        {
            var (status, _) = await web.GetAsync(url + Uri.EscapeDataString(value));
            Assert.True(status == HttpStatusCode.BadRequest, $"{url}{value}: {(int)status}");
        }

        var (ok, _) = await web.GetAsync(url + (url.StartsWith("/History", StringComparison.Ordinal) ? "Running" : "Active"));
        Assert.Equal(HttpStatusCode.OK, ok);
    }

    [Theory]
    [InlineData("/api/tasks?status=", "Open")]
    [InlineData("/api/instances?status=", "Running")]
    [InlineData("/api/seats?rank=", "Supervisor")]
    public async Task ApiEnums_InTheQuery_AcceptNamesOnly(string url, string name)
    {
        using var hr = await app.LoginAsync("hr");
        foreach (var value in new[] { "0", "1", "99", "-1", "1,2", "Nope", " 1", name.ToLowerInvariant() })
        {
            var problem = await ApiAssert.ProblemAsync(await hr.GetAsync(url + Uri.EscapeDataString(value)), HttpStatusCode.BadRequest);
            Assert.Contains("must be one of", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        await ApiAssert.JsonAsync(await hr.GetAsync(url + name));
    }
}

public sealed class QueryBoundsTests_Sqlite(SqliteApp app) : QueryBoundsTests(app), IClassFixture<SqliteApp>;

public sealed class QueryBoundsTests_Postgres : QueryBoundsTests, IClassFixture<PostgresApp>
{
    public QueryBoundsTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
