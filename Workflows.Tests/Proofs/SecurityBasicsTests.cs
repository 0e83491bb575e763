using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Net.Http.Headers;
using Workflows.Tests.Infrastructure;
using Workflows.Tests.Web;

namespace Workflows.Tests.Proofs;

/// <summary>
/// Security basics through the real host: lockout (beyond FoundationApiTests' five-failures case), the password policy,
/// the sign-in cookie's settings, the security headers on every kind of answer, and the Hangfire dashboard closed to all
/// but HR.
/// </summary>
public abstract class SecurityBasicsTests(WorkflowsApp app)
{
    private const string Password = "Safe@2026x";

    private async Task<string> NewAccountAsync(string prefix)
    {
        using var hr = await app.LoginAsync("hr");
        var userName = prefix + Guid.NewGuid().ToString("N")[..8];
        var groups = await ApiAssert.JsonAsync(await hr.GetAsync("/api/groups"));
        var groupId = groups.EnumerateArray().First(g => g.GetProperty("name").GetString() == "三组").GetProperty("id").GetString();
        await ApiAssert.JsonAsync(await hr.PostAsJsonAsync("/api/employees", new { userName, name = "安全 " + prefix, password = Password, rank = "Member", groupId }),
            HttpStatusCode.Created);
        return userName;
    }

    private static Task<HttpResponseMessage> LoginAsync(HttpClient client, string userName, string password) =>
        client.PostAsJsonAsync("/api/auth/login", new { userName, password });

    [Fact]
    public async Task Lockout_HoldsForTheRightPassword_OnTheWebToo_AndTouchesNobodyElse()
    {
        var victim = await NewAccountAsync("lk");
        var bystander = await NewAccountAsync("by");
        using var client = app.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            await ApiAssert.ProblemAsync(await LoginAsync(client, victim, "Wrong@2026x"), HttpStatusCode.Unauthorized);
        }

        var api = await ApiAssert.ProblemAsync(await LoginAsync(client, victim, Password), HttpStatusCode.Unauthorized);
        Assert.Contains("locked", api.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);

        // The sign-in page shares the lockout: the right password does not get a cookie either.
        using var web = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var page = await (await web.GetAsync("/Account/Login")).Content.ReadAsStringAsync();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["UserName"] = victim, ["Password"] = Password, ["__RequestVerificationToken"] = WebSession.AntiforgeryToken(page),
        });
        var posted = await web.PostAsync("/Account/Login", form);
        Assert.NotEqual(HttpStatusCode.Redirect, posted.StatusCode);
        Assert.DoesNotContain(posted.Headers.TryGetValues(HeaderNames.SetCookie, out var set) ? set : [], c => c.StartsWith("workflows.auth=", StringComparison.Ordinal));

        // Another account is not affected.
        await ApiAssert.JsonAsync(await LoginAsync(client, bystander, Password));
    }

    [Fact]
    public async Task FailedSignIn_SaysTheSame_ForUnknownUserAndWrongPassword()
    {
        var known = await NewAccountAsync("en");
        using var client = app.CreateClient();
        var wrongPassword = await ApiAssert.ProblemAsync(await LoginAsync(client, known, "Wrong@2026x"), HttpStatusCode.Unauthorized);
        var unknownUser = await ApiAssert.ProblemAsync(await LoginAsync(client, "nobody-" + known, "Wrong@2026x"), HttpStatusCode.Unauthorized);
        Assert.Equal(wrongPassword.GetProperty("detail").GetString(), unknownUser.GetProperty("detail").GetString());
        Assert.Equal(wrongPassword.GetProperty("title").GetString(), unknownUser.GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("Ab1!xyz")] // 7 characters
    [InlineData("lowercase1!")] // no upper case
    [InlineData("UPPERCASE1!")] // no lower case
    [InlineData("NoDigits!!x")]
    [InlineData("NoSymbol123x")]
    [InlineData("        ")]
    public async Task PasswordPolicy_RefusesWeakPasswords_AndWritesNothing(string password)
    {
        using var hr = await app.LoginAsync("hr");
        var groups = await ApiAssert.JsonAsync(await hr.GetAsync("/api/groups"));
        var groupId = groups.EnumerateArray().First().GetProperty("id").GetString();
        var before = await TableCounts.AllAsync(app);
        var problem = await ApiAssert.ProblemAsync(await hr.PostAsJsonAsync("/api/employees",
            new { userName = "weak" + Guid.NewGuid().ToString("N")[..8], name = "弱", password, rank = "Member", groupId }), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("password", out _), problem.ToString());
        Assert.Equal(before, await TableCounts.AllAsync(app));
    }

    [Fact]
    public async Task PasswordPolicy_AcceptsAStrongPassword()
    {
        var user = await NewAccountAsync("ok");
        using var client = app.CreateClient();
        await ApiAssert.JsonAsync(await LoginAsync(client, user, Password));
    }

    [Theory]
    [InlineData("https://localhost", true)]
    [InlineData("http://localhost", false)]
    public async Task SignInCookie_IsHttpOnly_SameSiteLax_AndSecureOverHttps(string baseAddress, bool secure)
    {
        using var web = app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri(baseAddress), AllowAutoRedirect = false, HandleCookies = false });
        var login = await web.GetAsync("/Account/Login");
        var page = await login.Content.ReadAsStringAsync();
        var antiforgery = SetCookies(login).Single(c => c.Name.Value!.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal));
        Assert.True(antiforgery.HttpOnly);
        Assert.Equal(secure, antiforgery.Secure);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/Account/Login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["UserName"] = "member3c", ["Password"] = WorkflowsApp.DemoPassword, ["__RequestVerificationToken"] = WebSession.AntiforgeryToken(page),
            }),
        };
        request.Headers.Add(HeaderNames.Cookie, $"{antiforgery.Name}={antiforgery.Value}");
        var signedIn = await web.SendAsync(request);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var auth = SetCookies(signedIn).Single(c => c.Name == "workflows.auth");
        Assert.True(auth.HttpOnly, "The sign-in cookie must be HttpOnly.");
        Assert.Equal(SameSiteMode.Lax, auth.SameSite);
        Assert.Equal(secure, auth.Secure);
        Assert.Equal("/", auth.Path.Value);
        Assert.Null(auth.Domain.Value);
    }

    [Theory]
    [InlineData("/", null)]
    [InlineData("/Account/Login", null)]
    [InlineData("/api/system", null)]
    [InlineData("/api/me", null)]
    [InlineData("/api/no-such-endpoint", "hr")]
    [InlineData("/api/me", "member1a")]
    [InlineData("/hangfire", "member1a")]
    public async Task EveryAnswer_CarriesTheSecurityHeaders(string path, string? user)
    {
        using var client = user is null ? app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }) : await app.LoginAsync(user);
        var response = await client.GetAsync(path);
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        if (!path.StartsWith("/hangfire", StringComparison.Ordinal))
        {
            var csp = Header(response, "Content-Security-Policy");
            Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("script-src 'self' 'unsafe-inline'", csp, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(null, 401)]
    [InlineData("member1a", 403)]
    [InlineData("member2b", 403)]
    [InlineData("leader1", 403)]
    [InlineData("leader3", 403)]
    [InlineData("supervisor", 403)]
    [InlineData("manager", 403)]
    [InlineData("gm", 403)]
    [InlineData("leadership", 403)]
    [InlineData("hr", 200)]
    public async Task HangfireDashboard_IsForHROnly(string? user, int status)
    {
        foreach (var path in new[] { "/hangfire", "/hangfire/jobs/enqueued", "/hangfire/recurring", "/hangfire/servers" })
        {
            using var client = user is null ? app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }) : await app.LoginAsync(user);
            var response = await client.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(status == (int)response.StatusCode, $"{user ?? "anonymous"} {path}: expected {status}, got {(int)response.StatusCode}");
            if (status == 200)
            {
                Assert.Contains("<html", body, StringComparison.OrdinalIgnoreCase);
                if (path.EndsWith("recurring", StringComparison.Ordinal))
                {
                    Assert.Contains(Workflows.Host.Ledger.LedgerSetup.MonthCloseJobId, body, StringComparison.Ordinal);
                }
            }
            else
            {
                // Nothing of the dashboard: no page, no job names.
                Assert.DoesNotContain("<html", body, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain(Workflows.Host.Ledger.LedgerSetup.MonthCloseJobId, body, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [InlineData("member1a", 403)]
    [InlineData("hr", 200)]
    public async Task HangfireDashboard_WithTheWebCookie_IsForHROnly(string user, int status)
    {
        using var session = await WebSession.SignInAsync(app, user);
        var (code, _) = await session.GetAsync("/hangfire");
        Assert.Equal(status, (int)code);
    }

    private static IList<SetCookieHeaderValue> SetCookies(HttpResponseMessage response) =>
        response.Headers.TryGetValues(HeaderNames.SetCookie, out var values) ? SetCookieHeaderValue.ParseList([.. values]) : [];

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(",", values)
            : throw new Xunit.Sdk.XunitException($"{(int)response.StatusCode} {response.RequestMessage?.RequestUri}: no {name} header.");
}

public sealed class SecurityBasicsTests_Sqlite(SqliteApp app) : SecurityBasicsTests(app), IClassFixture<SqliteApp>;

public sealed class SecurityBasicsTests_Postgres : SecurityBasicsTests, IClassFixture<PostgresApp>
{
    public SecurityBasicsTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
