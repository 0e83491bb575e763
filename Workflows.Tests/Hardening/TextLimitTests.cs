using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Workflows.Tests.Disputes;
using Workflows.Tests.Infrastructure;
using Workflows.Tests.Proofs;
using Workflows.Tests.Web;
using static Workflows.Tests.Violations.RecordsData;

namespace Workflows.Tests.Hardening;

/// <summary>Text limits of docs/domain.md §Limits in the API and the pages: user names ≤ 64 of letters, digits, '.', '_', '-';
/// display names ≤ 100; statements, reasons, descriptions and comments ≤ 2,000. Over a limit is a 400 on the field and
/// nothing is written; at the limit is accepted.</summary>
public abstract class TextLimitTests(WorkflowsApp app)
{
    private static string Text(int length) => new('长', length);

    [Theory]
    [InlineData(65)]
    [InlineData(1000)]
    [InlineData(100_000)]
    public async Task UserName_OverTheLimit_Is400_AndCannotSignIn(int length)
    {
        using var hr = await app.LoginAsync("hr");
        var group = await GroupIdAsync(hr, "一组");
        var userName = new string('u', length);
        var before = await TableCounts.AllAsync(app);
        var problem = await ApiAssert.ProblemAsync(await hr.PostAsJsonAsync("/api/employees",
            new { userName, name = "测试", password = "Pass@2026x", rank = "Member", groupId = group }), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("userName", out _));
        Assert.Equal("", TableCounts.Diff(before, await TableCounts.AllAsync(app)));
        using var anonymous = app.CreateClient();
        await ApiAssert.ProblemAsync(await anonymous.PostAsJsonAsync("/api/auth/login", new { userName, password = "Pass@2026x" }), HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("a b")]
    [InlineData("a@b")]
    [InlineData("a/b")]
    [InlineData("<x>")]
    [InlineData("a+b")]
    [InlineData("' OR 1=1")]
    public async Task UserName_WithOtherCharacters_Is400(string userName)
    {
        using var hr = await app.LoginAsync("hr");
        var group = await GroupIdAsync(hr, "一组");
        var before = await TableCounts.AllAsync(app);
        var problem = await ApiAssert.ProblemAsync(await hr.PostAsJsonAsync("/api/employees",
            new { userName, name = "测试", password = "Pass@2026x", rank = "Member", groupId = group }), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("userName", out _));
        Assert.Equal("", TableCounts.Diff(before, await TableCounts.AllAsync(app)));
    }

    [Fact]
    public async Task Names_AtTheirLimits_AreAccepted_AndOneMoreIsNot()
    {
        using var hr = await app.LoginAsync("hr");
        var group = await GroupIdAsync(hr, "一组");
        var unique = Guid.NewGuid().ToString("N")[..8];
        var userName = ("u." + unique + "_张-").PadRight(64, 'x');
        await ApiAssert.JsonAsync(await hr.PostAsJsonAsync("/api/employees",
            new { userName, name = Text(100), password = "Pass@2026x", rank = "Member", groupId = group }), HttpStatusCode.Created);
        var tooLong = await ApiAssert.ProblemAsync(await hr.PostAsJsonAsync("/api/employees",
            new { userName = "v" + unique, name = Text(101), password = "Pass@2026x", rank = "Member", groupId = group }), HttpStatusCode.BadRequest);
        Assert.True(tooLong.GetProperty("errors").TryGetProperty("name", out _));
        await ApiAssert.ProblemAsync(await hr.PostAsJsonAsync("/api/groups", new { name = Text(101) }), HttpStatusCode.BadRequest);
        await ApiAssert.JsonAsync(await hr.PostAsJsonAsync("/api/groups", new { name = unique + Text(92) }), HttpStatusCode.Created);
    }

    /// <summary>Every statement, reason, description and comment: 2,001 characters is a 400 on its field, nothing written.</summary>
    [Theory]
    [InlineData("promotion statement")]
    [InlineData("promotion justification")]
    [InlineData("swap reason")]
    [InlineData("dispute reason")]
    [InlineData("reward reason")]
    [InlineData("violation description")]
    [InlineData("task comment")]
    [InlineData("withdraw reason")]
    public async Task Texts_Over2000_Are400_AndWriteNothing(string what)
    {
        var (client, url, body, field) = await RequestAsync(what);
        var before = await TableCounts.AllAsync(app);
        var problem = await ApiAssert.ProblemAsync(await client.PostAsync(url, Json(body)), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal("", TableCounts.Diff(before, await TableCounts.AllAsync(app)));
        client.Dispose();
    }

    [Fact]
    public async Task Texts_Of2000_AreAccepted()
    {
        var member = await NewMemberAsync(app);
        using var supervisor = await app.LoginAsync("supervisor");
        await ApiAssert.JsonAsync(await supervisor.PostAsJsonAsync("/api/rewards", new { employeeId = member, amount = 5, reason = Text(2000) }), HttpStatusCode.Created);
        using var leader = await app.LoginAsync("leader1");
        await ApiAssert.JsonAsync(await leader.PostAsJsonAsync("/api/promotions",
            new { candidateId = member, targetRank = "GroupLeader", channel = "DepartmentRecommendation", statement = Text(2000), justification = Text(2000) }), HttpStatusCode.Created);
    }

    /// <summary>The pages say so on the form (400) and write nothing.</summary>
    [Fact]
    public async Task Pages_RefuseTextsOverTheirLimits()
    {
        var member = await NewMemberAsync(app);
        using var web = await WebSession.SignInAsync(app, "leader1");
        var (_, record) = await web.GetAsync("/Violations/Record");
        var before = await TableCounts.AllAsync(app);
        using var violation = await web.PostFormAsync("/Violations/Record", record, new()
        {
            ["EmployeeId"] = member, ["RuleCode"] = "R02", ["OccurredOn"] = "2026-03-01", ["Description"] = Text(2001), ["PenaltyAmount"] = "",
        });
        Assert.Equal(HttpStatusCode.BadRequest, violation.StatusCode);
        var (_, promotion) = await web.GetAsync($"/Promotions/New?candidateId={member}");
        using var filed = await web.PostFormAsync("/Promotions/New", promotion, new()
        {
            ["CandidateId"] = member, ["TargetRank"] = "GroupLeader", ["Channel"] = "DepartmentRecommendation", ["Statement"] = Text(2001),
        });
        Assert.Equal(HttpStatusCode.BadRequest, filed.StatusCode);
        Assert.Equal("", TableCounts.Diff(before, await TableCounts.AllAsync(app)));
        Assert.Contains("maxlength=\"2000\"", promotion, StringComparison.Ordinal);
    }

    private async Task<(HttpClient Client, string Url, string Body, string Field)> RequestAsync(string what)
    {
        var member = await NewMemberAsync(app);
        var tooLong = Text(2001);
        switch (what)
        {
            case "promotion statement":
            case "promotion justification":
                var promotion = new JsonObject
                {
                    ["candidateId"] = member, ["targetRank"] = "GroupLeader", ["channel"] = "DepartmentRecommendation", ["statement"] = "s", ["justification"] = "j",
                };
                promotion[what.EndsWith("statement", StringComparison.Ordinal) ? "statement" : "justification"] = tooLong;
                return (await app.LoginAsync("leader1"), "/api/promotions", promotion.ToJsonString(), what.Split(' ')[1]);
            case "reward reason":
                return (await app.LoginAsync("supervisor"), "/api/rewards", new JsonObject { ["employeeId"] = member, ["amount"] = 5, ["reason"] = tooLong }.ToJsonString(), "reason");
            case "violation description":
                return (await app.LoginAsync("leader1"), "/api/violations",
                    new JsonObject { ["employeeId"] = member, ["ruleCode"] = "R02", ["occurredOn"] = "2026-03-01", ["description"] = tooLong }.ToJsonString(), "description");
            case "swap reason":
                return (await app.LoginAsync("member1a"), "/api/shift-swaps",
                    new JsonObject { ["shiftId"] = "x", ["counterpartId"] = member, ["reason"] = tooLong }.ToJsonString(), "reason");
            default:
                var team = await DisputeTeam.CreateAsync(app);
                using (var hr = await app.LoginAsync("hr"))
                {
                    var violation = await DisputeCalls.RecordAsync(hr, team.Member.Id, "2026-03-01", 20m);
                    var memberClient = await team.LoginAsync(team.Member);
                    if (what == "dispute reason")
                    {
                        return (memberClient, "/api/disputes", new JsonObject { ["violationId"] = violation, ["reason"] = tooLong }.ToJsonString(), "reason");
                    }

                    var instance = (await DisputeCalls.OpenAsync(memberClient, violation)).GetProperty("id").GetString()!;
                    if (what == "withdraw reason")
                    {
                        return (memberClient, $"/api/instances/{instance}/withdraw", new JsonObject { ["reason"] = tooLong }.ToJsonString(), "reason");
                    }

                    memberClient.Dispose();
                    var leader = await team.LoginAsync(team.Leader);
                    var inbox = await ApiAssert.JsonAsync(await leader.GetAsync("/api/tasks?status=Open"));
                    var task = inbox.EnumerateArray().Single(t => t.GetProperty("instanceId").GetString() == instance).GetProperty("id").GetString()!;
                    return (leader, $"/api/tasks/{task}/complete", new JsonObject { ["action"] = "uphold", ["comment"] = tooLong }.ToJsonString(), "comment");
                }
        }
    }

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}

public sealed class TextLimitTests_Sqlite(SqliteApp app) : TextLimitTests(app), IClassFixture<SqliteApp>;

public sealed class TextLimitTests_Postgres : TextLimitTests, IClassFixture<PostgresApp>
{
    public TextLimitTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
