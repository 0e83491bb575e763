using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Workflows.Host.Ledger;
using Workflows.Tests.Disputes;
using Workflows.Tests.Infrastructure;
using Workflows.Tests.Proofs;
using Workflows.Tests.Web;
using static Workflows.Tests.Violations.RecordsData;

namespace Workflows.Tests.Hardening;

/// <summary>
/// Every amount of money (a penalty, a reward, a dispute's reduced amount) keeps the bounds of docs/domain.md §Limits — above 0,
/// at most 100,000, two decimals — or is a 422 naming the field with nothing written; sums over amounts stored before
/// the bounds existed answer in words, never a 500.
/// </summary>
public abstract class MoneyTests(WorkflowsApp app)
{
    /// <summary>Out of bounds, as JSON number text: zero, negatives, too many decimals, over the maximum, the decimal extremes.</summary>
    public static readonly string[] OutOfBounds =
    [
        "0", "-0.01", "-5", "0.001", "50.001", "100000.01", "100001", "1000000", "79228162514264337593543950335", "-79228162514264337593543950335",
        "7922816251426433759354395033.5", "0.0000000000000000000000000001",
    ];

    public static TheoryData<string> OutOfBoundsData => [.. OutOfBounds];

    [Theory]
    [MemberData(nameof(OutOfBoundsData))]
    public async Task Penalty_OutOfBounds_Is422_OnTheField_AndWritesNothing(string amount)
    {
        var member = await NewMemberAsync(app);
        using var leader = await app.LoginAsync("leader1");
        var before = await TableCounts.AllAsync(app);
        var body = $"{{\"employeeId\":\"{member}\",\"ruleCode\":\"R02\",\"occurredOn\":\"2026-03-01\",\"description\":\"x\",\"penaltyAmount\":{amount}}}";
        var problem = await ApiAssert.ProblemAsync(await leader.PostAsync("/api/violations", Json(body)), HttpStatusCode.UnprocessableEntity);
        Assert.True(problem.GetProperty("errors").TryGetProperty("penaltyAmount", out _), problem.ToString());
        Assert.Equal("", TableCounts.Diff(before, await TableCounts.AllAsync(app)));
    }

    [Theory]
    [MemberData(nameof(OutOfBoundsData))]
    public async Task Reward_OutOfBounds_Is422_OnTheField_AndWritesNothing(string amount)
    {
        var member = await NewMemberAsync(app);
        using var supervisor = await app.LoginAsync("supervisor");
        var before = await TableCounts.AllAsync(app);
        var body = $"{{\"employeeId\":\"{member}\",\"amount\":{amount},\"reason\":\"r\",\"awardedOn\":\"2026-03-01\"}}";
        var problem = await ApiAssert.ProblemAsync(await supervisor.PostAsync("/api/rewards", Json(body)), HttpStatusCode.UnprocessableEntity);
        Assert.True(problem.GetProperty("errors").TryGetProperty("amount", out _), problem.ToString());
        Assert.Equal("", TableCounts.Diff(before, await TableCounts.AllAsync(app)));
    }

    [Theory]
    [InlineData("0.01")]
    [InlineData("100000")]
    [InlineData("99999.99")]
    public async Task Amounts_AtTheBounds_AreAccepted(string amount)
    {
        var member = await NewMemberAsync(app);
        using var leader = await app.LoginAsync("leader1");
        await ApiAssert.JsonAsync(await leader.PostAsync("/api/violations",
            Json($"{{\"employeeId\":\"{member}\",\"ruleCode\":\"R02\",\"occurredOn\":\"2026-03-01\",\"description\":\"x\",\"penaltyAmount\":{amount}}}")), HttpStatusCode.Created);
        using var supervisor = await app.LoginAsync("supervisor");
        await ApiAssert.JsonAsync(await supervisor.PostAsync("/api/rewards",
            Json($"{{\"employeeId\":\"{member}\",\"amount\":{amount},\"reason\":\"r\",\"awardedOn\":\"2026-03-01\"}}")), HttpStatusCode.Created);
    }

    /// <summary>A number too large for a decimal is not even the right type: 400, nothing written.</summary>
    [Theory]
    [InlineData("1e30")]
    [InlineData("79228162514264337593543950336")]
    [InlineData("\"abc\"")]
    public async Task Amounts_ThatAreNoDecimal_Are400(string amount)
    {
        var member = await NewMemberAsync(app);
        using var supervisor = await app.LoginAsync("supervisor");
        var before = await TableCounts.AllAsync(app);
        await ApiAssert.ProblemAsync(await supervisor.PostAsync("/api/rewards",
            Json($"{{\"employeeId\":\"{member}\",\"amount\":{amount},\"reason\":\"r\"}}")), HttpStatusCode.BadRequest);
        Assert.Equal("", TableCounts.Diff(before, await TableCounts.AllAsync(app)));
    }

    /// <summary>The dispute's reduced amount (the leader's recommendation and the supervisor's decision): 422 before the
    /// step, the task still open, no history row, the violation unchanged.</summary>
    [Theory]
    [InlineData("-5")]
    [InlineData("0")]
    [InlineData("50")]
    [InlineData("1000")]
    [InlineData("20.001")]
    [InlineData("\"abc\"")]
    [InlineData("\"\"")]
    [InlineData("null")]
    [InlineData("true")]
    [InlineData("{}")]
    [InlineData("79228162514264337593543950335")]
    [InlineData("-79228162514264337593543950335")]
    [InlineData("\"1e3\"")]
    public async Task ReducedAmount_OutOfBounds_Is422_AndWritesNothing_AtBothSteps(string amount)
    {
        var team = await DisputeTeam.CreateAsync(app);
        using var hr = await app.LoginAsync("hr");
        var violation = await DisputeCalls.RecordAsync(hr, team.Member.Id, "2026-03-01", 50m);
        using var member = await team.LoginAsync(team.Member);
        var instance = (await DisputeCalls.OpenAsync(member, violation)).GetProperty("id").GetString()!;
        using var leader = await team.LoginAsync(team.Leader);
        using var supervisor = await app.LoginAsync("supervisor");

        foreach (var (client, user) in new[] { (leader, team.Leader.UserName), (supervisor, "supervisor") })
        {
            var task = await TaskAsync(client, instance);
            var before = await TableCounts.AllAsync(app);
            var response = await client.PostAsync($"/api/tasks/{task}/complete", Json($"{{\"action\":\"reduce\",\"data\":{{\"amount\":{amount}}}}}"));
            var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
            Assert.True(problem.GetProperty("errors").TryGetProperty("data.amount", out _), $"{user}: {problem}");
            Assert.Equal("", TableCounts.Diff(before, await TableCounts.AllAsync(app)));
            Assert.Equal(task, await TaskAsync(client, instance));
            // Move on to the supervisor's step with a valid recommendation.
            if (client == leader)
            {
                await ApiAssert.JsonAsync(await client.PostAsJsonAsync($"/api/tasks/{task}/complete", new { action = "reduce", data = new { amount = 30 } }));
            }
        }

        var stored = await DisputeCalls.ViolationAsync(app, violation);
        Assert.Equal(50m, stored.GetProperty("penaltyAmount").GetDecimal());
        Assert.Equal("UnderDispute", stored.GetProperty("status").GetString());
    }

    /// <summary>The inbox page's decision form answers a bad amount on the page (422) and writes nothing.</summary>
    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("50")]
    [InlineData("1.234")]
    [InlineData("100000000")]
    public async Task ReducedAmount_OnTheInboxPage_IsRefusedInWords_AndWritesNothing(string amount)
    {
        var team = await DisputeTeam.CreateAsync(app);
        using var hr = await app.LoginAsync("hr");
        var violation = await DisputeCalls.RecordAsync(hr, team.Member.Id, "2026-03-01", 50m);
        using var member = await team.LoginAsync(team.Member);
        var instance = (await DisputeCalls.OpenAsync(member, violation)).GetProperty("id").GetString()!;
        using var leader = await team.LoginAsync(team.Leader);
        var task = await TaskAsync(leader, instance);

        using var web = await WebSession.SignInAsync(app, team.Leader.UserName, DisputeTeam.Password);
        var (_, page) = await web.GetAsync("/Inbox");
        var before = await TableCounts.AllAsync(app);
        using var response = await web.PostFormAsync("/Inbox?handler=Act", page, new() { ["taskId"] = task, ["decision"] = "reduce", ["amount"] = amount });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        // On the card that was acted on, with the amount kept for the correction.
        var answer = await response.Content.ReadAsStringAsync();
        Assert.Contains($"data-refusal=\"{task}\"", answer, StringComparison.Ordinal);
        Assert.Contains($"value=\"{System.Net.WebUtility.HtmlEncode(amount)}\"", answer, StringComparison.Ordinal);
        Assert.Equal("", TableCounts.Diff(before, await TableCounts.AllAsync(app)));
    }

    /// <summary>
    /// Amounts stored before the bounds (written straight to the database here): the statements, the fund and the pages
    /// answer in words — 422 where the sums overflow (SQLite keeps any decimal; PostgreSQL's numeric(12,2) column cannot
    /// hold one that large) — and never a 5xx, for that month and every later one.
    /// </summary>
    [Fact]
    public async Task StoredAmounts_ThatOverflowTheirSums_AnswerInWords_NeverA5xx()
    {
        var memberId = await NewMemberAsync(app);
        var huge = app.Lane == Lane.Sqlite ? decimal.MaxValue : 9_999_999_999.99m;
        var supervisorId = await IdOfAsync(app, "supervisor");
        await app.WithDbAsync(async db =>
        {
            for (var day = 1; day <= 2; day++)
            {
                db.Add(new Reward { EmployeeId = memberId, Amount = huge, Reason = "legacy", AwardedOn = new DateOnly(2026, 2, day), AwardedBy = supervisorId, AwardedAt = app.Clock.GetUtcNow() });
            }

            return await db.SaveChangesAsync();
        });

        using var hr = await app.LoginAsync("hr");
        var userName = (await ApiAssert.JsonAsync(await hr.GetAsync($"/api/employees/{memberId}"))).GetProperty("userName").GetString()!;
        string[] api = [$"/api/statements?employeeId={memberId}&month=2026-02", $"/api/statements?employeeId={memberId}", "/api/statements?month=2026-02",
            "/api/statements", "/api/fund", "/api/fund?from=2026-02&to=2026-03"];
        foreach (var url in api)
        {
            using var response = await hr.GetAsync(url);
            Assert.True((int)response.StatusCode < 500, $"{url}: {(int)response.StatusCode}");
            if (app.Lane == Lane.Sqlite)
            {
                var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
                Assert.Contains("超出可计算范围", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            }
        }

        using var web = await WebSession.SignInAsync(app, "hr");
        foreach (var url in new[] { $"/Statements?Employee={memberId}&Month=2026-02", $"/Statements?Employee={memberId}&Month=2026-03" })
        {
            var (status, html) = await web.GetAsync(url);
            Assert.True((int)status < 500, $"{url}: {(int)status}");
            if (app.Lane == Lane.Sqlite && url.EndsWith("2026-02", StringComparison.Ordinal))
            {
                Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
                Assert.Contains("id=\"refusal\"", html, StringComparison.Ordinal);
            }
        }

        using var own = await WebSession.SignInAsync(app, userName, "Test@2026x");
        var (mineStatus, mine) = await own.GetAsync("/Statements/Mine");
        Assert.True((int)mineStatus < 500, $"/Statements/Mine: {(int)mineStatus}");
        if (app.Lane == Lane.Sqlite)
        {
            Assert.Contains("id=\"statements-problem\"", mine, StringComparison.Ordinal);
        }

        await app.WithDbAsync(async db => await db.Set<Reward>().Where(r => r.EmployeeId == memberId).ExecuteDeleteAsync());
    }

    private static async Task<string> TaskAsync(HttpClient client, string instanceId)
    {
        var inbox = await ApiAssert.JsonAsync(await client.GetAsync("/api/tasks?status=Open"));
        return inbox.EnumerateArray().Single(t => t.GetProperty("instanceId").GetString() == instanceId).GetProperty("id").GetString()!;
    }

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}

public sealed class MoneyTests_Sqlite(SqliteApp app) : MoneyTests(app), IClassFixture<SqliteApp>;

public sealed class MoneyTests_Postgres : MoneyTests, IClassFixture<PostgresApp>
{
    public MoneyTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
