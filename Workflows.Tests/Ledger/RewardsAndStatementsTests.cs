using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Workflows.Tests.Infrastructure;
using static Workflows.Tests.Violations.RecordsData;

namespace Workflows.Tests.Ledger;

/// <summary>Rewards and open-month statements through HTTP. No month is closed in this class.</summary>
public abstract class RewardsAndStatementsTests(WorkflowsApp app)
{
    [Theory]
    [InlineData("supervisor")]
    [InlineData("manager")]
    public async Task RecordReward_Returns201_ForSupervisorAndManager(string awarder)
    {
        var memberId = await NewMemberAsync(app);
        using var client = await app.LoginAsync(awarder);
        var response = await client.PostAsJsonAsync("/api/rewards", new { employeeId = memberId, amount = 88.5m, reason = "客户表扬", awardedOn = "2026-03-01" });
        var reward = await ApiAssert.JsonAsync(response, HttpStatusCode.Created);
        Assert.NotNull(response.Headers.Location);
        Assert.Equal(88.5m, reward.GetProperty("amount").GetDecimal());
        Assert.Equal(await IdOfAsync(app, awarder), reward.GetProperty("awardedBy").GetString());
    }

    [Theory]
    [InlineData("hr")]
    [InlineData("leader1")]
    [InlineData("member1a")]
    [InlineData("gm")]
    public async Task RecordReward_Returns403_AndWritesNothing_ForEveryoneElse(string awarder)
    {
        var memberId = await NewMemberAsync(app);
        using var client = await app.LoginAsync(awarder);
        var before = await LedgerRowsAsync(app);
        await ApiAssert.ProblemAsync(await client.PostAsJsonAsync("/api/rewards", new { employeeId = memberId, amount = 10, reason = "r" }), HttpStatusCode.Forbidden);
        Assert.Equal(before, await LedgerRowsAsync(app));
    }

    [Fact]
    public async Task RecordReward_RefusesMissingReasonNonPositiveAmountAndSelf_WritingNothing()
    {
        var memberId = await NewMemberAsync(app);
        using var supervisor = await app.LoginAsync("supervisor");
        var before = await LedgerRowsAsync(app);
        var missing = await ApiAssert.ProblemAsync(await supervisor.PostAsJsonAsync("/api/rewards", new { employeeId = memberId, amount = 10 }), HttpStatusCode.BadRequest);
        Assert.True(missing.GetProperty("errors").TryGetProperty("reason", out _));
        var zero = await ApiAssert.ProblemAsync(await supervisor.PostAsJsonAsync("/api/rewards", new { employeeId = memberId, amount = 0, reason = "r" }), (HttpStatusCode)422);
        Assert.True(zero.GetProperty("errors").TryGetProperty("amount", out _));
        await ApiAssert.ProblemAsync(await supervisor.PostAsJsonAsync("/api/rewards", new { employeeId = memberId, amount = -5, reason = "r" }), (HttpStatusCode)422);
        await ApiAssert.ProblemAsync(await supervisor.PostAsJsonAsync("/api/rewards", new { employeeId = memberId, amount = 5, reason = "r", awardedOn = "2026-03-03" }), (HttpStatusCode)422);
        await ApiAssert.ProblemAsync(await supervisor.PostAsJsonAsync("/api/rewards",
            new { employeeId = await IdOfAsync(app, "supervisor"), amount = 5, reason = "me" }), HttpStatusCode.Forbidden);
        Assert.Equal(before, await LedgerRowsAsync(app));
    }

    [Fact]
    public async Task Statement_OfOpenMonth_IsComputedLive_FromViolationsAndRewards()
    {
        var memberId = await NewMemberAsync(app);
        var violation = await RecordAsync(app, "leader1", memberId, "2026-03-01", "R06", 30m);
        await RecordAsync(app, "leader1", memberId, "2026-02-15", "R02"); // February: not in March's statement.
        await RewardAsync(app, memberId, 50m, "2026-03-02");

        using var member = await app.LoginAsync("leader1");
        var statements = await ApiAssert.JsonAsync(await member.GetAsync($"/api/statements?employeeId={memberId}&month=2026-03"));
        var march = Assert.Single(statements.EnumerateArray());
        Assert.Equal(memberId, march.GetProperty("employeeId").GetString());
        Assert.Equal("2026-03", march.GetProperty("month").GetString());
        Assert.Equal("Open", march.GetProperty("status").GetString());
        var lines = march.GetProperty("lines").EnumerateArray().ToList();
        Assert.Equal(["Penalty", "Reward"], lines.Select(l => l.GetProperty("kind").GetString()));
        Assert.Equal(violation.GetProperty("id").GetString(), lines[0].GetProperty("violationId").GetString());
        Assert.Equal(30m, lines[0].GetProperty("amount").GetDecimal());
        Assert.Equal(50m, lines[1].GetProperty("amount").GetDecimal());
        Assert.Equal(-20m, march.GetProperty("total").GetDecimal());

        // Without a month: one statement per month with lines.
        var all = await ApiAssert.JsonAsync(await member.GetAsync($"/api/statements?employeeId={memberId}"));
        Assert.Equal(["2026-02", "2026-03"], all.EnumerateArray().Select(s => s.GetProperty("month").GetString()));
    }

    [Fact]
    public async Task Statement_IsEmpty_WhenEmployeeHasNoLinesThatMonth()
    {
        var memberId = await NewMemberAsync(app);
        using var hr = await app.LoginAsync("hr");
        var statement = Assert.Single((await ApiAssert.JsonAsync(await hr.GetAsync($"/api/statements?employeeId={memberId}&month=2026-01"))).EnumerateArray());
        Assert.Empty(statement.GetProperty("lines").EnumerateArray());
        Assert.Equal(0m, statement.GetProperty("total").GetDecimal());
        Assert.Equal("Open", statement.GetProperty("status").GetString());
        Assert.Empty((await ApiAssert.JsonAsync(await hr.GetAsync($"/api/statements?employeeId={memberId}"))).EnumerateArray());
    }

    [Fact]
    public async Task Statements_MembersSeeTheirOwn_LeadersTheirGroup_SupervisorEveryone()
    {
        var group1Member = await NewMemberAsync(app, "一组");
        var group2Member = await NewMemberAsync(app, "二组");
        await RecordAsync(app, "hr", group1Member, "2026-03-01");
        await RecordAsync(app, "hr", group2Member, "2026-03-01");
        await RecordAsync(app, "hr", await IdOfAsync(app, "member1a"), "2026-03-01");

        using var member = await app.LoginAsync("member1a");
        var own = await ApiAssert.JsonAsync(await member.GetAsync("/api/statements?month=2026-03"));
        var member1a = await IdOfAsync(app, "member1a");
        Assert.All(own.EnumerateArray(), s => Assert.Equal(member1a, s.GetProperty("employeeId").GetString()));
        Assert.Single(own.EnumerateArray());
        await ApiAssert.ProblemAsync(await member.GetAsync($"/api/statements?employeeId={group1Member}&month=2026-03"), HttpStatusCode.Forbidden);

        using var leader2 = await app.LoginAsync("leader2");
        var group2 = (await ApiAssert.JsonAsync(await leader2.GetAsync("/api/statements?month=2026-03"))).EnumerateArray()
            .Select(s => s.GetProperty("employeeId").GetString()).ToList();
        Assert.Contains(group2Member, group2);
        Assert.DoesNotContain(group1Member, group2);
        await ApiAssert.ProblemAsync(await leader2.GetAsync($"/api/statements?employeeId={group1Member}"), HttpStatusCode.Forbidden);

        using var supervisor = await app.LoginAsync("supervisor");
        var everyone = (await ApiAssert.JsonAsync(await supervisor.GetAsync("/api/statements?month=2026-03"))).EnumerateArray()
            .Select(s => s.GetProperty("employeeId").GetString()).ToList();
        Assert.Contains(group1Member, everyone);
        Assert.Contains(group2Member, everyone);
    }

    [Fact]
    public async Task Statements_Returns400_WhenMonthMalformed_And404_WhenEmployeeUnknown()
    {
        using var hr = await app.LoginAsync("hr");
        await ApiAssert.ProblemAsync(await hr.GetAsync("/api/statements?month=2026-13"), HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await hr.GetAsync("/api/statements?month=March"), HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await hr.GetAsync("/api/statements?employeeId=nobody&month=2026-03"), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("member1a", HttpStatusCode.Forbidden)]
    [InlineData("leader1", HttpStatusCode.Forbidden)]
    [InlineData("hr", HttpStatusCode.OK)]
    [InlineData("supervisor", HttpStatusCode.OK)]
    [InlineData("manager", HttpStatusCode.OK)]
    public async Task Fund_IsForHRSupervisorAndManager(string caller, HttpStatusCode expected)
    {
        using var client = await app.LoginAsync(caller);
        var response = await client.GetAsync("/api/fund");
        if (expected == HttpStatusCode.OK)
        {
            Assert.Equal(JsonValueKind.Array, (await ApiAssert.JsonAsync(response)).ValueKind);
        }
        else
        {
            await ApiAssert.ProblemAsync(response, expected);
        }
    }
}

public sealed class RewardsAndStatementsTests_Sqlite(SqliteApp app) : RewardsAndStatementsTests(app), IClassFixture<SqliteApp>;

public sealed class RewardsAndStatementsTests_Postgres : RewardsAndStatementsTests, IClassFixture<PostgresApp>
{
    public RewardsAndStatementsTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
