using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Runtime;

/// <summary>
/// The approval actions as the API offers them (转交, 加签, 退回, 催办, 抄送, 批量审批, 代理, due dates), through the real
/// runner on every store. The test design: leader of the subject's group → supervisor → HR → an activity → a signal.
/// </summary>
public abstract class ApprovalActionsTests(WorkflowsApp app)
{
    private const string Design = "test.three-approvals";

    private async Task<HttpResponseMessage> PostAsync(string user, string url, object? body = null)
    {
        using var client = await app.LoginAsync(user);
        return await client.PostAsJsonAsync(url, body ?? new { });
    }

    private async Task<string> TaskIdAsync(string user, string instanceId) =>
        (await app.TaskInInboxAsync(user, instanceId)).GetProperty("id").GetString()!;

    private async Task<JsonElement[]> InboxAsync(string user)
    {
        using var client = await app.LoginAsync(user);
        return [.. (await ApiAssert.JsonAsync(await client.GetAsync("/api/tasks?status=Open"))).EnumerateArray()];
    }

    private static string? Step(JsonElement instance) =>
        instance.GetProperty("currentSteps").GetArrayLength() == 0 ? null : instance.GetProperty("currentSteps")[0].GetString();

    [Fact]
    public async Task Transfer_GivesTheTaskToOneColleague_AndRefusesTheExcludedAndTheUnknown()
    {
        var id = await app.StartAsync(Design, "member1a");
        var taskId = await TaskIdAsync("leader1", id);
        var leader2 = await app.IdOfAsync("leader2");

        await ApiAssert.ProblemAsync(await PostAsync("leader1", $"/api/tasks/{taskId}/transfer", new { toEmployeeId = await app.IdOfAsync("member1a"), comment = "x" }),
            HttpStatusCode.UnprocessableEntity);
        await ApiAssert.ProblemAsync(await PostAsync("leader1", $"/api/tasks/{taskId}/transfer", new { toEmployeeId = "00000000-0000-0000-0000-00000000dead" }),
            HttpStatusCode.UnprocessableEntity);
        await ApiAssert.ProblemAsync(await PostAsync("leader1", $"/api/tasks/{taskId}/transfer", new { comment = "nobody named" }), HttpStatusCode.BadRequest);
        var notTheirs = await PostAsync("member2a", $"/api/tasks/{taskId}/transfer", new { toEmployeeId = leader2 });
        Assert.True(notTheirs.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, $"A stranger got {notTheirs.StatusCode}.");

        var task = await ApiAssert.JsonAsync(await PostAsync("leader1", $"/api/tasks/{taskId}/transfer", new { toEmployeeId = leader2, comment = "休假，请代为审批" }));
        Assert.Equal([leader2], task.GetProperty("candidateIds").EnumerateArray().Select(c => c.GetString()));
        Assert.DoesNotContain(await InboxAsync("leader1"), t => t.GetProperty("id").GetString() == taskId);
        var former = await PostAsync("leader1", $"/api/tasks/{taskId}/complete", new { action = "approve" });
        Assert.True(former.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, $"The former candidate got {former.StatusCode}.");

        await ApiAssert.JsonAsync(await PostAsync("leader2", $"/api/tasks/{taskId}/complete", new { action = "approve" }));
        var transferred = (await app.HistoryAsync(id)).Single(h => h.GetProperty("kind").GetString() == "task.transferred");
        Assert.Equal(await app.IdOfAsync("leader1"), transferred.GetProperty("actorId").GetString());
        Assert.Equal("休假，请代为审批", transferred.GetProperty("comment").GetString());
        Assert.Equal(leader2, transferred.GetProperty("data").GetProperty("to").GetString());
    }

    [Fact]
    public async Task Transfer_RacingACompletion_OneWins()
    {
        var id = await app.StartAsync(Design, "member1b");
        var taskId = await TaskIdAsync("leader1", id);
        using var transferring = await app.LoginAsync("leader1");
        using var completing = await app.LoginAsync("leader1");
        var answers = await Task.WhenAll(
            transferring.PostAsJsonAsync($"/api/tasks/{taskId}/transfer", new { toEmployeeId = await app.IdOfAsync("leader2") }),
            completing.PostAsJsonAsync($"/api/tasks/{taskId}/complete", new { action = "approve" }));

        // Exactly one wins: a transfer after the completion finds the step moved on (409); a completion after the
        // transfer finds the task no longer the leader's (403).
        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        var kinds = (await app.HistoryAsync(id)).Select(h => h.GetProperty("kind").GetString()).ToList();
        Assert.Equal(1, kinds.Count(k => k is "task.completed" or "task.transferred"));
        Assert.Equal(answers[1].StatusCode == HttpStatusCode.OK, kinds.Contains("task.completed"));
    }

    [Fact]
    public async Task AddSigner_Before_HoldsTheTaskUntilTheColleagueApproves()
    {
        var id = await app.StartAsync(Design, "member1c");
        await ApiAssert.JsonAsync(await PostAsync("leader1", $"/api/tasks/{await TaskIdAsync("leader1", id)}/complete", new { action = "approve" }));
        var supervisorTask = await TaskIdAsync("supervisor", id);
        var manager = await app.IdOfAsync("manager");

        await ApiAssert.ProblemAsync(await PostAsync("supervisor", $"/api/tasks/{supervisorTask}/add-signer", new { employeeId = manager, position = "sideways" }),
            HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await PostAsync("supervisor", $"/api/tasks/{supervisorTask}/add-signer", new { employeeId = await app.IdOfAsync("member1c"), position = "before" }),
            HttpStatusCode.UnprocessableEntity);
        var held = await ApiAssert.JsonAsync(await PostAsync("supervisor", $"/api/tasks/{supervisorTask}/add-signer", new { employeeId = manager, position = "before", comment = "请经理先看" }));
        Assert.Equal("Waiting", held.GetProperty("status").GetString());
        Assert.DoesNotContain(await InboxAsync("supervisor"), t => t.GetProperty("id").GetString() == supervisorTask);

        var signerTask = await app.TaskInInboxAsync("manager", id);
        Assert.Equal("signer", signerTask.GetProperty("slot").GetString());
        await ApiAssert.JsonAsync(await PostAsync("manager", $"/api/tasks/{signerTask.GetProperty("id").GetString()}/complete", new { action = "approve", comment = "同意" }));

        Assert.Equal(supervisorTask, await TaskIdAsync("supervisor", id));
        var afterSupervisor = await ApiAssert.JsonAsync(await PostAsync("supervisor", $"/api/tasks/{supervisorTask}/complete", new { action = "approve" }));
        Assert.Equal("third", Step(afterSupervisor));
        var kinds = (await app.HistoryAsync(id)).Select(h => h.GetProperty("kind").GetString()).ToList();
        Assert.Contains("task.signerAdded", kinds);
    }

    [Fact]
    public async Task AddSigner_After_TheColleaguesRejectIsTheStepsReject()
    {
        var id = await app.StartAsync(Design, "member1d");
        await ApiAssert.JsonAsync(await PostAsync("leader1", $"/api/tasks/{await TaskIdAsync("leader1", id)}/complete", new { action = "approve" }));
        var supervisorTask = await TaskIdAsync("supervisor", id);
        await ApiAssert.JsonAsync(await PostAsync("supervisor", $"/api/tasks/{supervisorTask}/add-signer", new { employeeId = await app.IdOfAsync("manager"), position = "after" }));

        var approved = await ApiAssert.JsonAsync(await PostAsync("supervisor", $"/api/tasks/{supervisorTask}/complete", new { action = "approve", comment = "我同意" }));
        Assert.Equal("second", Step(approved));
        var signerTask = (await app.TaskInInboxAsync("manager", id)).GetProperty("id").GetString();
        await ApiAssert.ProblemAsync(await PostAsync("manager", $"/api/tasks/{signerTask}/complete", new { action = "reject" }), HttpStatusCode.UnprocessableEntity);
        var rejected = await ApiAssert.JsonAsync(await PostAsync("manager", $"/api/tasks/{signerTask}/complete", new { action = "reject", comment = "不同意" }));
        Assert.Equal("Rejected", rejected.GetProperty("outcome").GetString());
        Assert.Equal("Completed", rejected.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Return_ToTheApplicant_NeedsAComment_ThenTheResubmissionReopensTheStep()
    {
        var id = await app.StartAsync(Design, "member2a");
        var taskId = await TaskIdAsync("leader2", id);
        await ApiAssert.ProblemAsync(await PostAsync("leader2", $"/api/tasks/{taskId}/complete", new { action = "return" }), HttpStatusCode.UnprocessableEntity);
        await ApiAssert.JsonAsync(await PostAsync("leader2", $"/api/tasks/{taskId}/complete", new { action = "return", comment = "请补充理由" }));

        var amend = await app.TaskInInboxAsync("member2a", id);
        Assert.Equal("amend", amend.GetProperty("step").GetString());
        Assert.Equal(["resubmit", "withdraw"], amend.GetProperty("allowedActions").EnumerateArray().Select(a => a.GetString()).Order());
        var amendId = amend.GetProperty("id").GetString();
        await ApiAssert.ProblemAsync(await PostAsync("member2a", $"/api/tasks/{amendId}/complete", new { action = "resubmit", data = new { subject = "someone-else" } }),
            HttpStatusCode.UnprocessableEntity);
        var resubmitted = await ApiAssert.JsonAsync(await PostAsync("member2a", $"/api/tasks/{amendId}/complete", new { action = "resubmit", data = new { statement = "补充：带教 3 人" } }));
        Assert.Equal("first", Step(resubmitted));
        Assert.Equal("补充：带教 3 人", resubmitted.GetProperty("data").GetProperty("statement").GetString());
        Assert.Equal(await app.IdOfAsync("member2a"), resubmitted.GetProperty("data").GetProperty("subject").GetString());

        var kinds = (await app.HistoryAsync(id)).Select(h => h.GetProperty("kind").GetString()).ToList();
        Assert.Contains("task.returned", kinds);
        Assert.Contains("instance.resubmitted", kinds);
        await TaskIdAsync("leader2", id);
    }

    [Fact]
    public async Task Return_ToAnEarlierStep_OpensItAgain_AndOnlyAnEarlierOne()
    {
        var id = await app.StartAsync(Design, "member2b");
        await ApiAssert.JsonAsync(await PostAsync("leader2", $"/api/tasks/{await TaskIdAsync("leader2", id)}/complete", new { action = "approve" }));
        var supervisorTask = await TaskIdAsync("supervisor", id);
        await ApiAssert.ProblemAsync(await PostAsync("supervisor", $"/api/tasks/{supervisorTask}/complete", new { action = "return", comment = "x", data = new { toStep = "third" } }),
            HttpStatusCode.UnprocessableEntity);
        var back = await ApiAssert.JsonAsync(await PostAsync("supervisor", $"/api/tasks/{supervisorTask}/complete", new { action = "return", comment = "组长再看看", data = new { toStep = "first" } }));
        Assert.Equal("first", Step(back));
        await TaskIdAsync("leader2", id);
    }

    [Fact]
    public async Task Remind_OnceADay_ByTheStarterOnly()
    {
        var id = await app.StartAsync(Design, "member2c");
        await ApiAssert.ProblemAsync(await PostAsync("member2d", $"/api/instances/{id}/remind"), HttpStatusCode.NotFound);
        await ApiAssert.JsonAsync(await PostAsync("member2c", $"/api/instances/{id}/remind"));
        var tooSoon = await PostAsync("member2c", $"/api/instances/{id}/remind");
        await ApiAssert.ProblemAsync(tooSoon, HttpStatusCode.TooManyRequests);
        Assert.NotNull(tooSoon.Headers.RetryAfter);
        Assert.InRange(tooSoon.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromHours(23), TimeSpan.FromHours(24));
        Assert.Single(await app.HistoryAsync(id), h => h.GetProperty("kind").GetString() == "instance.reminded");
    }

    [Fact]
    public async Task Copy_LetsTheColleagueReadTheInstance_AndNothingMore()
    {
        var id = await app.StartAsync(Design, "member3a");
        var reader = await app.IdOfAsync("member3b");
        await ApiAssert.ProblemAsync(await PostAsync("member3c", $"/api/instances/{id}/cc", new { employeeIds = new[] { reader } }), HttpStatusCode.NotFound);
        await ApiAssert.JsonAsync(await PostAsync("leader3", $"/api/instances/{id}/cc", new { employeeIds = new[] { reader }, comment = "供参考" }));

        using var copied = await app.LoginAsync("member3b");
        await ApiAssert.JsonAsync(await copied.GetAsync($"/api/instances/{id}"));
        await ApiAssert.JsonAsync(await copied.GetAsync($"/api/instances/{id}/history"));
        var list = await ApiAssert.JsonAsync(await copied.GetAsync("/api/cc"));
        Assert.Contains(list.EnumerateArray(), i => i.GetProperty("id").GetString() == id);
        var taskId = await TaskIdAsync("leader3", id);
        var act = await copied.PostAsJsonAsync($"/api/tasks/{taskId}/complete", new { action = "approve" });
        Assert.Equal(HttpStatusCode.Forbidden, act.StatusCode);

        using var other = await app.LoginAsync("member3c");
        await ApiAssert.ProblemAsync(await other.GetAsync($"/api/instances/{id}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task BulkComplete_AnswersEachTaskAsAlone()
    {
        var ids = new[] { await app.StartAsync(Design, "member3c"), await app.StartAsync(Design, "member3d") };
        var tasks = new List<string>();
        foreach (var id in ids)
        {
            tasks.Add(await TaskIdAsync("leader3", id));
        }

        await ApiAssert.JsonAsync(await PostAsync("leader3", $"/api/tasks/{tasks[0]}/complete", new { action = "approve" }));
        var answer = await ApiAssert.JsonAsync(await PostAsync("leader3", "/api/tasks/bulk-complete", new { taskIds = new[] { tasks[0], tasks[1], "nope" }, action = "approve", comment = "批量同意" }));
        var results = answer.GetProperty("results").EnumerateArray().ToDictionary(r => r.GetProperty("taskId").GetString()!, r => r.GetProperty("status").GetInt32());
        Assert.Equal(409, results[tasks[0]]);
        Assert.Equal(200, results[tasks[1]]);
        Assert.Equal(404, results["nope"]);
        await ApiAssert.ProblemAsync(await PostAsync("leader3", "/api/tasks/bulk-complete", new { taskIds = Array.Empty<string>(), action = "approve" }), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Delegation_TheDelegateActsOnBehalf_ButNeverOnTheirOwnApplication()
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(app.Clock.GetUtcNow(), TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).DateTime);
        var leader1 = await app.IdOfAsync("leader1");
        var delegateId = await app.IdOfAsync("leader2");
        using (var me = await app.LoginAsync("leader1"))
        {
            await ApiAssert.ProblemAsync(await me.PutAsJsonAsync("/api/me/delegation", new { delegateId = leader1, from = today, to = today }), HttpStatusCode.BadRequest);
            await ApiAssert.JsonAsync(await me.PutAsJsonAsync("/api/me/delegation", new { delegateId, from = today, to = today.AddDays(2) }));
            Assert.Equal(delegateId, (await ApiAssert.JsonAsync(await me.GetAsync("/api/me/delegation"))).GetProperty("delegateId").GetString());
        }

        var id = await app.StartAsync(Design, "member1a");
        var delegated = (await InboxAsync("leader2")).Single(t => t.GetProperty("instanceId").GetString() == id);
        Assert.Equal(leader1, delegated.GetProperty("onBehalfOf").GetString());
        await ApiAssert.JsonAsync(await PostAsync("leader2", $"/api/tasks/{delegated.GetProperty("id").GetString()}/complete", new { action = "approve", comment = "代批" }));
        var decision = (await app.HistoryAsync(id)).Single(h => h.GetProperty("kind").GetString() == "task.completed");
        Assert.Equal(delegateId, decision.GetProperty("actorId").GetString());
        Assert.Equal(leader1, decision.GetProperty("onBehalfOf").GetString());

        // The delegate's own application: never theirs to decide, even on someone's behalf.
        var own = await app.StartAsync(Design, "member1b", "leader2");
        using (var hr = await app.LoginAsync("hr"))
        {
            await ApiAssert.JsonAsync(await hr.PutAsJsonAsync($"/api/employees/{leader1}/delegation", new { delegateId = await app.IdOfAsync("member1b"), from = today, to = today }));
        }

        Assert.DoesNotContain(await InboxAsync("member1b"), t => t.GetProperty("instanceId").GetString() == own);
        var ownTask = await TaskIdAsync("leader1", own);
        var refused = await PostAsync("member1b", $"/api/tasks/{ownTask}/complete", new { action = "approve" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        using (var me = await app.LoginAsync("leader1"))
        {
            Assert.Equal(HttpStatusCode.NoContent, (await me.DeleteAsync("/api/me/delegation")).StatusCode);
            await ApiAssert.ProblemAsync(await me.GetAsync("/api/me/delegation"), HttpStatusCode.NotFound);
        }
    }

    [Fact]
    public async Task Delegation_OpensTheDelegatorsApplicationsOnlyOnItsDays()
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(app.Clock.GetUtcNow(), TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).DateTime);
        var delegateId = await app.IdOfAsync("leader2");
        var id = await app.StartAsync(Design, "member3a");
        using var me = await app.LoginAsync("leader3");
        using var stand_in = await app.LoginAsync("leader2");
        try
        {
            // Next week's delegation: today the stand-in sees neither the task nor the application.
            await ApiAssert.JsonAsync(await me.PutAsJsonAsync("/api/me/delegation", new { delegateId, from = today.AddDays(7), to = today.AddDays(9) }));
            Assert.DoesNotContain(await InboxAsync("leader2"), t => t.GetProperty("instanceId").GetString() == id);
            await ApiAssert.ProblemAsync(await stand_in.GetAsync($"/api/instances/{id}"), HttpStatusCode.NotFound);

            await ApiAssert.JsonAsync(await me.PutAsJsonAsync("/api/me/delegation", new { delegateId, from = today, to = today }));
            Assert.Contains(await InboxAsync("leader2"), t => t.GetProperty("instanceId").GetString() == id);
            await ApiAssert.JsonAsync(await stand_in.GetAsync($"/api/instances/{id}"));
        }
        finally
        {
            await me.DeleteAsync("/api/me/delegation");
        }
    }

    [Fact]
    public async Task EveryHumanStep_IsDue_AndAnOverdueApproversTaskGoesUpTheLine()
    {
        var id = await app.StartAsync(Design, "member3b");
        var task = await app.TaskInInboxAsync("leader3", id);
        var due = task.GetProperty("dueAt").GetDateTimeOffset();
        Assert.InRange(due - app.Clock.GetUtcNow(), TimeSpan.FromDays(3), TimeSpan.FromDays(5));

        app.Clock.Advance(due - app.Clock.GetUtcNow() + TimeSpan.FromMinutes(1));
        await app.SweepAsync();

        var kinds = (await app.HistoryAsync(id)).Select(h => h.GetProperty("kind").GetString()).ToList();
        Assert.Contains("task.dueSoon", kinds);
        Assert.Contains("task.overdue", kinds);
        Assert.Contains("task.escalated", kinds);
        var escalated = await app.TaskInInboxAsync("supervisor", id);
        Assert.Equal(task.GetProperty("id").GetString(), escalated.GetProperty("id").GetString());
        Assert.Equal("Supervisor", escalated.GetProperty("actingRole").GetString());
    }
}

public sealed class ApprovalActionsTests_Sqlite(SqliteApp app) : ApprovalActionsTests(app), IClassFixture<SqliteApp>;

/// <summary>The same on SQLite through the EF Core step store, the one PostgreSQL uses.</summary>
public sealed class ApprovalActionsTests_SqliteEfCore(SqliteEfCoreApp app) : ApprovalActionsTests(app), IClassFixture<SqliteEfCoreApp>;

public sealed class ApprovalActionsTests_Postgres : ApprovalActionsTests, IClassFixture<PostgresApp>
{
    public ApprovalActionsTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
