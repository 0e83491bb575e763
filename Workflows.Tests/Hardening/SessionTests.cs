using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Workflows.Tests.Infrastructure;
using Workflows.Tests.Web;
using static Workflows.Tests.Violations.RecordsData;

namespace Workflows.Tests.Hardening;

/// <summary>
/// Sessions that end (docs/api.md §Authentication, docs/domain.md §Limits): logout ends that token at once (and its refresh token); a password
/// change or a lockout ends every earlier token and web session; a copied cookie dies with its sign-out; parallel
/// guesses cannot beat the lockout; unknown names cost what known ones do; sign-in is rate limited.
/// </summary>
public abstract class SessionTests(WorkflowsApp app)
{
    private const string Password = "Test@2026x";

    private async Task<string> NewUserAsync()
    {
        var id = await NewMemberAsync(app);
        using var hr = await app.LoginAsync("hr");
        return (await ApiAssert.JsonAsync(await hr.GetAsync($"/api/employees/{id}"))).GetProperty("userName").GetString()!;
    }

    private async Task<JsonElement> SignInAsync(string userName, string password = Password)
    {
        using var anonymous = app.CreateClient();
        return await ApiAssert.JsonAsync(await anonymous.PostAsJsonAsync("/api/auth/login", new { userName, password }));
    }

    private HttpClient Bearer(JsonElement tokens)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.GetProperty("accessToken").GetString());
        return client;
    }

    private async Task<HttpStatusCode> MeAsync(JsonElement tokens)
    {
        using var client = Bearer(tokens);
        return (await client.GetAsync("/api/me")).StatusCode;
    }

    [Fact]
    public async Task Logout_EndsThatTokenAtOnce_AndItsRefresh_NotTheOtherSessions()
    {
        var user = await NewUserAsync();
        var (first, second) = (await SignInAsync(user), await SignInAsync(user));
        using (var client = Bearer(first))
        {
            Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/api/auth/logout", null)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(first));
        using var anonymous = app.CreateClient();
        await ApiAssert.ProblemAsync(await anonymous.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = first.GetProperty("refreshToken").GetString() }),
            HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, await MeAsync(second));
    }

    [Fact]
    public async Task Refresh_GivesAWorkingToken_OfTheSameSession()
    {
        var user = await NewUserAsync();
        var tokens = await SignInAsync(user);
        using var anonymous = app.CreateClient();
        var refreshed = await ApiAssert.JsonAsync(await anonymous.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = tokens.GetProperty("refreshToken").GetString() }));
        Assert.Equal(HttpStatusCode.OK, await MeAsync(refreshed));
        await ApiAssert.ProblemAsync(await anonymous.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = "not-a-token" }), HttpStatusCode.Unauthorized);

        using (var client = Bearer(refreshed))
        {
            await client.PostAsync("/api/auth/logout", null);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(tokens));
    }

    [Fact]
    public async Task PasswordChange_EndsEveryEarlierTokenAndWebSession()
    {
        var user = await NewUserAsync();
        var (first, second) = (await SignInAsync(user), await SignInAsync(user));
        using var web = await WebSession.SignInAsync(app, user, Password);
        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync("/Inbox")).Status);

        using (var client = Bearer(first))
        {
            var wrong = await ApiAssert.ProblemAsync(await client.PostAsJsonAsync("/api/me/password", new { currentPassword = "Nope@2026x", newPassword = "New@2026xy" }),
                HttpStatusCode.UnprocessableEntity);
            Assert.True(wrong.GetProperty("errors").TryGetProperty("currentPassword", out _));
            await ApiAssert.ProblemAsync(await client.PostAsJsonAsync("/api/me/password", new { currentPassword = Password, newPassword = "short" }), HttpStatusCode.BadRequest);
            Assert.Equal(HttpStatusCode.NoContent,
                (await client.PostAsJsonAsync("/api/me/password", new { currentPassword = Password, newPassword = "New@2026xy" })).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(first));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(second));
        Assert.Equal(HttpStatusCode.Redirect, (await web.GetAsync("/Inbox")).Status);
        using var anonymous = app.CreateClient();
        await ApiAssert.ProblemAsync(await anonymous.PostAsJsonAsync("/api/auth/login", new { userName = user, password = Password }), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, await MeAsync(await SignInAsync(user, "New@2026xy")));
    }

    /// <summary>A copy of the sign-in cookie taken before signing out does not work after it.</summary>
    [Fact]
    public async Task CopiedCookie_StopsWorking_AfterSignOut()
    {
        var user = await NewUserAsync();
        using var raw = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        using var loginPage = await raw.GetAsync("/Account/Login");
        var antiforgeryCookie = string.Join("; ", loginPage.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        var html = await loginPage.Content.ReadAsStringAsync();
        using var post = new HttpRequestMessage(HttpMethod.Post, "/Account/Login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["UserName"] = user, ["Password"] = Password, ["__RequestVerificationToken"] = WebSession.AntiforgeryToken(html),
            }),
        };
        post.Headers.Add("Cookie", antiforgeryCookie);
        using var signedIn = await raw.SendAsync(post);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var authCookie = signedIn.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => c.StartsWith("workflows.auth", StringComparison.Ordinal));
        var cookies = antiforgeryCookie + "; " + authCookie;

        async Task<(HttpStatusCode, string)> GetAsync(string url)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Add("Cookie", cookies);
            using var response = await raw.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var (status, inbox) = await GetAsync("/Inbox");
        Assert.Equal(HttpStatusCode.OK, status);
        using var logout = new HttpRequestMessage(HttpMethod.Post, "/Account/Logout")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = WebSession.AntiforgeryToken(inbox) }),
        };
        logout.Headers.Add("Cookie", cookies);
        Assert.Equal(HttpStatusCode.Redirect, (await raw.SendAsync(logout)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await GetAsync("/Inbox")).Item1);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync("/api/me")).Item1);
    }

    [Fact]
    public async Task Lockout_EndsEarlierTokens_EvenAfterItExpires()
    {
        var user = await NewUserAsync();
        var before = await SignInAsync(user);
        using var anonymous = app.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            await anonymous.PostAsJsonAsync("/api/auth/login", new { userName = user, password = "Wrong@2026x" });
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(before));
        app.Clock.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(before));
        Assert.Equal(HttpStatusCode.OK, await MeAsync(await SignInAsync(user)));
    }

    /// <summary>Many wrong guesses at once: at most the limit (5) are checked as passwords, the rest are told the
    /// account is locked, and afterwards even the right password is refused.</summary>
    [Theory]
    [InlineData(8)]
    [InlineData(15)]
    [InlineData(30)]
    public async Task ParallelGuesses_CannotExceedTheLockoutLimit(int guesses)
    {
        var user = await NewUserAsync();
        using var anonymous = app.CreateClient();
        var answers = await Task.WhenAll(Enumerable.Range(0, guesses).Select(i =>
            anonymous.PostAsJsonAsync("/api/auth/login", new { userName = user, password = $"Wrong@{i}xx" })));
        var details = await Task.WhenAll(answers.Select(async a => (await ApiAssert.ProblemAsync(a, HttpStatusCode.Unauthorized)).GetProperty("detail").GetString()!));
        Assert.True(details.Count(d => d.StartsWith("Wrong", StringComparison.Ordinal)) <= 5, string.Join("\n", details));
        var right = await ApiAssert.ProblemAsync(await anonymous.PostAsJsonAsync("/api/auth/login", new { userName = user, password = Password }), HttpStatusCode.Unauthorized);
        Assert.Contains("locked", right.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>An unknown user name costs the password hashing a known one does: no timing oracle.</summary>
    [Fact]
    public async Task UnknownUser_CostsLikeAWrongPassword()
    {
        var user = await NewUserAsync();
        using var anonymous = app.CreateClient();
        async Task<double> MedianAsync(string userName)
        {
            var times = new List<double>();
            for (var i = 0; i < 4; i++)
            {
                var watch = Stopwatch.StartNew();
                await anonymous.PostAsJsonAsync("/api/auth/login", new { userName, password = "Wrong@2026x" });
                times.Add(watch.Elapsed.TotalMilliseconds);
            }

            return times.Order().ElementAt(times.Count / 2);
        }

        await MedianAsync("nobody-warmup");
        var known = await MedianAsync(user);
        var unknown = await MedianAsync("nobody" + Guid.NewGuid().ToString("N")[..8]);
        Assert.True(unknown >= known * 0.4, $"unknown {unknown:0.0} ms, known {known:0.0} ms");
    }
}

public sealed class SessionTests_Sqlite(SqliteApp app) : SessionTests(app), IClassFixture<SqliteApp>;

public sealed class SessionTests_Postgres : SessionTests, IClassFixture<PostgresApp>
{
    public SessionTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}

/// <summary>A host with the real sign-in rate limit (here 5 a minute): the sixth try is a 429 ProblemDetails with Retry-After.</summary>
public abstract class SignInRateLimitTests(WorkflowsApp app)
{
    [Fact]
    public async Task SignIn_OverTheLimit_Is429_OnTheApiAndThePage()
    {
        using var anonymous = app.CreateClient();
        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 7; i++)
        {
            answers.Add(await anonymous.PostAsJsonAsync("/api/auth/login", new { userName = "nobody", password = "Wrong@2026x" }));
        }

        Assert.Equal(5, answers.Count(a => a.StatusCode == HttpStatusCode.Unauthorized));
        var limited = answers.Last();
        await ApiAssert.ProblemAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.True(limited.Headers.RetryAfter is not null);
        using var page = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        Assert.Equal(HttpStatusCode.OK, (await page.GetAsync("/Account/Login")).StatusCode);
        var form = await page.PostAsync("/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string> { ["UserName"] = "x", ["Password"] = "y" }));
        Assert.Equal(HttpStatusCode.TooManyRequests, form.StatusCode);
        // The page answers as a page, in the reader's language, with the way back: never a JSON document.
        Assert.StartsWith("text/html", form.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        var html = await form.Content.ReadAsStringAsync();
        Assert.Contains("登录尝试过于频繁", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/Account/Login\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("\"status\"", html, StringComparison.Ordinal);
        // Drawn by the site's layout (its header and stylesheet), not by hand in the rate limiter; Retry-After kept.
        Assert.Contains("id=\"sign-in-limited\"", html, StringComparison.Ordinal);
        Assert.Contains("<header class=\"top", html, StringComparison.Ordinal);
        Assert.True(form.Headers.RetryAfter is not null);
        Assert.Matches("请 [0-9]+ 秒后再试", html);
    }
}

public sealed class RateLimitedSqliteApp : WorkflowsApp
{
    public RateLimitedSqliteApp() : base(Lane.Sqlite)
    {
    }

    protected override int SignInPermitLimit => 5;
}

public sealed class RateLimitedPostgresApp : WorkflowsApp
{
    public RateLimitedPostgresApp() : base(Lane.Postgres)
    {
    }

    protected override int SignInPermitLimit => 5;

    public override ValueTask InitializeAsync() => PostgresLane.ServerConnectionString is null ? ValueTask.CompletedTask : base.InitializeAsync();
}

public sealed class SignInRateLimitTests_Sqlite(RateLimitedSqliteApp app) : SignInRateLimitTests(app), IClassFixture<RateLimitedSqliteApp>;

public sealed class SignInRateLimitTests_Postgres : SignInRateLimitTests, IClassFixture<RateLimitedPostgresApp>
{
    public SignInRateLimitTests_Postgres(RateLimitedPostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
