using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions.Ledger;
using Workflows.Host.Violations;
using Workflows.Tests.Infrastructure;
using static Workflows.Tests.Violations.RecordsData;
using Workflows.Definitions.Disputes;

namespace Workflows.Tests.Violations;

/// <summary>Recording and reading violations through HTTP: who may, what is valid, and the change log.</summary>
public abstract class ViolationsApiTests(WorkflowsApp app)
{
    [Fact]
    public async Task ViolationRules_ListsR01ToR18_ToAnySignedInUser()
    {
        using var member = await app.LoginAsync("member2b");
        var rules = await ApiAssert.JsonAsync(await member.GetAsync("/api/violation-rules"));
        Assert.Equal(18, rules.GetArrayLength());
        var first = rules[0];
        Assert.Equal("R01", first.GetProperty("code").GetString());
        Assert.Equal("调换班要经组长同意", first.GetProperty("titleZh").GetString());
        Assert.False(string.IsNullOrEmpty(first.GetProperty("title").GetString()));
        Assert.Equal(20m, first.GetProperty("defaultPenalty").GetDecimal());
        Assert.Equal("R18", rules[17].GetProperty("code").GetString());
    }

    [Fact]
    public async Task RecordViolation_Returns201WithLocation_WhenLeaderRecordsForOwnGroupMember()
    {
        var memberId = await NewMemberAsync(app, "一组");
        using var leader = await app.LoginAsync("leader1");
        var response = await leader.PostAsJsonAsync("/api/violations",
            new { employeeId = memberId, ruleCode = "R13", occurredOn = "2026-03-01", description = "20 秒内无回应" });
        var created = await ApiAssert.JsonAsync(response, HttpStatusCode.Created);
        Assert.Equal($"/api/violations/{created.GetProperty("id").GetString()}", response.Headers.Location?.OriginalString);
        Assert.Equal("Active", created.GetProperty("status").GetString());
        Assert.Equal(20m, created.GetProperty("penaltyAmount").GetDecimal());
        Assert.Equal("2026-03-01", created.GetProperty("occurredOn").GetString());
        Assert.Equal(await IdOfAsync(app, "leader1"), created.GetProperty("recordedBy").GetString());

        var detail = await ApiAssert.JsonAsync(await leader.GetAsync(response.Headers.Location));
        Assert.Equal("R13", detail.GetProperty("violation").GetProperty("ruleCode").GetString());
        var change = Assert.Single(detail.GetProperty("changes").EnumerateArray());
        Assert.Equal("Created", change.GetProperty("kind").GetString());
    }

    [Theory]
    [InlineData("hr")]
    [InlineData("supervisor")]
    [InlineData("manager")]
    public async Task RecordViolation_Returns201_ForHRSupervisorAndManager_WithOverriddenAmount(string recorder)
    {
        var memberId = await NewMemberAsync(app, "二组");
        var created = await RecordAsync(app, recorder, memberId, "2026-02-20", "R02", penaltyAmount: 35.5m);
        Assert.Equal(35.5m, created.GetProperty("penaltyAmount").GetDecimal());
    }

    [Theory]
    [InlineData("leader2", "a leader of another group")]
    [InlineData("member1a", "a member of the same group")]
    [InlineData("gm", "the general manager")]
    public async Task RecordViolation_Returns403_AndWritesNothing_WhenRecorderNotAllowed(string recorder, string who)
    {
        var memberId = await NewMemberAsync(app, "一组");
        using var client = await app.LoginAsync(recorder);
        var before = await LedgerRowsAsync(app);
        var problem = await ApiAssert.ProblemAsync(await client.PostAsJsonAsync("/api/violations",
            new { employeeId = memberId, ruleCode = "R01", occurredOn = "2026-03-01", description = who }), HttpStatusCode.Forbidden);
        Assert.Equal("只有该员工的组长、主管、经理或人事部可以记录违纪。", problem.GetProperty("detail").GetString());
        Assert.Equal(before, await LedgerRowsAsync(app));
    }

    [Theory]
    [InlineData("leader1")]
    [InlineData("supervisor")]
    [InlineData("hr")]
    public async Task RecordViolation_Returns403_WhenRecordingForOneself(string userName)
    {
        using var client = await app.LoginAsync(userName);
        var before = await LedgerRowsAsync(app);
        var problem = await ApiAssert.ProblemAsync(await client.PostAsJsonAsync("/api/violations",
            new { employeeId = await IdOfAsync(app, userName), ruleCode = "R01", occurredOn = "2026-03-01", description = "self" }), HttpStatusCode.Forbidden);
        Assert.Equal("不能给自己记录违纪。", problem.GetProperty("detail").GetString());
        Assert.Equal(before, await LedgerRowsAsync(app));
    }

    [Fact]
    public async Task RecordViolation_Returns400WithErrorsByField_WhenFieldsMissing()
    {
        using var hr = await app.LoginAsync("hr");
        var before = await LedgerRowsAsync(app);
        var problem = await ApiAssert.ProblemAsync(await hr.PostAsJsonAsync("/api/violations", new { penaltyAmount = 5 }), HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "employeeId", "ruleCode", "occurredOn", "description" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"errors should name {field}");
        }

        Assert.Equal(before, await LedgerRowsAsync(app));
    }

    [Theory]
    [InlineData("{ \"employeeId\": ")]
    [InlineData("{ \"employeeId\": \"x\", \"ruleCode\": \"R01\", \"occurredOn\": \"2026-02-30\", \"description\": \"d\" }")]
    [InlineData("{ \"employeeId\": \"x\", \"ruleCode\": \"R01\", \"occurredOn\": \"2026-02-01\", \"description\": \"d\", \"penaltyAmount\": \"lots\" }")]
    public async Task RecordViolation_Returns400_WhenBodyMalformed(string body)
    {
        using var hr = await app.LoginAsync("hr");
        var before = await LedgerRowsAsync(app);
        await ApiAssert.ProblemAsync(await hr.PostAsync("/api/violations", new StringContent(body, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        Assert.Equal(before, await LedgerRowsAsync(app));
    }

    [Fact]
    public async Task RecordViolation_Returns422_AndWritesNothing_WhenRuleUnknownDateInFutureAmountNegativeOrEmployeeUnknown()
    {
        var memberId = await NewMemberAsync(app, "一组");
        using var hr = await app.LoginAsync("hr");
        var before = await LedgerRowsAsync(app);

        var unknownRule = await ApiAssert.ProblemAsync(await hr.PostAsJsonAsync("/api/violations",
            new { employeeId = memberId, ruleCode = "R99", occurredOn = "2026-03-01", description = "d" }), (HttpStatusCode)422);
        Assert.True(unknownRule.GetProperty("errors").TryGetProperty("ruleCode", out _));

        // The fake clock says 2026-03-02 in Shanghai: the 3rd is tomorrow.
        var future = await ApiAssert.ProblemAsync(await hr.PostAsJsonAsync("/api/violations",
            new { employeeId = memberId, ruleCode = "R01", occurredOn = "2026-03-03", description = "d" }), (HttpStatusCode)422);
        Assert.True(future.GetProperty("errors").TryGetProperty("occurredOn", out _));

        await ApiAssert.ProblemAsync(await hr.PostAsJsonAsync("/api/violations",
            new { employeeId = memberId, ruleCode = "R01", occurredOn = "2026-03-01", description = "d", penaltyAmount = -1 }), (HttpStatusCode)422);
        await ApiAssert.ProblemAsync(await hr.PostAsJsonAsync("/api/violations",
            new { employeeId = "no-such-employee", ruleCode = "R01", occurredOn = "2026-03-01", description = "d" }), (HttpStatusCode)422);
        Assert.Equal(before, await LedgerRowsAsync(app));

        // Today itself is not the future.
        await RecordAsync(app, "hr", memberId, "2026-03-02");
    }

    [Theory]
    [InlineData("self", HttpStatusCode.OK)]
    [InlineData("leader1", HttpStatusCode.OK)]
    [InlineData("supervisor", HttpStatusCode.OK)]
    [InlineData("manager", HttpStatusCode.OK)]
    [InlineData("hr", HttpStatusCode.OK)]
    [InlineData("leader2", HttpStatusCode.Forbidden)]
    [InlineData("member1a", HttpStatusCode.Forbidden)]
    [InlineData("gm", HttpStatusCode.Forbidden)]
    public async Task ReadViolations_AllowsOnlyTheEmployeeTheirLeaderSupervisorManagerAndHR(string reader, HttpStatusCode expected)
    {
        using var hr = await app.LoginAsync("hr");
        var userName = "r" + Guid.NewGuid().ToString("N")[..10];
        var created = await ApiAssert.JsonAsync(await hr.PostAsJsonAsync("/api/employees",
            new { userName, name = "读取测试", password = "Test@2026x", rank = "Member", groupId = await GroupIdAsync(hr, "一组") }), HttpStatusCode.Created);
        var memberId = created.GetProperty("id").GetString()!;
        var violation = await RecordAsync(app, "leader1", memberId, "2026-02-10");

        using var client = reader == "self" ? await app.LoginAsync(userName, "Test@2026x") : await app.LoginAsync(reader);
        var list = await client.GetAsync($"/api/employees/{memberId}/violations");
        var one = await client.GetAsync($"/api/violations/{violation.GetProperty("id").GetString()}");
        if (expected == HttpStatusCode.OK)
        {
            var items = await ApiAssert.JsonAsync(list);
            Assert.Equal(violation.GetProperty("id").GetString(), Assert.Single(items.EnumerateArray()).GetProperty("id").GetString());
            await ApiAssert.JsonAsync(one);
        }
        else
        {
            await ApiAssert.ProblemAsync(list, expected);
            await ApiAssert.ProblemAsync(one, expected);
        }
    }

    [Fact]
    public async Task ReadViolations_Returns404_WhenEmployeeOrViolationUnknown()
    {
        using var hr = await app.LoginAsync("hr");
        await ApiAssert.ProblemAsync(await hr.GetAsync("/api/employees/no-such-employee/violations"), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await hr.GetAsync("/api/violations/no-such-violation"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ViolationHistory_RecordsEveryChange_WithOldAndNewValuesAndTheDisputeReference()
    {
        var memberId = await NewMemberAsync(app, "三组");
        var recorded = await RecordAsync(app, "leader3", memberId, "2026-03-01", "R07", penaltyAmount: 40m);
        var id = recorded.GetProperty("id").GetString()!;
        var supervisorId = await IdOfAsync(app, "supervisor");

        var resolution = await DisputeAndDecideAsync(app, id, new DisputeDecision.Reduce(15m), supervisorId);
        var resolved = Assert.IsType<DisputeResolution.Resolved>(resolution);
        Assert.Null(resolved.AdjustmentAmount); // March is open: the live statement shows the new amount.

        using var member = await app.LoginAsync("supervisor");
        var detail = await ApiAssert.JsonAsync(await member.GetAsync($"/api/violations/{id}"));
        Assert.Equal("Reduced", detail.GetProperty("violation").GetProperty("status").GetString());
        Assert.Equal(15m, detail.GetProperty("violation").GetProperty("penaltyAmount").GetDecimal());
        var changes = detail.GetProperty("changes").EnumerateArray().ToList();
        Assert.Equal(["Created", "DisputeOpened", "Decided"], changes.Select(c => c.GetProperty("kind").GetString()));
        var decided = changes[2];
        Assert.Equal("UnderDispute", decided.GetProperty("fromStatus").GetString());
        Assert.Equal("Reduced", decided.GetProperty("toStatus").GetString());
        Assert.Equal(40m, decided.GetProperty("fromAmount").GetDecimal());
        Assert.Equal(15m, decided.GetProperty("toAmount").GetDecimal());
        Assert.Equal(supervisorId, decided.GetProperty("actorId").GetString());
        Assert.Equal(changes[1].GetProperty("reference").GetString(), decided.GetProperty("reference").GetString());
        Assert.StartsWith("dispute-", decided.GetProperty("reference").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ViolationStateChanges_AreGuarded_AndNeverDeleteOrRewriteHistory()
    {
        var memberId = await NewMemberAsync(app, "三组");
        var id = (await RecordAsync(app, "leader3", memberId, "2026-03-01")).GetProperty("id").GetString()!;
        await InScopeAsync(app, async (db, _) =>
        {
            var violation = await db.Set<Violation>().SingleAsync(v => v.Id == id);
            // Deciding something not under dispute is refused, and refusing writes no change.
            Assert.IsType<DisputeResolution.Invalid>(violation.Decide(new DisputeDecision.Waive(), false, "x", app.Clock.GetUtcNow(), "ref"));
            Assert.Null(violation.OpenDispute("d1", memberId, app.Clock.GetUtcNow()));
            Assert.Null(violation.WithdrawDispute("d1", memberId, app.Clock.GetUtcNow()));
            // One dispute per violation, also after a withdrawal.
            Assert.NotNull(violation.OpenDispute("d2", memberId, app.Clock.GetUtcNow()));
            await db.SaveChangesAsync();
        });

        var changes = await app.WithDbAsync(db => db.Set<ViolationChange>().Where(c => c.ViolationId == id).OrderBy(c => c.Seq).ToListAsync());
        Assert.Equal([ViolationChangeKind.Created, ViolationChangeKind.DisputeOpened, ViolationChangeKind.DisputeWithdrawn], changes.Select(c => c.Kind));
        Assert.Equal([1, 2, 3], changes.Select(c => c.Seq));
    }
}

public sealed class ViolationsApiTests_Sqlite(SqliteApp app) : ViolationsApiTests(app), IClassFixture<SqliteApp>;

public sealed class ViolationsApiTests_Postgres : ViolationsApiTests, IClassFixture<PostgresApp>
{
    public ViolationsApiTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
