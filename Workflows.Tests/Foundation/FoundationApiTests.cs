using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Foundation;

/// <summary>Auth, system and organization endpoints through HTTP against the real host, on each database lane.</summary>
public abstract class FoundationApiTests(WorkflowsApp app)
{
    private static readonly HashSet<string> Anonymous = ["GET /api/system", "POST /api/auth/login", "POST /api/auth/refresh"];

    [Fact]
    public void ConfigurationFiles_AreNotWatched()
    {
        // A watched appsettings.json puts a recursive file watcher on the content root, where the SQLite file lives by
        // default: every page written to the database woke it, which cost a third of the engine's throughput (ADR 0008).
        var root = Assert.IsAssignableFrom<Microsoft.Extensions.Configuration.IConfigurationRoot>(
            app.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>());
        var files = root.Providers.OfType<Microsoft.Extensions.Configuration.FileConfigurationProvider>().ToList();
        Assert.Contains(files, f => f.Source.Path == "appsettings.json");
        Assert.All(files, f => Assert.False(f.Source.ReloadOnChange, $"{f.Source.Path} is reloaded on change"));
    }

    [Fact]
    public async Task Login_ReturnsBearerToken_ForDemoAccount()
    {
        using var client = app.CreateClient();
        var response = await client.PostAsJsonAsync("/api/auth/login", new { userName = "member1a", password = WorkflowsApp.DemoPassword });
        var body = await ApiAssert.JsonAsync(response);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("accessToken").GetString()));
        Assert.True(body.GetProperty("expiresIn").GetInt32() > 0);

        using var authed = await app.LoginAsync("member1a");
        var me = await ApiAssert.JsonAsync(await authed.GetAsync("/api/me"));
        Assert.Equal("member1a", me.GetProperty("userName").GetString());
        Assert.Equal("Member", me.GetProperty("rank").GetString());
        Assert.Equal(0, me.GetProperty("roles").GetArrayLength());
    }

    [Fact]
    public async Task Login_Returns401_WhenPasswordWrong()
    {
        using var client = app.CreateClient();
        var response = await client.PostAsJsonAsync("/api/auth/login", new { userName = "member1b", password = "wrong-Password1!" });
        await ApiAssert.ProblemAsync(response, HttpStatusCode.Unauthorized);

        var unknown = await client.PostAsJsonAsync("/api/auth/login", new { userName = "nobody-here", password = "x" });
        await ApiAssert.ProblemAsync(unknown, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Login_LocksAccount_AfterRepeatedFailures()
    {
        using var hr = await app.LoginAsync("hr");
        var created = await hr.PostAsJsonAsync("/api/employees", new { userName = "lockme", name = "锁定测试", password = "Lock@2026x", rank = "Member", groupId = await GroupIdAsync(hr, "一组") });
        await ApiAssert.JsonAsync(created, HttpStatusCode.Created);

        using var client = app.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            await ApiAssert.ProblemAsync(await client.PostAsJsonAsync("/api/auth/login", new { userName = "lockme", password = "bad" }), HttpStatusCode.Unauthorized);
        }

        var locked = await ApiAssert.ProblemAsync(
            await client.PostAsJsonAsync("/api/auth/login", new { userName = "lockme", password = "Lock@2026x" }), HttpStatusCode.Unauthorized);
        Assert.Contains("locked", locked.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);

        // The lockout lasts 15 minutes on the host's clock: a minute before its end still locked, after it the password works.
        app.Clock.Advance(TimeSpan.FromMinutes(14));
        var stillLocked = await ApiAssert.ProblemAsync(
            await client.PostAsJsonAsync("/api/auth/login", new { userName = "lockme", password = "Lock@2026x" }), HttpStatusCode.Unauthorized);
        Assert.Contains("locked", stillLocked.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        app.Clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        var signedIn = await ApiAssert.JsonAsync(await client.PostAsJsonAsync("/api/auth/login", new { userName = "lockme", password = "Lock@2026x" }));
        Assert.False(string.IsNullOrEmpty(signedIn.GetProperty("accessToken").GetString()));
    }

    [Fact]
    public async Task Login_Returns400_WhenFieldsMissing()
    {
        using var client = app.CreateClient();
        var problem = await ApiAssert.ProblemAsync(await client.PostAsJsonAsync("/api/auth/login", new { userName = "hr" }), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("password", out _));
    }

    [Fact]
    public async Task EveryApiEndpoint_Returns401_WithoutToken_ExceptTheAnonymousTwo()
    {
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Route: e.RoutePattern.RawText!)))
            .Distinct()
            .ToList();
        Assert.True(endpoints.Count >= 10, $"Expected the API's endpoints, found {endpoints.Count}.");
        Assert.Contains(("POST", "/api/employees"), endpoints);

        using var client = app.CreateClient();
        foreach (var (method, route) in endpoints)
        {
            var url = System.Text.RegularExpressions.Regex.Replace(route, "{[^}]+}", "00000000-0000-0000-0000-000000000000");
            using var request = new HttpRequestMessage(new HttpMethod(method), url);
            if (method is "POST" or "PUT" or "PATCH")
            {
                request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
            }

            var response = await client.SendAsync(request);
            if (Anonymous.Contains($"{method} {route}"))
            {
                Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
            }
            else
            {
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {route} answered {(int)response.StatusCode} without a token.");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }
    }

    [Fact]
    public async Task System_AndHealth_AnswerAnonymously()
    {
        using var client = app.CreateClient();
        var system = await ApiAssert.JsonAsync(await client.GetAsync("/api/system"));
        Assert.Equal("2026-03-02", system.GetProperty("today").GetString());
        Assert.Equal("Asia/Shanghai", system.GetProperty("timeZone").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/openapi/v1.json")).StatusCode);
    }

    [Fact]
    public async Task DemoDepartment_IsSeeded_LikeThePolicyChart()
    {
        using var hr = await app.LoginAsync("hr");
        var employees = await ApiAssert.JsonAsync(await hr.GetAsync("/api/employees"));
        var names = employees.EnumerateArray().Select(e => e.GetProperty("userName").GetString()).ToHashSet();
        foreach (var user in new[] { "hr", "gm", "leadership", "manager", "supervisor", "leader1", "leader2", "leader3", "member1a", "member2d", "member3c" })
        {
            Assert.Contains(user, names);
        }

        var groups = await ApiAssert.JsonAsync(await hr.GetAsync("/api/groups"));
        var seeded = groups.EnumerateArray().Where(g => g.GetProperty("name").GetString() is "一组" or "二组" or "三组").ToList();
        Assert.Equal(3, seeded.Count);
        Assert.All(seeded, g => Assert.Equal(JsonValueKind.String, g.GetProperty("leaderId").ValueKind));

        var supervisorSeats = await ApiAssert.JsonAsync(await hr.GetAsync("/api/seats?rank=Supervisor"));
        Assert.Single(supervisorSeats.EnumerateArray(), s => s.GetProperty("holderId").ValueKind == JsonValueKind.String);
        var gm = employees.EnumerateArray().Single(e => e.GetProperty("userName").GetString() == "gm");
        Assert.Equal("GeneralManager", gm.GetProperty("roles")[0].GetString());
        Assert.Equal(JsonValueKind.Null, gm.GetProperty("rank").ValueKind);
    }

    [Fact]
    public async Task Members_SeeOnlyNamesAndRanks_OfColleagues()
    {
        using var member = await app.LoginAsync("member2a");
        var employees = await ApiAssert.JsonAsync(await member.GetAsync("/api/employees"));
        var first = employees.EnumerateArray().First();
        Assert.True(first.TryGetProperty("name", out _));
        Assert.False(first.TryGetProperty("userName", out _));
        Assert.False(first.TryGetProperty("roles", out _));
    }

    [Theory]
    [InlineData("member1a")]
    [InlineData("leader1")]
    [InlineData("supervisor")]
    [InlineData("manager")]
    [InlineData("gm")]
    public async Task OnlyHR_CreatesEmployeesGroupsAndSeats(string caller)
    {
        using var client = await app.LoginAsync(caller);
        var before = await app.RowCountsAsync();
        await ApiAssert.ProblemAsync(await client.PostAsJsonAsync("/api/employees",
            new { userName = "x-" + caller, name = "X", password = "Pass@2026x", rank = "Member", groupId = await GroupIdAsync(client, "一组") }), HttpStatusCode.Forbidden);
        await ApiAssert.ProblemAsync(await client.PostAsJsonAsync("/api/groups", new { name = "组-" + caller }), HttpStatusCode.Forbidden);
        await ApiAssert.ProblemAsync(await client.PostAsJsonAsync("/api/seats", new { rank = "Supervisor" }), HttpStatusCode.Forbidden);
        await ApiAssert.ProblemAsync(await client.PostAsync("/api/seats/any/vacate", null), HttpStatusCode.Forbidden);
        Assert.Equal(before, await app.RowCountsAsync());
    }

    [Fact]
    public async Task HR_CreatesGroupWithVacantLeaderSeat_ThenALeaderFillsIt()
    {
        using var hr = await app.LoginAsync("hr");
        var group = await ApiAssert.JsonAsync(await hr.PostAsJsonAsync("/api/groups", new { name = "四组" }), HttpStatusCode.Created);
        var groupId = group.GetProperty("id").GetString();
        var seats = await ApiAssert.JsonAsync(await hr.GetAsync("/api/seats?rank=GroupLeader&vacant=true"));
        Assert.Contains(seats.EnumerateArray(), s => s.GetProperty("groupId").GetString() == groupId);

        var leader = await hr.PostAsJsonAsync("/api/employees", new { userName = "leader4", name = "四组长", password = "Lead@2026x", rank = "GroupLeader", groupId });
        Assert.Equal(HttpStatusCode.Created, leader.StatusCode);
        Assert.NotNull(leader.Headers.Location);
        var leaderId = (await ApiAssert.JsonAsync(leader, HttpStatusCode.Created)).GetProperty("id").GetString();

        var groups = await ApiAssert.JsonAsync(await hr.GetAsync("/api/groups"));
        Assert.Equal(leaderId, groups.EnumerateArray().Single(g => g.GetProperty("id").GetString() == groupId).GetProperty("leaderId").GetString());

        // The new account can sign in.
        using var client = await app.LoginAsync("leader4", "Lead@2026x");
        var me = await ApiAssert.JsonAsync(await client.GetAsync("/api/me"));
        Assert.Equal("GroupLeader", me.GetProperty("rank").GetString());
    }

    [Fact]
    public async Task CreateGroupLeader_Returns409_WhenLeaderSeatTaken_AndWritesNothing()
    {
        using var hr = await app.LoginAsync("hr");
        var before = await app.RowCountsAsync();
        var response = await hr.PostAsJsonAsync("/api/employees",
            new { userName = "second-leader", name = "第二组长", password = "Lead@2026x", rank = "GroupLeader", groupId = await GroupIdAsync(hr, "二组") });
        await ApiAssert.ProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Equal(before, await app.RowCountsAsync());
    }

    [Fact]
    public async Task CreateEmployee_Returns409_WhenUserNameTaken_AndWritesNothing()
    {
        using var hr = await app.LoginAsync("hr");
        var before = await app.RowCountsAsync();
        var response = await hr.PostAsJsonAsync("/api/employees",
            new { userName = "member1a", name = "重名", password = "Pass@2026x", rank = "Member", groupId = await GroupIdAsync(hr, "一组") });
        await ApiAssert.ProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Equal(before, await app.RowCountsAsync());
    }

    [Fact]
    public async Task CreateEmployee_Returns400_WithErrorsByField_WhenFieldsMissing()
    {
        using var hr = await app.LoginAsync("hr");
        var before = await app.RowCountsAsync();
        var problem = await ApiAssert.ProblemAsync(await hr.PostAsJsonAsync("/api/employees", new { rank = "Member" }), HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("userName", out _));
        Assert.True(errors.TryGetProperty("name", out _));
        Assert.True(errors.TryGetProperty("password", out _));
        Assert.True(errors.TryGetProperty("groupId", out _));
        Assert.Equal(before, await app.RowCountsAsync());
    }

    [Theory]
    [InlineData("""{"userName": 42, "name": "X", "password": "Pass@2026x", "rank": "Member"}""")]
    [InlineData("""{"userName": "typed", "name": "X", "password": "Pass@2026x", "rank": "Boss"}""")]
    [InlineData("""{"userName": "typed", "name": "X", "password": "Pass@2026x", "rank": "Member", "roles": "HR"}""")]
    [InlineData("""{"userName": "typed", "name": "X", """)]
    [InlineData("not json at all")]
    public async Task CreateEmployee_Returns400_WhenBodyMalformedOrWrongTypes(string body)
    {
        using var hr = await app.LoginAsync("hr");
        var before = await app.RowCountsAsync();
        var response = await hr.PostAsync("/api/employees", new StringContent(body, Encoding.UTF8, "application/json"));
        await ApiAssert.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(before, await app.RowCountsAsync());
    }

    [Fact]
    public async Task CreateEmployee_Returns400_WhenPasswordTooWeak()
    {
        using var hr = await app.LoginAsync("hr");
        var before = await app.RowCountsAsync();
        var problem = await ApiAssert.ProblemAsync(await hr.PostAsJsonAsync("/api/employees",
            new { userName = "weak", name = "弱密码", password = "123", rank = "Member", groupId = await GroupIdAsync(hr, "一组") }), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("password", out _));
        Assert.Equal(before, await app.RowCountsAsync());
    }

    [Fact]
    public async Task CreateEmployee_Returns422_WhenGroupUnknown()
    {
        using var hr = await app.LoginAsync("hr");
        var before = await app.RowCountsAsync();
        var response = await hr.PostAsJsonAsync("/api/employees",
            new { userName = "orphan", name = "无组", password = "Pass@2026x", rank = "Member", groupId = "no-such-group" });
        await ApiAssert.ProblemAsync(response, (HttpStatusCode)422);
        Assert.Equal(before, await app.RowCountsAsync());
    }

    [Fact]
    public async Task Seats_OpenAndVacate_ByHR()
    {
        using var hr = await app.LoginAsync("hr");
        var seat = await ApiAssert.JsonAsync(await hr.PostAsJsonAsync("/api/seats", new { rank = "Supervisor" }), HttpStatusCode.Created);
        Assert.Equal(JsonValueKind.Null, seat.GetProperty("holderId").ValueKind);
        var vacant = await ApiAssert.JsonAsync(await hr.GetAsync("/api/seats?rank=Supervisor&vacant=true"));
        Assert.Contains(vacant.EnumerateArray(), s => s.GetProperty("id").GetString() == seat.GetProperty("id").GetString());

        await ApiAssert.ProblemAsync(await hr.PostAsJsonAsync("/api/seats", new { rank = "Manager" }), HttpStatusCode.Conflict);
        await ApiAssert.ProblemAsync(await hr.PostAsJsonAsync("/api/seats", new { rank = "Member" }), (HttpStatusCode)422);
        await ApiAssert.ProblemAsync(await hr.PostAsync("/api/seats/no-such-seat/vacate", null), HttpStatusCode.NotFound);
    }

    private static async Task<string> GroupIdAsync(HttpClient client, string name)
    {
        var groups = await ApiAssert.JsonAsync(await client.GetAsync("/api/groups"));
        return groups.EnumerateArray().Single(g => g.GetProperty("name").GetString() == name).GetProperty("id").GetString()!;
    }
}

public sealed class FoundationApiTests_Sqlite(SqliteApp app) : FoundationApiTests(app), IClassFixture<SqliteApp>;

public sealed class FoundationApiTests_Postgres : FoundationApiTests, IClassFixture<PostgresApp>
{
    public FoundationApiTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
