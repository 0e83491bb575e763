using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workflows.Tests.Infrastructure;
using static Workflows.Tests.Disputes.DisputeCalls;

namespace Workflows.Tests.Disputes;

/// <summary>
/// The penalty dispute (docs/domain.md §Penalty disputes) through the API: open, review, decide, and the decision's effects. No test here
/// closes a month (that is global to the database; see <see cref="DisputeClosedMonthTests"/>). Violations are dated
/// 2026-03-01, inside the open month and inside every test's clock.
/// </summary>
public abstract class DisputeApiTests(WorkflowsApp app)
{
    private const string InMarch = "2026-03-01";

    [Fact]
    public async Task Waive_BeforeMonthClose_CorrectsOpenStatement_LiftsEligibilityBlock_AndSignalsPromotions()
    {
        var team = await DisputeTeam.CreateAsync(app);
        using var hr = await app.LoginAsync("hr");
        var violationId = await RecordAsync(hr, team.Member.Id, InMarch, 40m);
        Assert.False((await EligibilityAsync(app, team.Member.Id)).GetProperty("eligible").GetBoolean());

        using var member = await team.LoginAsync(team.Member);
        var instance = await OpenAsync(member, violationId);
        var instanceId = instance.GetProperty("id").GetString()!;
        Assert.Equal("penalty-dispute", instance.GetProperty("type").GetString());
        Assert.Equal("Running", instance.GetProperty("status").GetString());
        Assert.Equal(["review"], instance.GetProperty("currentSteps").EnumerateArray().Select(s => s.GetString()));
        var data = instance.GetProperty("data");
        Assert.Equal(violationId, data.GetProperty("violationId").GetString());
        Assert.Equal(await app.IdOfAsync("hr"), data.GetProperty("recordedBy").GetString());
        Assert.Equal(team.GroupId, data.GetProperty("groupId").GetString());
        Assert.Equal("UnderDispute", (await ViolationAsync(app, violationId)).GetProperty("status").GetString());

        // The leader recommends; the supervisor decides.
        using var leader = await team.LoginAsync(team.Leader);
        var review = (await OpenTaskAsync(leader, instanceId))!.Value;
        Assert.Equal(["reduce", "return", "uphold", "waive"], review.GetProperty("allowedActions").EnumerateArray().Select(a => a.GetString()).Order());
        await ApiAssert.JsonAsync(await CompleteAsync(leader, review, "waive", comment: "记录时间有误"));
        using var supervisor = await app.LoginAsync("supervisor");
        var decide = (await OpenTaskAsync(supervisor, instanceId))!.Value;
        var done = await ApiAssert.JsonAsync(await CompleteAsync(supervisor, decide, "waive"));

        Assert.Equal("Completed", done.GetProperty("status").GetString());
        Assert.Equal("Waived", done.GetProperty("outcome").GetString());
        var violation = await ViolationAsync(app, violationId);
        Assert.Equal("Waived", violation.GetProperty("status").GetString());
        Assert.Equal(0m, violation.GetProperty("penaltyAmount").GetDecimal());
        var march = await StatementAsync(app, team.Member.Id, "2026-03");
        Assert.Equal("Open", march.GetProperty("status").GetString());
        Assert.DoesNotContain(march.GetProperty("lines").EnumerateArray(), l => l.GetProperty("violationId").GetString() == violationId && l.GetProperty("amount").GetDecimal() != 0);
        Assert.Equal(0m, march.GetProperty("total").GetDecimal());
        Assert.True((await EligibilityAsync(app, team.Member.Id)).GetProperty("eligible").GetBoolean());

        // The employee's waiting promotions are told, once the decision has committed.
        var signal = await app.WithDbAsync(db => db.Signals.AsNoTracking().SingleAsync(s => s.Name == "eligibility.changed" && s.SubjectId == team.Member.Id));
        Assert.Contains(violationId, signal.DataJson, StringComparison.Ordinal);
        await app.SweepAsync();
        Assert.NotNull(await app.WithDbAsync(db => db.Signals.AsNoTracking().Where(s => s.Id == signal.Id).Select(s => s.DeliveredAt).SingleAsync()));
    }

    [Fact]
    public async Task Reduce_SetsTheNewAmount_AndNeedsAnAmountBelowTheCurrentOne()
    {
        var team = await DisputeTeam.CreateAsync(app);
        using var hr = await app.LoginAsync("hr");
        var violationId = await RecordAsync(hr, team.Member.Id, InMarch, 50m);
        using var member = await team.LoginAsync(team.Member);
        var instanceId = (await OpenAsync(member, violationId)).GetProperty("id").GetString()!;

        using var leader = await team.LoginAsync(team.Leader);
        var review = (await OpenTaskAsync(leader, instanceId))!.Value;
        var missing = await ApiAssert.ProblemAsync(await CompleteAsync(leader, review, "reduce"), HttpStatusCode.UnprocessableEntity);
        Assert.True(missing.GetProperty("errors").TryGetProperty("data.amount", out _));
        await ApiAssert.JsonAsync(await CompleteAsync(leader, review, "reduce", new { amount = 30 }));

        using var supervisor = await app.LoginAsync("supervisor");
        var decide = (await OpenTaskAsync(supervisor, instanceId))!.Value;
        await ApiAssert.ProblemAsync(await CompleteAsync(supervisor, decide, "reduce"), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("UnderDispute", (await ViolationAsync(app, violationId)).GetProperty("status").GetString());

        // An amount not below the current one is refused before the step (docs/domain.md §Limits): 422, the task still open.
        var notBelow = await ApiAssert.ProblemAsync(await CompleteAsync(supervisor, decide, "reduce", new { amount = 60 }), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("须低于原金额 ¥", notBelow.GetProperty("errors").GetProperty("data.amount")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(50m, (await ViolationAsync(app, violationId)).GetProperty("penaltyAmount").GetDecimal());

        decide = (await OpenTaskAsync(supervisor, instanceId))!.Value;
        var done = await ApiAssert.JsonAsync(await CompleteAsync(supervisor, decide, "reduce", new { amount = 20 }));
        Assert.Equal("Reduced", done.GetProperty("outcome").GetString());
        var violation = await ViolationAsync(app, violationId);
        Assert.Equal("Reduced", violation.GetProperty("status").GetString());
        Assert.Equal(20m, violation.GetProperty("penaltyAmount").GetDecimal());
        Assert.Equal(20m, (await StatementAsync(app, team.Member.Id, "2026-03")).GetProperty("total").GetDecimal());
        // A reduced violation still counts against the clean record.
        Assert.False((await EligibilityAsync(app, team.Member.Id)).GetProperty("eligible").GetBoolean());
    }

    [Fact]
    public async Task Dispute_IsRefused_ForOthersUnknownWithoutReasonAndWhenAlreadyDisputed()
    {
        var team = await DisputeTeam.CreateAsync(app);
        using var hr = await app.LoginAsync("hr");
        var violationId = await RecordAsync(hr, team.Member.Id, InMarch, 10m);
        using var member = await team.LoginAsync(team.Member);
        using var leader = await team.LoginAsync(team.Leader);
        using var colleague = await team.LoginAsync(team.Colleague);
        var instancesBefore = await app.WithDbAsync(db => db.Instances.CountAsync());

        await ApiAssert.ProblemAsync(await DisputeAsync(leader, violationId), HttpStatusCode.Forbidden); // may see it, not theirs
        await ApiAssert.ProblemAsync(await DisputeAsync(colleague, violationId), HttpStatusCode.NotFound); // may not see it
        await ApiAssert.ProblemAsync(await DisputeAsync(member, "no-such-violation"), HttpStatusCode.NotFound);
        var noReason = await ApiAssert.ProblemAsync(await DisputeAsync(member, violationId, reason: " "), HttpStatusCode.BadRequest);
        Assert.True(noReason.GetProperty("errors").TryGetProperty("reason", out _));
        Assert.Equal(instancesBefore, await app.WithDbAsync(db => db.Instances.CountAsync()));
        Assert.Equal("Active", (await ViolationAsync(app, violationId)).GetProperty("status").GetString());

        var running = (await OpenAsync(member, violationId)).GetProperty("id").GetString();
        // A second dispute while the first runs names it (docs/domain.md §Limits).
        var again = await ApiAssert.ProblemAsync(await DisputeAsync(member, violationId), HttpStatusCode.Conflict);
        Assert.Equal(running, again.GetProperty("instanceId").GetString());
        Assert.Equal(instancesBefore + 1, await app.WithDbAsync(db => db.Instances.CountAsync()));

        // Once it has ended, the one dispute per violation is used: 422.
        await ApiAssert.JsonAsync(await member.PostAsync($"/api/instances/{running}/withdraw", null));
        var used = await ApiAssert.ProblemAsync(await DisputeAsync(member, violationId), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("该违纪已申诉过：每条违纪只能申诉一次。", used.GetProperty("detail").GetString());
        // The detail follows the culture the person chose (the culture cookie), as the pages do.
        using (var english = new HttpRequestMessage(HttpMethod.Post, "/api/disputes") { Content = JsonContent.Create(new { violationId, reason = "wrong" }) })
        {
            english.Headers.Add("Cookie", ".AspNetCore.Culture=c%3Den%7Cuic%3Den");
            var usedEn = await ApiAssert.ProblemAsync(await member.SendAsync(english), HttpStatusCode.UnprocessableEntity);
            Assert.Equal("This violation has already been disputed: one dispute per violation.", usedEn.GetProperty("detail").GetString());
        }

        Assert.Equal(instancesBefore + 1, await app.WithDbAsync(db => db.Instances.CountAsync()));
    }

    [Fact]
    public async Task LeaderRecorded_ReviewGoesStraightToTheSupervisor()
    {
        var team = await DisputeTeam.CreateAsync(app);
        using var leader = await team.LoginAsync(team.Leader);
        var violationId = await RecordAsync(leader, team.Member.Id, InMarch, 15m);
        using var member = await team.LoginAsync(team.Member);
        var instance = await OpenAsync(member, violationId);
        var instanceId = instance.GetProperty("id").GetString()!;

        Assert.Equal(["decide"], instance.GetProperty("currentSteps").EnumerateArray().Select(s => s.GetString()));
        Assert.Null(await OpenTaskAsync(leader, instanceId));
        var route = (await app.HistoryAsync(instanceId)).Single(h => h.GetProperty("kind").GetString() == "activity.completed" && h.GetProperty("step").GetString() == "route");
        Assert.Equal("supervisor", route.GetProperty("action").GetString());
        Assert.Equal("leaderRecorded", route.GetProperty("data").GetProperty("reviewSkipped").GetString());

        using var supervisor = await app.LoginAsync("supervisor");
        var decide = (await OpenTaskAsync(supervisor, instanceId))!.Value;
        // The recorder may read the dispute about their own record, and never decide it.
        Assert.DoesNotContain(team.Leader.Id, decide.GetProperty("candidateIds").EnumerateArray().Select(c => c.GetString()));
        await ApiAssert.JsonAsync(await leader.GetAsync($"/api/instances/{instanceId}"));
        await ApiAssert.ProblemAsync(await CompleteAsync(leader, decide, "waive"), HttpStatusCode.Forbidden);
        var done = await ApiAssert.JsonAsync(await CompleteAsync(supervisor, decide, "uphold"));
        Assert.Equal("Upheld", done.GetProperty("outcome").GetString());
        var violation = await ViolationAsync(app, violationId);
        Assert.Equal("Upheld", violation.GetProperty("status").GetString());
        Assert.Equal(15m, violation.GetProperty("penaltyAmount").GetDecimal());
    }

    [Fact]
    public async Task SupervisorRecorded_TheSupervisorCannotDecide_TheManagerDoes()
    {
        var team = await DisputeTeam.CreateAsync(app);
        using var supervisor = await app.LoginAsync("supervisor");
        var violationId = await RecordAsync(supervisor, team.Member.Id, InMarch, 25m);
        using var member = await team.LoginAsync(team.Member);
        var instanceId = (await OpenAsync(member, violationId)).GetProperty("id").GetString()!;

        using var leader = await team.LoginAsync(team.Leader);
        await ApiAssert.JsonAsync(await CompleteAsync(leader, (await OpenTaskAsync(leader, instanceId))!.Value, "uphold"));

        // The recorder is excluded from the decision: it escalates to the manager, and the supervisor may not act.
        Assert.Null(await OpenTaskAsync(supervisor, instanceId));
        using var manager = await app.LoginAsync("manager");
        var decide = (await OpenTaskAsync(manager, instanceId))!.Value;
        Assert.DoesNotContain(await app.IdOfAsync("supervisor"), decide.GetProperty("candidateIds").EnumerateArray().Select(c => c.GetString()));
        await ApiAssert.ProblemAsync(await CompleteAsync(supervisor, decide, "waive"), HttpStatusCode.Forbidden); // the recorder reads, never decides
        Assert.Contains("task.escalated", Kinds(await app.HistoryAsync(instanceId)));

        var done = await ApiAssert.JsonAsync(await CompleteAsync(manager, decide, "waive"));
        Assert.Equal("Waived", done.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Withdraw_PutsTheViolationBackToActive_AndTheOneDisputeIsUsed()
    {
        var team = await DisputeTeam.CreateAsync(app);
        using var hr = await app.LoginAsync("hr");
        var violationId = await RecordAsync(hr, team.Member.Id, InMarch, 30m);
        using var member = await team.LoginAsync(team.Member);
        var instanceId = (await OpenAsync(member, violationId)).GetProperty("id").GetString()!;
        Assert.Equal("UnderDispute", (await ViolationAsync(app, violationId)).GetProperty("status").GetString());

        var withdrawn = await ApiAssert.JsonAsync(await member.PostAsync($"/api/instances/{instanceId}/withdraw", null));
        Assert.Equal("Cancelled", withdrawn.GetProperty("status").GetString());
        Assert.Equal("Withdrawn", withdrawn.GetProperty("outcome").GetString());
        var violation = await ViolationAsync(app, violationId);
        Assert.Equal("Active", violation.GetProperty("status").GetString());
        Assert.Equal(30m, violation.GetProperty("penaltyAmount").GetDecimal());
        var hook = (await app.HistoryAsync(instanceId)).Single(h => h.GetProperty("comment").ValueKind == JsonValueKind.String && h.GetProperty("comment").GetString() == "onWithdraw");
        Assert.Equal("restored", hook.GetProperty("action").GetString());
        using var leader = await team.LoginAsync(team.Leader);
        Assert.Null(await OpenTaskAsync(leader, instanceId));

        await ApiAssert.ProblemAsync(await DisputeAsync(member, violationId), HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Review_NotDoneIn3Days_EscalatesToTheSupervisorsDecision()
    {
        var team = await DisputeTeam.CreateAsync(app);
        using var hr = await app.LoginAsync("hr");
        var violationId = await RecordAsync(hr, team.Member.Id, InMarch, 12m);
        using (var member = await team.LoginAsync(team.Member))
        {
            var instanceId = (await OpenAsync(member, violationId)).GetProperty("id").GetString()!;
            using var leaderBefore = await team.LoginAsync(team.Leader);
            Assert.NotNull(await OpenTaskAsync(leaderBefore, instanceId));

            app.Clock.Advance(TimeSpan.FromDays(3) - TimeSpan.FromMinutes(1));
            await app.SweepAsync();
            Assert.Equal(["review"], (await app.InstanceAsync(instanceId)).GetProperty("currentSteps").EnumerateArray().Select(s => s.GetString()));

            app.Clock.Advance(TimeSpan.FromMinutes(2));
            await app.SweepAsync();
            Assert.Equal(["decide"], (await app.InstanceAsync(instanceId)).GetProperty("currentSteps").EnumerateArray().Select(s => s.GetString()));
            var kinds = Kinds(await app.HistoryAsync(instanceId));
            Assert.Contains("task.due", kinds);
            using var leader = await team.LoginAsync(team.Leader);
            Assert.Null(await OpenTaskAsync(leader, instanceId));
            using var supervisor = await app.LoginAsync("supervisor");
            var decide = (await OpenTaskAsync(supervisor, instanceId))!.Value;
            Assert.Equal("decide", decide.GetProperty("step").GetString());
            Assert.Equal("Waived", (await ApiAssert.JsonAsync(await CompleteAsync(supervisor, decide, "waive"))).GetProperty("outcome").GetString());
        }
    }
}

public sealed class DisputeApiTests_Sqlite(SqliteApp app) : DisputeApiTests(app), IClassFixture<SqliteApp>;

/// <summary>The same on SQLite through the EF Core step store, the one PostgreSQL uses.</summary>
public sealed class DisputeApiTests_SqliteEfCore(SqliteEfCoreApp app) : DisputeApiTests(app), IClassFixture<SqliteEfCoreApp>;

public sealed class DisputeApiTests_Postgres : DisputeApiTests, IClassFixture<PostgresApp>
{
    public DisputeApiTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
