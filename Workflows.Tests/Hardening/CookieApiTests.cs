using System.Net;
using System.Net.Http.Json;
using Workflows.Tests.Disputes;
using Workflows.Tests.Infrastructure;
using Workflows.Tests.Proofs;
using Workflows.Tests.Web;

namespace Workflows.Tests.Hardening;

/// <summary>
/// Cookie-authenticated API changes need the antiforgery token — with a body or without (withdraw, claim, release,
/// month close, vacate, retry) — and a foreign Origin changes nothing; the smaller headers: API JSON is not cached,
/// /hangfire and /api-reference carry a CSP, and a signed-in non-HR web user gets the site's 无权访问 page at /hangfire.
/// </summary>
public abstract class CookieApiTests(WorkflowsApp app)
{
    [Theory]
    [InlineData("hr", "/api/months/2026-01/close")]
    [InlineData("hr", "/api/seats/{seat}/vacate")]
    [InlineData("hr", "/api/instances/{instance}/retry")]
    [InlineData("member", "/api/instances/{instance}/withdraw")]
    [InlineData("leader", "/api/tasks/{task}/claim")]
    [InlineData("leader", "/api/tasks/{task}/release")]
    [InlineData("leader", "/api/tasks/{task}/complete")]
    [InlineData("hr", "/api/groups")]
    public async Task CookieOnly_StateChangingApiCalls_Are403_AndWriteNothing(string who, string route)
    {
        var team = await DisputeTeam.CreateAsync(app);
        using var hr = await app.LoginAsync("hr");
        var violation = await DisputeCalls.RecordAsync(hr, team.Member.Id, "2026-03-01", 20m);
        using var member = await team.LoginAsync(team.Member);
        var instance = (await DisputeCalls.OpenAsync(member, violation)).GetProperty("id").GetString()!;
        using var leaderApi = await team.LoginAsync(team.Leader);
        var inbox = await ApiAssert.JsonAsync(await leaderApi.GetAsync("/api/tasks?status=Open"));
        var task = inbox.EnumerateArray().Single(t => t.GetProperty("instanceId").GetString() == instance).GetProperty("id").GetString()!;
        var seats = await ApiAssert.JsonAsync(await hr.GetAsync("/api/seats"));
        var seat = seats.EnumerateArray().First().GetProperty("id").GetString()!;
        var url = route.Replace("{seat}", seat, StringComparison.Ordinal).Replace("{instance}", instance, StringComparison.Ordinal).Replace("{task}", task, StringComparison.Ordinal);

        using var web = who switch
        {
            "hr" => await WebSession.SignInAsync(app, "hr"),
            "member" => await WebSession.SignInAsync(app, team.Member.UserName, DisputeTeam.Password),
            _ => await WebSession.SignInAsync(app, team.Leader.UserName, DisputeTeam.Password),
        };
        var before = await TableCounts.AllAsync(app);
        foreach (var body in new[] { null, "{}", "{\"action\":\"uphold\"}", "{\"name\":\"跨站组\"}" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url);
            request.Headers.Add("Origin", "https://evil.example");
            if (body is not null)
            {
                request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            }

            using var response = await web.SendAsync(request);
            await ApiAssert.ProblemAsync(response, HttpStatusCode.Forbidden);
        }

        Assert.Equal("", TableCounts.Diff(before, await TableCounts.AllAsync(app)));
        // Reading with the cookie still works.
        using var read = await web.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/me"));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    [Fact]
    public async Task ApiJson_IsNotCached()
    {
        using var hr = await app.LoginAsync("hr");
        foreach (var url in new[] { "/api/me", "/api/system", "/api/tasks", "/api/no-such-thing" })
        {
            var response = await hr.GetAsync(url);
            Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("/api-reference")]
    [InlineData("/hangfire")]
    public async Task DashboardAndApiReference_CarryAContentSecurityPolicy(string path)
    {
        using var web = await WebSession.SignInAsync(app, "hr");
        using var response = await web.GetResponseAsync(path);
        var csp = string.Join(",", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("member1a")]
    [InlineData("supervisor")]
    [InlineData("gm")]
    public async Task Hangfire_ForASignedInNonHrWebUser_IsTheSitesDeniedPage(string user)
    {
        using var web = await WebSession.SignInAsync(app, user);
        foreach (var path in new[] { "/hangfire", "/hangfire/recurring", "/hangfire/jobs/enqueued" })
        {
            var (status, html) = await web.GetAsync(path);
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Contains("无权访问", html, StringComparison.Ordinal);
            Assert.DoesNotContain(Workflows.Host.Ledger.LedgerSetup.MonthCloseJobId, html, StringComparison.Ordinal);
        }
    }
}

public sealed class CookieApiTests_Sqlite(SqliteApp app) : CookieApiTests(app), IClassFixture<SqliteApp>;

public sealed class CookieApiTests_Postgres : CookieApiTests, IClassFixture<PostgresApp>
{
    public CookieApiTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
