using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workflows.Host.Data;
using Workflows.Host.Runtime;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Runtime;

/// <summary>The engine through the real runner, the database and the Tasks/Instances API, with a fake clock.</summary>
public abstract class EngineApiTests(WorkflowsApp app)
{
    private const string Design = "test.three-approvals";

    [Fact]
    public async Task Instance_RunsThroughAllStepKinds_WithActorsAndRolesInHistory()
    {
        var id = await app.StartAsync(Design, "member1a");

        var leaderTask = await app.TaskInInboxAsync("leader1", id);
        Assert.Equal("first", leaderTask.GetProperty("step").GetString());
        Assert.Contains("approve", leaderTask.GetProperty("allowedActions").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(await app.IdOfAsync("leader1"), leaderTask.GetProperty("candidateIds")[0].GetString());

        await CompleteAsync("leader1", leaderTask, "approve", "同意");
        await CompleteAsync("supervisor", await app.TaskInInboxAsync("supervisor", id), "approve");
        var afterHr = await CompleteAsync("hr", await app.TaskInInboxAsync("hr", id), "approve");
        Assert.Equal("wait", afterHr.GetProperty("currentSteps")[0].GetString());
        Assert.Equal("test.go", afterHr.GetProperty("waitingFor").GetString());

        Assert.Equal(1, await app.SignalAsync("test.go"));
        var done = await app.InstanceAsync(id);
        Assert.Equal("Completed", done.GetProperty("status").GetString());
        Assert.Equal("Approved", done.GetProperty("outcome").GetString());
        Assert.Equal(0, done.GetProperty("currentSteps").GetArrayLength());

        var history = await app.HistoryAsync(id);
        Assert.Equal(Enumerable.Range(1, history.Length), history.Select(h => h.GetProperty("seq").GetInt32()));
        var decisions = history.Where(h => h.GetProperty("kind").GetString() == "task.completed").ToList();
        Assert.Equal(["GroupLeader", "Supervisor", "HR"], decisions.Select(d => d.GetProperty("actingRole").GetString()));
        Assert.Equal(await app.IdOfAsync("leader1"), decisions[0].GetProperty("actorId").GetString());
        Assert.Equal("approve", decisions[0].GetProperty("action").GetString());
        Assert.Equal("同意", decisions[0].GetProperty("comment").GetString());
        Assert.Contains(history, h => h.GetProperty("kind").GetString() == "activity.completed");
        Assert.Contains(history, h => h.GetProperty("kind").GetString() == "signal.received");
        Assert.Equal("instance.completed", history[^1].GetProperty("kind").GetString());

        // A second signal finds nobody waiting: delivered once.
        Assert.Equal(0, await app.SignalAsync("test.go"));
    }

    [Fact]
    public async Task Subject_CannotActOnOwnTask_AndOthersCannotActOnTasksNotTheirs()
    {
        var id = await app.StartAsync(Design, "member1b");
        var task = await app.TaskInInboxAsync("leader1", id);
        var taskId = task.GetProperty("id").GetString();

        using var subject = await app.LoginAsync("member1b");
        await ApiAssert.ProblemAsync(await subject.PostAsJsonAsync($"/api/tasks/{taskId}/complete", new { action = "approve" }), HttpStatusCode.Forbidden);

        // Another group's leader holds the role but not in this scope: not a candidate.
        using var otherLeader = await app.LoginAsync("leader2");
        await ApiAssert.ProblemAsync(await otherLeader.PostAsJsonAsync($"/api/tasks/{taskId}/complete", new { action = "approve" }), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await otherLeader.GetAsync($"/api/instances/{id}"), HttpStatusCode.NotFound);
        var inbox = await ApiAssert.JsonAsync(await otherLeader.GetAsync("/api/tasks"));
        Assert.DoesNotContain(inbox.EnumerateArray(), t => t.GetProperty("instanceId").GetString() == id);

        // The subject sees their own instance but not as a task.
        Assert.Equal(id, (await ApiAssert.JsonAsync(await subject.GetAsync($"/api/instances/{id}"))).GetProperty("id").GetString());
        Assert.Equal(TaskState.Open.ToString(), (await app.TaskInInboxAsync("leader1", id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Reject_Returns422_WithoutComment_ThenEndsRejectedWithComment()
    {
        var id = await app.StartAsync(Design, "member1c");
        var task = await app.TaskInInboxAsync("leader1", id);
        using var leader = await app.LoginAsync("leader1");
        var problem = await ApiAssert.ProblemAsync(
            await leader.PostAsJsonAsync($"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { action = "reject" }), (HttpStatusCode)422);
        Assert.True(problem.GetProperty("errors").TryGetProperty("comment", out _));
        await ApiAssert.ProblemAsync(
            await leader.PostAsJsonAsync($"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { action = "fly" }), (HttpStatusCode)422);

        var rejected = await CompleteAsync("leader1", task, "reject", "材料不全");
        Assert.Equal("Rejected", rejected.GetProperty("outcome").GetString());

        // Retrying the same request after success changes nothing.
        await ApiAssert.ProblemAsync(
            await leader.PostAsJsonAsync($"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { action = "reject", comment = "again" }), HttpStatusCode.Conflict);
        Assert.Single(await app.HistoryAsync(id), h => h.GetProperty("kind").GetString() == "task.completed");
    }

    [Fact]
    public async Task DueTimer_EscalatesToManager_WhenSupervisorDoesNotActInThreeDays()
    {
        var id = await app.StartAsync(Design, "member1d");
        await CompleteAsync("leader1", await app.TaskInInboxAsync("leader1", id), "approve");
        var supervisorTask = await app.TaskInInboxAsync("supervisor", id);
        Assert.True(supervisorTask.GetProperty("dueAt").ValueKind == JsonValueKind.String);

        app.Clock.Advance(TimeSpan.FromDays(2));
        await app.SweepAsync();
        Assert.Equal("second", (await app.InstanceAsync(id)).GetProperty("currentSteps")[0].GetString());

        app.Clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        await app.SweepAsync();
        await app.SweepAsync();
        var instance = await app.InstanceAsync(id);
        Assert.Equal("escalated", instance.GetProperty("currentSteps")[0].GetString());
        var managerTask = await app.TaskInInboxAsync("manager", id);
        Assert.Equal("Manager", managerTask.GetProperty("actingRole").GetString());
        // The leader's (completed) and the supervisor's (expired) rows are closed; the manager's is the open one.
        Assert.Equal([(true, 1), (true, 1), (false, 1)], await CandidateRowsAsync(id));

        using var supervisor = await app.LoginAsync("supervisor");
        var expired = await ApiAssert.ProblemAsync(
            await supervisor.PostAsJsonAsync($"/api/tasks/{supervisorTask.GetProperty("id").GetString()}/complete", new { action = "approve" }), HttpStatusCode.Conflict);
        Assert.Contains("expired", expired.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Single(await app.HistoryAsync(id), h => h.GetProperty("kind").GetString() == "task.due");
    }

    [Fact]
    public async Task CandidateRows_CloseWithTheirTask_TheInboxLeavesThemOut_WhoWasAskedMayStillRead()
    {
        var id = await app.StartAsync(Design, "member1c");
        Assert.Equal([(false, 1)], await CandidateRowsAsync(id));
        await CompleteAsync("leader1", await app.TaskInInboxAsync("leader1", id), "approve");
        Assert.Equal([(true, 1), (false, 1)], await CandidateRowsAsync(id));

        using var leader = await app.LoginAsync("leader1");
        var inbox = await ApiAssert.JsonAsync(await leader.GetAsync("/api/tasks"));
        Assert.DoesNotContain(inbox.EnumerateArray(), t => t.GetProperty("instanceId").GetString() == id);
        Assert.Equal(id, (await ApiAssert.JsonAsync(await leader.GetAsync($"/api/instances/{id}"))).GetProperty("id").GetString());

        // A closed row is the task's only record of who was asked: the done tasks' list still finds it.
        var done = await ApiAssert.JsonAsync(await leader.GetAsync("/api/tasks?status=Completed"));
        Assert.Contains(done.EnumerateArray(), t => t.GetProperty("instanceId").GetString() == id);
    }

    /// <summary>The instance's candidate rows in the order their tasks were made: (closed, how many).</summary>
    private Task<List<(bool Closed, int Count)>> CandidateRowsAsync(string instanceId) => app.WithDbAsync(async db =>
        (await (from c in db.TaskCandidates
                join t in db.Tasks on c.TaskId equals t.Id
                where t.InstanceId == instanceId
                select new { t.CreatedAt, t.Step, c.Closed }).ToListAsync())
        .OrderBy(r => r.CreatedAt).GroupBy(r => (r.CreatedAt, r.Step)).Select(g => (g.All(r => r.Closed), g.Count())).ToList());

    [Fact]
    public async Task WaitTimeout_ExpiresTheInstance_AndTheTimerFiresOnce()
    {
        var id = await ToWaitAsync("member2a");
        app.Clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));
        Assert.True(await app.SweepAsync() >= 1);
        Assert.Equal("Expired", (await app.InstanceAsync(id)).GetProperty("outcome").GetString());
        await app.SweepAsync();
        Assert.Single(await app.HistoryAsync(id), h => h.GetProperty("kind").GetString() == "timer.fired");
        Assert.Equal(0, await app.SignalAsync("test.go", new { late = true }));
    }

    [Fact]
    public async Task FiftyConcurrentCompletions_ExactlyOneWins()
    {
        var id = await app.StartAsync(Design, "member2b");
        await CompleteAsync("leader2", await app.TaskInInboxAsync("leader2", id), "approve");
        var task = await app.TaskInInboxAsync("supervisor", id);
        var url = $"/api/tasks/{task.GetProperty("id").GetString()}/complete";
        var clients = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => app.LoginAsync("supervisor")));

        var responses = await Task.WhenAll(clients.Select(c => c.PostAsJsonAsync(url, new { action = "approve" })));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.Equal(49, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));

        var history = await app.HistoryAsync(id);
        Assert.Single(history, h => h.GetProperty("kind").GetString() == "task.completed" && h.GetProperty("step").GetString() == "second");
        var open = await app.WithDbAsync(db => db.Tasks.CountAsync(t => t.InstanceId == id && t.Status == TaskState.Open));
        Assert.Equal(1, open);
        Assert.Equal("third", (await app.InstanceAsync(id)).GetProperty("currentSteps")[0].GetString());
        foreach (var c in clients)
        {
            c.Dispose();
        }
    }

    [Fact]
    public async Task FailingActivity_RollsBackTheWholeStep_LeavesAnIncident_AndCompletesAfterRetry()
    {
        var id = await app.StartAsync(Design, "member2c");
        await CompleteAsync("leader2", await app.TaskInInboxAsync("leader2", id), "approve");
        await CompleteAsync("supervisor", await app.TaskInInboxAsync("supervisor", id), "approve");
        var hrTask = await app.TaskInInboxAsync("hr", id);
        var historyBefore = (await app.HistoryAsync(id)).Length;

        app.Faults.Fail = true;
        try
        {
            using var hr = await app.LoginAsync("hr");
            var failed = await ApiAssert.ProblemAsync(
                await hr.PostAsJsonAsync($"/api/tasks/{hrTask.GetProperty("id").GetString()}/complete", new { action = "approve" }), HttpStatusCode.ServiceUnavailable);
            Assert.Contains("rolled back", failed.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            app.Faults.Fail = false;
        }

        // No trace but the incident: the task is still open, history unchanged, the activity's write gone.
        Assert.Equal(historyBefore, (await app.HistoryAsync(id)).Length);
        Assert.Equal("Open", (await app.TaskInInboxAsync("hr", id)).GetProperty("status").GetString());
        Assert.False(await app.WithDbAsync(db => db.Groups.AnyAsync(g => g.Name == FlakyActivity.MarkerName(id))));
        var instance = await app.InstanceAsync(id);
        Assert.True(instance.GetProperty("hasIncident").GetBoolean());
        Assert.Equal("third", instance.GetProperty("currentSteps")[0].GetString());
        Assert.Contains("Injected fault", instance.GetProperty("incidents")[0].GetProperty("error").GetString(), StringComparison.Ordinal);

        // Fault cleared, the step retried: it goes through and the incident is resolved.
        var after = await CompleteAsync("hr", await app.TaskInInboxAsync("hr", id), "approve");
        Assert.Equal("wait", after.GetProperty("currentSteps")[0].GetString());
        Assert.False(after.GetProperty("hasIncident").GetBoolean());
        Assert.True(await app.WithDbAsync(db => db.Groups.AnyAsync(g => g.Name == FlakyActivity.MarkerName(id))));
        await app.SignalAsync("test.go");
        Assert.Equal("Approved", (await app.InstanceAsync(id)).GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task FailingFirstActivity_LeavesStartedInstanceWithIncident_HrRetries()
    {
        app.Faults.Fail = true;
        string id;
        try
        {
            id = await app.StartAsync("test.auto-first", "member2d");
        }
        finally
        {
            app.Faults.Fail = false;
        }

        var instance = await app.InstanceAsync(id);
        Assert.Equal("Running", instance.GetProperty("status").GetString());
        Assert.True(instance.GetProperty("hasIncident").GetBoolean());
        Assert.False(await app.WithDbAsync(db => db.Groups.AnyAsync(g => g.Name == FlakyActivity.MarkerName(id))));

        using var member = await app.LoginAsync("member2d");
        await ApiAssert.ProblemAsync(await member.PostAsync($"/api/instances/{id}/retry", null), HttpStatusCode.Forbidden);
        using var hr = await app.LoginAsync("hr");
        var retried = await ApiAssert.JsonAsync(await hr.PostAsync($"/api/instances/{id}/retry", null));
        Assert.Equal("Approved", retried.GetProperty("outcome").GetString());
        Assert.NotNull(retried.GetProperty("incidents")[0].GetProperty("resolvedAt").GetString());
    }

    [Fact]
    public async Task ClaimedTask_BlocksOtherCandidates_UntilReleased()
    {
        var id = await app.StartAsync(Design, "member3a");
        await CompleteAsync("leader3", await app.TaskInInboxAsync("leader3", id), "approve");
        await CompleteAsync("supervisor", await app.TaskInInboxAsync("supervisor", id), "approve");
        var task = await app.TaskInInboxAsync("hr", id);
        var taskId = task.GetProperty("id").GetString();

        using var hr = await app.LoginAsync("hr");
        await ApiAssert.JsonAsync(await hr.PostAsync($"/api/tasks/{taskId}/claim", null));
        Assert.Equal(await app.IdOfAsync("hr"), (await app.TaskInInboxAsync("hr", id)).GetProperty("assigneeId").GetString());
        await ApiAssert.JsonAsync(await hr.PostAsync($"/api/tasks/{taskId}/claim", null));
        await ApiAssert.JsonAsync(await hr.PostAsync($"/api/tasks/{taskId}/release", null));
        await ApiAssert.ProblemAsync(await hr.PostAsync($"/api/tasks/{taskId}/release", null), HttpStatusCode.Conflict);

        using var member = await app.LoginAsync("member3b");
        await ApiAssert.ProblemAsync(await member.PostAsync($"/api/tasks/{taskId}/claim", null), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await member.PostAsync($"/api/tasks/no-such-task/claim", null), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Withdraw_ByStarter_CancelsTasksAndTimers_OthersGet403()
    {
        var id = await app.StartAsync(Design, "member3b");
        await CompleteAsync("leader3", await app.TaskInInboxAsync("leader3", id), "approve");

        using var leader = await app.LoginAsync("leader3");
        await ApiAssert.ProblemAsync(await leader.PostAsync($"/api/instances/{id}/withdraw", null), HttpStatusCode.Forbidden);
        using var member = await app.LoginAsync("member3b");
        var withdrawn = await ApiAssert.JsonAsync(await member.PostAsJsonAsync($"/api/instances/{id}/withdraw", new { reason = "不需要了" }));
        Assert.Equal("Cancelled", withdrawn.GetProperty("status").GetString());
        Assert.Equal("Withdrawn", withdrawn.GetProperty("outcome").GetString());
        await ApiAssert.ProblemAsync(await member.PostAsync($"/api/instances/{id}/withdraw", null), HttpStatusCode.Conflict);

        Assert.Equal(0, await app.WithDbAsync(db => db.Tasks.CountAsync(t => t.InstanceId == id && t.Status == TaskState.Open)));
        Assert.Equal(0, await app.WithDbAsync(db => db.Timers.CountAsync(t => t.InstanceId == id && t.FiredAt == null && t.CancelledAt == null)));
        Assert.Equal([(true, 1), (true, 1)], await CandidateRowsAsync(id));
    }

    [Fact]
    public async Task InstanceList_ShowsHrEverything_AndOthersOnlyTheirs()
    {
        var id = await app.StartAsync(Design, "member3c");
        using var hr = await app.LoginAsync("hr");
        var all = await ApiAssert.JsonAsync(await hr.GetAsync("/api/instances?type=test&pageSize=200"));
        Assert.Contains(all.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetString() == id);
        Assert.True(all.GetProperty("total").GetInt32() >= 1);

        using var subject = await app.LoginAsync("member3c");
        var mine = await ApiAssert.JsonAsync(await subject.GetAsync("/api/instances"));
        var member3c = await app.IdOfAsync("member3c");
        Assert.All(mine.GetProperty("items").EnumerateArray(), i => Assert.Equal(member3c, i.GetProperty("subjectId").GetString()));

        using var stranger = await app.LoginAsync("member1a");
        var theirs = await ApiAssert.JsonAsync(await stranger.GetAsync("/api/instances"));
        Assert.DoesNotContain(theirs.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetString() == id);
        await ApiAssert.ProblemAsync(await stranger.GetAsync($"/api/instances/{id}/history"), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await hr.GetAsync("/api/instances?pageSize=0"), HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await hr.GetAsync("/api/instances?status=Sleeping"), HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await hr.GetAsync("/api/instances?from=2026-02-30"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task History_IsAppendOnly()
    {
        var id = await app.StartAsync(Design, "member3d");
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => app.WithDbAsync(async db =>
        {
            var entry = await db.History.FirstAsync(h => h.InstanceId == id);
            db.History.Remove(entry);
            return await db.SaveChangesAsync();
        }));
        Assert.Contains("append-only", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TimersThatFellDueWhileDown_FireOnceAfterRestart()
    {
        var id = await app.StartAsync(Design, "leader1", "leader1");
        // A leader's own request: the subject is excluded, so the group-leader step escalates to the supervisor.
        var first = await app.TaskInInboxAsync("supervisor", id);
        Assert.Equal("first", first.GetProperty("step").GetString());
        Assert.Contains(await app.HistoryAsync(id), h => h.GetProperty("kind").GetString() == "task.escalated");
        await CompleteAsync("supervisor", first, "approve");
        await CompleteAsync("supervisor", await app.TaskInInboxAsync("supervisor", id), "approve");
        await CompleteAsync("hr", await app.TaskInInboxAsync("hr", id), "approve");

        // The host is "down" (nothing sweeps); another host starts two days later on the same database.
        var later = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(app.Clock.GetUtcNow().AddDays(2));
        await using (var restarted = new RestartedApp(app, later))
        {
            await restarted.InitializeAsync();
            Assert.Equal("Expired", (await restarted.InstanceAsync(id)).GetProperty("outcome").GetString());
            await restarted.SweepAsync();
        }

        await app.SweepAsync();
        Assert.Single(await app.HistoryAsync(id), h => h.GetProperty("kind").GetString() == "timer.fired");
    }

    private async Task<string> ToWaitAsync(string member)
    {
        var id = await app.StartAsync(Design, member);
        var leader = "leader" + member[6];
        await CompleteAsync(leader, await app.TaskInInboxAsync(leader, id), "approve");
        await CompleteAsync("supervisor", await app.TaskInInboxAsync("supervisor", id), "approve");
        await CompleteAsync("hr", await app.TaskInInboxAsync("hr", id), "approve");
        return id;
    }

    [Fact]
    public async Task HandEdits_OfATasksRows_ThatLeaveItsVersion_AreHonouredByTheNextStep()
    {
        // Nothing is remembered between steps that the database could contradict: an operator's edit of the rows,
        // without touching the version, is what the next step sees.
        var id = await app.StartAsync(Design, "member1d");
        var taskId = (await app.TaskInInboxAsync("leader1", id)).GetProperty("id").GetString()!;
        var leader1 = await app.IdOfAsync("leader1");
        var leader2 = await app.IdOfAsync("leader2");
        var version = await app.WithDbAsync(db => db.Tasks.Where(t => t.Id == taskId).Select(t => t.Version).SingleAsync());
        await app.WithDbAsync(async db =>
        {
            await db.TaskCandidates.Where(c => c.TaskId == taskId).ExecuteDeleteAsync();
            db.TaskCandidates.Add(new TaskCandidate { TaskId = taskId, EmployeeId = leader2 });
            return await db.SaveChangesAsync();
        });
        Assert.Equal(version, await app.WithDbAsync(db => db.Tasks.Where(t => t.Id == taskId).Select(t => t.Version).SingleAsync()));

        using (var former = await app.LoginAsync("leader1"))
        {
            var refused = await former.PostAsJsonAsync($"/api/tasks/{taskId}/complete", new { action = "approve" });
            Assert.True(refused.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, $"The former candidate got {refused.StatusCode}.");
        }

        using (var now = await app.LoginAsync("leader2"))
        {
            await ApiAssert.JsonAsync(await now.PostAsJsonAsync($"/api/tasks/{taskId}/complete", new { action = "approve" }));
        }

        var decided = (await app.HistoryAsync(id)).Single(h => h.GetProperty("kind").GetString() == "task.completed");
        Assert.Equal(leader2, decided.GetProperty("actorId").GetString());
        Assert.NotEqual(leader1, leader2);

        // A task closed by hand is closed for the next step too.
        var next = (await app.TaskInInboxAsync("supervisor", id)).GetProperty("id").GetString()!;
        await app.WithDbAsync(db => db.Tasks.Where(t => t.Id == next).ExecuteUpdateAsync(u => u.SetProperty(t => t.Status, TaskState.Cancelled)));
        using var supervisor = await app.LoginAsync("supervisor");
        await ApiAssert.ProblemAsync(await supervisor.PostAsJsonAsync($"/api/tasks/{next}/complete", new { action = "approve" }), HttpStatusCode.Conflict);
    }

    [Theory]
    [InlineData("subject")]
    [InlineData("startedBy")]
    public async Task Complete_Returns422_WhenDataWouldChangeTheFormAsFiled(string field)
    {
        var id = await app.StartAsync(Design, "member2a");
        var task = await app.TaskInInboxAsync("leader2", id);
        using var leader = await app.LoginAsync("leader2");

        await ApiAssert.ProblemAsync(
            await leader.PostAsJsonAsync($"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { action = "approve", data = new Dictionary<string, string> { [field] = "someone-else" } }),
            HttpStatusCode.UnprocessableEntity);

        var instance = await app.InstanceAsync(id);
        Assert.Equal(await app.IdOfAsync("member2a"), instance.GetProperty("data").GetProperty("subject").GetString());
        Assert.Equal(TaskState.Open.ToString(), (await app.TaskInInboxAsync("leader2", id)).GetProperty("status").GetString());
    }

    private async Task<JsonElement> CompleteAsync(string user, JsonElement task, string action, string? comment = null)
    {
        using var client = await app.LoginAsync(user);
        return await ApiAssert.JsonAsync(await client.PostAsJsonAsync($"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { action, comment }));
    }
}

public sealed class EngineApiTests_Sqlite(SqliteApp app) : EngineApiTests(app), IClassFixture<SqliteApp>;

/// <summary>The same on SQLite through the EF Core step store, the one PostgreSQL uses.</summary>
public sealed class EngineApiTests_SqliteEfCore(SqliteEfCoreApp app) : EngineApiTests(app), IClassFixture<SqliteEfCoreApp>;

public sealed class EngineApiTests_Postgres : EngineApiTests, IClassFixture<PostgresApp>
{
    public EngineApiTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
