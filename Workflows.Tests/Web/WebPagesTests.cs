using System.Net;
using Microsoft.EntityFrameworkCore;
using Workflows.Host.Runtime;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Web;

/// <summary>The first pages (home, inbox, instance) through cookie sign-in and real forms, as a browser would use them.</summary>
public abstract class WebPagesTests(WorkflowsApp app)
{
    private const string Design = "test.three-approvals";

    [Fact]
    public async Task Leader_SeesTaskInInbox_AndApprovesThroughTheForm_InstanceMovesToSupervisor()
    {
        var id = await app.StartAsync(Design, "member1a");
        var taskId = (await app.TaskInInboxAsync("leader1", id)).GetProperty("id").GetString()!;
        using var leader = await WebSession.SignInAsync(app, "leader1");

        var (status, inbox) = await leader.GetAsync("/Inbox");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains($"data-task=\"{taskId}\"", inbox, StringComparison.Ordinal);
        Assert.Contains($"href=\"/Instances/{id}\"", inbox, StringComparison.Ordinal);
        Assert.Contains("value=\"approve\"", inbox, StringComparison.Ordinal);

        var (after, page) = await leader.SubmitAsync("/Inbox?handler=Act", inbox,
            new() { ["taskId"] = taskId, ["decision"] = "approve", ["comment"] = "同意，表现很好" });
        Assert.Equal(HttpStatusCode.OK, after);
        Assert.Contains("已提交：同意。", page, StringComparison.Ordinal);
        Assert.DoesNotContain($"data-task=\"{taskId}\"", page, StringComparison.Ordinal);

        var instance = await app.InstanceAsync(id);
        Assert.Equal("second", instance.GetProperty("currentSteps")[0].GetString());
        var task = await app.WithDbAsync(db => db.Tasks.SingleAsync(t => t.Id == taskId));
        Assert.Equal((TaskState.Completed, "approve"), (task.Status, task.Action));
    }

    [Fact]
    public async Task Reject_WithoutComment_ShowsTheRefusalOnThePage_AndTheTaskStaysOpen()
    {
        var id = await app.StartAsync(Design, "member1c");
        var taskId = (await app.TaskInInboxAsync("leader1", id)).GetProperty("id").GetString()!;
        using var leader = await WebSession.SignInAsync(app, "leader1");
        var (_, inbox) = await leader.GetAsync("/Inbox");

        var (status, page) = await leader.SubmitAsync("/Inbox?handler=Act", inbox, new() { ["taskId"] = taskId, ["decision"] = "reject", ["comment"] = "" });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        // On the card that was acted on, not at the top of the page, in words (no status code).
        Assert.Contains($"data-refusal=\"{taskId}\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"refusal\"", page, StringComparison.Ordinal);
        Assert.Contains("未能完成", page, StringComparison.Ordinal);
        Assert.DoesNotContain("（422）", page, StringComparison.Ordinal);
        Assert.Contains($"data-task=\"{taskId}\"", page, StringComparison.Ordinal);
        Assert.Equal(TaskState.Open, (await app.WithDbAsync(db => db.Tasks.SingleAsync(t => t.Id == taskId))).Status);
    }

    [Fact]
    public async Task Leader_ClaimsAndReleases_FromTheInbox()
    {
        var id = await app.StartAsync(Design, "member1d");
        var taskId = (await app.TaskInInboxAsync("leader1", id)).GetProperty("id").GetString()!;
        var leaderId = await app.IdOfAsync("leader1");
        using var leader = await WebSession.SignInAsync(app, "leader1");

        var (_, inbox) = await leader.GetAsync("/Inbox");
        var (claimed, page) = await leader.SubmitAsync("/Inbox?handler=Claim", inbox, new() { ["taskId"] = taskId });
        Assert.Equal(HttpStatusCode.OK, claimed);
        Assert.Contains("已认领任务。", page, StringComparison.Ordinal);
        Assert.Equal(leaderId, (await app.WithDbAsync(db => db.Tasks.SingleAsync(t => t.Id == taskId))).AssigneeId);

        var (released, _) = await leader.SubmitAsync("/Inbox?handler=Release", page, new() { ["taskId"] = taskId });
        Assert.Equal(HttpStatusCode.OK, released);
        Assert.Null((await app.WithDbAsync(db => db.Tasks.SingleAsync(t => t.Id == taskId))).AssigneeId);
    }

    [Fact]
    public async Task Member_CannotOpenAnotherMembersInstance_NorActOnTheirTask()
    {
        var id = await app.StartAsync(Design, "member1b");
        var taskId = (await app.TaskInInboxAsync("leader1", id)).GetProperty("id").GetString()!;
        var subjectName = await app.WithDbAsync(async db => (await db.Users.SingleAsync(u => u.UserName == "member1b")).Name);
        using var other = await WebSession.SignInAsync(app, "member1c");

        var (status, page) = await other.GetAsync($"/Instances/{id}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("id=\"not-found\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain(subjectName, page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"timeline\"", page, StringComparison.Ordinal);

        var (_, inbox) = await other.GetAsync("/Inbox");
        Assert.DoesNotContain(taskId, inbox, StringComparison.Ordinal);
        var (acted, refusal) = await other.SubmitAsync("/Inbox?handler=Act", inbox, new() { ["taskId"] = taskId, ["decision"] = "approve" });
        Assert.Equal(HttpStatusCode.NotFound, acted);
        Assert.Contains("id=\"refusal\"", refusal, StringComparison.Ordinal);
        Assert.DoesNotContain(subjectName, refusal, StringComparison.Ordinal);

        // The subject cannot decide their own task either: a refusal, not a 500.
        using var subject = await WebSession.SignInAsync(app, "member1b");
        var (_, subjectInbox) = await subject.GetAsync("/Inbox");
        var (own, ownPage) = await subject.SubmitAsync("/Inbox?handler=Act", subjectInbox, new() { ["taskId"] = taskId, ["decision"] = "approve" });
        Assert.Equal(HttpStatusCode.Forbidden, own);
        Assert.Contains("id=\"refusal\"", ownPage, StringComparison.Ordinal);
        Assert.Equal(TaskState.Open, (await app.WithDbAsync(db => db.Tasks.SingleAsync(t => t.Id == taskId))).Status);
    }

    [Fact]
    public async Task InstancePage_ShowsTimelineWithNames_AndACommentWithScriptAsText()
    {
        var id = await app.StartAsync(Design, "member1a");
        const string comment = "<script>alert(1)</script>";
        using (var leaderApi = await app.LoginAsync("leader1"))
        {
            var taskId = (await app.TaskInInboxAsync("leader1", id)).GetProperty("id").GetString();
            var response = await leaderApi.PostAsync($"/api/tasks/{taskId}/complete",
                System.Net.Http.Json.JsonContent.Create(new { action = "approve", comment }));
            response.EnsureSuccessStatusCode();
        }

        var leaderName = await app.WithDbAsync(async db => (await db.Users.SingleAsync(u => u.UserName == "leader1")).Name);
        using var subject = await WebSession.SignInAsync(app, "member1a");
        var (status, page) = await subject.GetAsync($"/Instances/{id}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.DoesNotContain(comment, page, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", page, StringComparison.Ordinal);
        Assert.Contains(leaderName, page, StringComparison.Ordinal);
        Assert.Contains("组长", page, StringComparison.Ordinal);
        Assert.Contains("id=\"current-step\"", page, StringComparison.Ordinal);
        // Form data holding an employee id (startedBy) shows the person, not the id.
        var subjectName = await app.WithDbAsync(async db => (await db.Users.SingleAsync(u => u.UserName == "member1a")).Name);
        Assert.Contains($"<pre class=\"value\">{subjectName}</pre>", page, StringComparison.Ordinal);
        // 09:00 in Shanghai is the fake clock's start: times are department local time.
        Assert.Contains(app.Clock.GetUtcNow().ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture), page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Starter_WithdrawsFromTheInstancePage_OthersSeeNoWithdrawButton()
    {
        var id = await app.StartAsync(Design, "member1d");
        using var leader = await WebSession.SignInAsync(app, "leader1");
        var (_, leaderView) = await leader.GetAsync($"/Instances/{id}");
        Assert.DoesNotContain("id=\"withdraw\"", leaderView, StringComparison.Ordinal);

        using var starter = await WebSession.SignInAsync(app, "member1d");
        var (_, page) = await starter.GetAsync($"/Instances/{id}");
        Assert.Contains("id=\"withdraw\"", page, StringComparison.Ordinal);
        // Without JavaScript the page asks first, in words, and nothing changes until the question is answered.
        var (asked, question) = await starter.SubmitAsync($"/Instances/{id}?handler=Withdraw", page, new() { ["reason"] = "不需要了" });
        Assert.Equal(HttpStatusCode.OK, asked);
        Assert.Contains("确定撤回这份申请？撤回后不能恢复。", question, StringComparison.Ordinal);
        Assert.Contains((await app.InstanceAsync(id)).GetProperty("reference").GetString()!, question, StringComparison.Ordinal);
        Assert.Contains($"href=\"/Instances/{id}\"", question, StringComparison.Ordinal);
        Assert.Equal("Running", (await app.InstanceAsync(id)).GetProperty("status").GetString());
        var (status, after) = await starter.ConfirmAsync(question);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("申请已撤回。", after, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"withdraw\"", after, StringComparison.Ordinal);
        Assert.NotEqual("Running", (await app.InstanceAsync(id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Home_ListsMyOpenApplication_AndTheLeadersTaskCount()
    {
        var id = await app.StartAsync(Design, "member1a");
        using var member = await WebSession.SignInAsync(app, "member1a");
        var (status, home) = await member.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains($"href=\"/Instances/{id}\"", home, StringComparison.Ordinal);

        using var leader = await WebSession.SignInAsync(app, "leader1");
        var (_, leaderHome) = await leader.GetAsync("/");
        using var leaderApi = await app.LoginAsync("leader1");
        var tasks = (await ApiAssert.JsonAsync(await leaderApi.GetAsync("/api/tasks"))).EnumerateArray().ToList();
        Assert.NotEmpty(tasks);
        // Every task is due (3 working days by default): another test of the class may have moved the clock past some.
        var overdue = tasks.Count(t => t.GetProperty("overdue").GetBoolean());
        Assert.Contains($"共 {tasks.Count} 项，{overdue} 项超时", leaderHome, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pages_AreChineseByDefault_AndEnglishAfterSwitching()
    {
        using var leader = await WebSession.SignInAsync(app, "leader1");
        var (_, chinese) = await leader.GetAsync("/Inbox");
        Assert.Contains("<html lang=\"zh-CN\">", chinese, StringComparison.Ordinal);
        Assert.Contains("我的待办任务", chinese, StringComparison.Ordinal);

        using var switched = await leader.PostFormAsync("/Culture", chinese, new() { ["culture"] = "en", ["returnUrl"] = "/Inbox" });
        Assert.Equal(HttpStatusCode.Redirect, switched.StatusCode);
        Assert.Equal("/Inbox", switched.Headers.Location!.OriginalString);

        var (_, english) = await leader.GetAsync("/Inbox");
        Assert.Contains("<html lang=\"en\">", english, StringComparison.Ordinal);
        Assert.Contains("My tasks", english, StringComparison.Ordinal);
        Assert.DoesNotContain("我的待办任务", english, StringComparison.Ordinal);
        var (_, home) = await leader.GetAsync("/");
        Assert.Contains("Group leader", home, StringComparison.Ordinal);

        // Only local return addresses: an absolute URL is not followed.
        using var offsite = await leader.PostFormAsync("/Culture", english, new() { ["culture"] = "zh-CN", ["returnUrl"] = "https://evil.example/" });
        Assert.Equal("/", offsite.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task InboxFilters_DueSoonAndOverdue_FollowTheClock_AndOverdueRowsAreMarked()
    {
        var id = await app.StartAsync(Design, "member1b");
        using (var leaderApi = await app.LoginAsync("leader1"))
        {
            var first = (await app.TaskInInboxAsync("leader1", id)).GetProperty("id").GetString();
            (await leaderApi.PostAsync($"/api/tasks/{first}/complete", System.Net.Http.Json.JsonContent.Create(new { action = "approve" }))).EnsureSuccessStatusCode();
        }

        // The supervisor's step is due in three days.
        var taskId = (await app.TaskInInboxAsync("supervisor", id)).GetProperty("id").GetString()!;
        var supervisor = await WebSession.SignInAsync(app, "supervisor");
        Assert.DoesNotContain(taskId, (await supervisor.GetAsync("/Inbox?soon=true")).Body, StringComparison.Ordinal);
        Assert.Contains(taskId, (await supervisor.GetAsync("/Inbox?type=test")).Body, StringComparison.Ordinal);
        Assert.DoesNotContain(taskId, (await supervisor.GetAsync("/Inbox?type=promotion")).Body, StringComparison.Ordinal);

        // The sign-in cookie lasts 10 hours on the host's clock: sign in again after moving it.
        app.Clock.Advance(TimeSpan.FromDays(2) + TimeSpan.FromHours(1));
        supervisor.Dispose();
        supervisor = await WebSession.SignInAsync(app, "supervisor");
        var (_, soon) = await supervisor.GetAsync("/Inbox?soon=true");
        Assert.Contains(taskId, soon, StringComparison.Ordinal);
        Assert.Contains("23 小时后到期", soon, StringComparison.Ordinal);
        Assert.DoesNotContain(taskId, (await supervisor.GetAsync("/Inbox?overdue=true")).Body, StringComparison.Ordinal);

        app.Clock.Advance(TimeSpan.FromDays(1));
        supervisor.Dispose();
        supervisor = await WebSession.SignInAsync(app, "supervisor");
        var (_, overdue) = await supervisor.GetAsync("/Inbox?overdue=true");
        Assert.Contains($"<article class=\"task overdue\" data-task=\"{taskId}\">", overdue, StringComparison.Ordinal);
        Assert.Contains("已超时 1 小时", overdue, StringComparison.Ordinal);
        Assert.DoesNotContain(taskId, (await supervisor.GetAsync("/Inbox?soon=true")).Body, StringComparison.Ordinal);
        supervisor.Dispose();
    }
}

public sealed class WebPagesTests_Sqlite(SqliteApp app) : WebPagesTests(app), IClassFixture<SqliteApp>;

public sealed class WebPagesTests_Postgres : WebPagesTests, IClassFixture<PostgresApp>
{
    public WebPagesTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
