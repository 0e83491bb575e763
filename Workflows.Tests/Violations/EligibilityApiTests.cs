using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Workflows.Definitions.Ledger;
using Workflows.Tests.Infrastructure;
using static Workflows.Tests.Violations.RecordsData;
using Workflows.Definitions.Disputes;

namespace Workflows.Tests.Violations;

/// <summary>The clean-record rule (docs/domain.md §Clean-record windows) through <c>GET /api/eligibility</c>; the fake clock's today is 2026-03-02.</summary>
public abstract class EligibilityApiTests(WorkflowsApp app)
{
    private async Task<JsonElement> EligibilityAsync(string employeeId, string targetRank, string? asOf = null, string caller = "hr")
    {
        using var client = await app.LoginAsync(caller);
        var url = $"/api/eligibility?employeeId={employeeId}&targetRank={targetRank}" + (asOf is null ? "" : $"&asOf={asOf}");
        return await ApiAssert.JsonAsync(await client.GetAsync(url));
    }

    [Fact]
    public async Task Eligibility_Blocks_WhenViolationOnWindowStart()
    {
        var memberId = await NewMemberAsync(app);
        var violation = await RecordAsync(app, "leader1", memberId, "2025-12-02", "R05");

        var result = await EligibilityAsync(memberId, "GroupLeader");
        Assert.False(result.GetProperty("eligible").GetBoolean());
        Assert.Equal("2025-12-02", result.GetProperty("windowStart").GetString());
        Assert.Equal("2026-03-02", result.GetProperty("windowEnd").GetString());
        Assert.Equal(3, result.GetProperty("windowMonths").GetInt32());
        Assert.Equal("2026-03-03", result.GetProperty("earliestEligibleOn").GetString());
        var considered = Assert.Single(result.GetProperty("considered").EnumerateArray());
        Assert.Equal(violation.GetProperty("id").GetString(), considered.GetProperty("violationId").GetString());
        Assert.Equal("R05", considered.GetProperty("ruleCode").GetString());
        Assert.Equal("2025-12-02", considered.GetProperty("occurredOn").GetString());
        Assert.Equal("Active", considered.GetProperty("status").GetString());
        Assert.True(considered.GetProperty("counts").GetBoolean());
        Assert.Equal("在考察期（2025-12-02 至 2026-03-02）内", considered.GetProperty("reason").GetString());
        Assert.Single(result.GetProperty("reasons").EnumerateArray());
        Assert.Equal("2026.1", result.GetProperty("catalogVersion").GetString());
        Assert.False(result.GetProperty("isSkipLevel").GetBoolean());
    }

    [Fact]
    public async Task Eligibility_Allows_WhenViolationTheDayBeforeWindowStart()
    {
        var memberId = await NewMemberAsync(app);
        await RecordAsync(app, "leader1", memberId, "2025-12-01");

        var result = await EligibilityAsync(memberId, "GroupLeader", "2026-03-02");
        Assert.True(result.GetProperty("eligible").GetBoolean());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("earliestEligibleOn").ValueKind);
        Assert.Empty(result.GetProperty("reasons").EnumerateArray());
        var considered = Assert.Single(result.GetProperty("considered").EnumerateArray());
        Assert.False(considered.GetProperty("counts").GetBoolean());
        Assert.Equal("BeforeWindow", considered.GetProperty("reasonCode").GetString());
    }

    [Fact]
    public async Task Eligibility_EarliestEligibleOn_Is20260601_ForViolationOn20260228()
    {
        var memberId = await NewMemberAsync(app);
        await RecordAsync(app, "supervisor", memberId, "2026-02-28");

        var now = await EligibilityAsync(memberId, "GroupLeader");
        Assert.Equal("2026-06-01", now.GetProperty("earliestEligibleOn").GetString());

        // Month-end clamping: the window of 2026-05-31 starts on 2026-02-28 and still holds the violation.
        var lastBlocked = await EligibilityAsync(memberId, "GroupLeader", "2026-05-31");
        Assert.False(lastBlocked.GetProperty("eligible").GetBoolean());
        Assert.Equal("2026-02-28", lastBlocked.GetProperty("windowStart").GetString());
        Assert.True((await EligibilityAsync(memberId, "GroupLeader", "2026-06-01")).GetProperty("eligible").GetBoolean());
    }

    [Fact]
    public async Task Eligibility_IgnoresWaivedViolation_ButCountsOneUnderDispute()
    {
        var memberId = await NewMemberAsync(app);
        var waived = (await RecordAsync(app, "leader1", memberId, "2026-02-10")).GetProperty("id").GetString()!;
        var disputed = (await RecordAsync(app, "leader1", memberId, "2026-02-11")).GetProperty("id").GetString()!;
        var supervisorId = await IdOfAsync(app, "supervisor");
        await DisputeAndDecideAsync(app, waived, new DisputeDecision.Waive(), supervisorId);
        await InScopeAsync(app, async (db, _) =>
        {
            var violation = await db.Set<Workflows.Host.Violations.Violation>().FindAsync(disputed);
            Assert.Null(violation!.OpenDispute("open-dispute", memberId, app.Clock.GetUtcNow()));
            await db.SaveChangesAsync();
        });

        var result = await EligibilityAsync(memberId, "GroupLeader");
        Assert.False(result.GetProperty("eligible").GetBoolean());
        var considered = result.GetProperty("considered").EnumerateArray().ToDictionary(c => c.GetProperty("violationId").GetString()!);
        Assert.Equal("Waived", considered[waived].GetProperty("status").GetString());
        Assert.False(considered[waived].GetProperty("counts").GetBoolean());
        Assert.Equal("Waived", considered[waived].GetProperty("reasonCode").GetString());
        Assert.Equal("UnderDispute", considered[disputed].GetProperty("status").GetString());
        Assert.True(considered[disputed].GetProperty("counts").GetBoolean());

        // Once the disputed one is waived too, nothing blocks.
        await InScopeAsync(app, async (db, ledger) =>
        {
            var violation = await db.Set<Workflows.Host.Violations.Violation>().FindAsync(disputed);
            await ledger.DecideDisputeAsync(violation!, new DisputeDecision.Waive(), supervisorId, "open-dispute", CancellationToken.None);
            await db.SaveChangesAsync();
        });
        Assert.True((await EligibilityAsync(memberId, "GroupLeader")).GetProperty("eligible").GetBoolean());
    }

    [Theory]
    [InlineData("GroupLeader", 3, "2025-12-02", false)]
    [InlineData("Supervisor", 6, "2025-09-02", true)]
    [InlineData("Manager", 12, "2025-03-02", true)]
    public async Task Eligibility_UsesTheTargetRanksWindow(string targetRank, int months, string windowStart, bool skipLevel)
    {
        var memberId = await NewMemberAsync(app);
        var dayBefore = DateOnly.Parse(windowStart, System.Globalization.CultureInfo.InvariantCulture).AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await RecordAsync(app, "hr", memberId, dayBefore);
        var clear = await EligibilityAsync(memberId, targetRank);
        Assert.True(clear.GetProperty("eligible").GetBoolean());
        Assert.Equal(months, clear.GetProperty("windowMonths").GetInt32());
        Assert.Equal(windowStart, clear.GetProperty("windowStart").GetString());
        Assert.Equal(skipLevel, clear.GetProperty("isSkipLevel").GetBoolean());
        Assert.Equal(targetRank, clear.GetProperty("targetRank").GetString());

        await RecordAsync(app, "hr", memberId, windowStart);
        Assert.False((await EligibilityAsync(memberId, targetRank)).GetProperty("eligible").GetBoolean());
    }

    [Fact]
    public async Task Eligibility_ExplainsRankProblems_WhenTargetNotAboveCurrentRank()
    {
        var memberId = await NewMemberAsync(app);
        var result = await EligibilityAsync(memberId, "Member");
        Assert.False(result.GetProperty("eligible").GetBoolean());
        Assert.NotEmpty(result.GetProperty("reasons").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("earliestEligibleOn").ValueKind);
    }

    [Theory]
    [InlineData("targetRank=Chief", "targetRank")]
    [InlineData("targetRank=7", "targetRank")]
    [InlineData("targetRank=GroupLeader&asOf=2026-02-30", "asOf")]
    [InlineData("targetRank=GroupLeader&asOf=yesterday", "asOf")]
    public async Task Eligibility_Returns400_WhenTargetRankOrAsOfMalformed(string query, string field)
    {
        var memberId = await NewMemberAsync(app);
        using var hr = await app.LoginAsync("hr");
        var problem = await ApiAssert.ProblemAsync(await hr.GetAsync($"/api/eligibility?employeeId={memberId}&{query}"), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Theory]
    [InlineData("leader1", HttpStatusCode.OK)]
    [InlineData("manager", HttpStatusCode.OK)]
    [InlineData("leader2", HttpStatusCode.Forbidden)]
    [InlineData("member1b", HttpStatusCode.Forbidden)]
    public async Task Eligibility_IsReadableOnlyByTheEmployeesLineAndHR(string caller, HttpStatusCode expected)
    {
        var memberId = await NewMemberAsync(app);
        using var client = await app.LoginAsync(caller);
        var response = await client.GetAsync($"/api/eligibility?employeeId={memberId}&targetRank=GroupLeader");
        if (expected == HttpStatusCode.OK)
        {
            await ApiAssert.JsonAsync(response);
        }
        else
        {
            await ApiAssert.ProblemAsync(response, expected);
        }

        await ApiAssert.ProblemAsync(await client.GetAsync("/api/eligibility?employeeId=nobody&targetRank=GroupLeader"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Eligibility_OfOneself_IsReadable()
    {
        using var member = await app.LoginAsync("member3c");
        var result = await ApiAssert.JsonAsync(await member.GetAsync($"/api/eligibility?employeeId={await IdOfAsync(app, "member3c")}&targetRank=GroupLeader"));
        Assert.Equal("2026-03-02", result.GetProperty("asOf").GetString());
    }
}

public sealed class EligibilityApiTests_Sqlite(SqliteApp app) : EligibilityApiTests(app), IClassFixture<SqliteApp>;

public sealed class EligibilityApiTests_Postgres : EligibilityApiTests, IClassFixture<PostgresApp>
{
    public EligibilityApiTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
