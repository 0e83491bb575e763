using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Host.Notifications;
using Workflows.Host.Runtime;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Notifications;

/// <summary>
/// Notifications as people meet them (docs/domain.md §Notifications): the bell and list through the API, e-mails at a
/// real SMTP server and robot posts at a real HTTP listener, both on loopback; the outbox's guarantees (nothing from a
/// rolled-back step, one send per delivery even when two deliverers race, the same key after a crash between send and
/// mark, back-off, Failed, HR's retry) and the digest's timing on the fake clock.
/// </summary>
public abstract class NotificationTests(NotifyingApp app)
{
    private static readonly CancellationToken None = CancellationToken.None;

    private async Task<string> StartApprovalAsync(string subject = "member3c") => await app.StartAsync("test.withdraw-hook", subject);

    private async Task<JsonElement> NotificationsOfAsync(HttpClient client, string query = "") =>
        await ApiAssert.JsonAsync(await client.GetAsync("/api/notifications" + query));

    [Fact]
    public async Task ANewTask_NotifiesItsCandidates_InTheirLanguage_AndEachReadsOnlyTheirOwn()
    {
        using var supervisor = await app.LoginAsync("supervisor");
        using var member = await app.LoginAsync("member3c");
        var before = (await NotificationsOfAsync(supervisor)).GetProperty("unread").GetInt32();

        var instanceId = await StartApprovalAsync();

        var list = await NotificationsOfAsync(supervisor);
        Assert.Equal(before + 1, list.GetProperty("unread").GetInt32());
        var newest = list.GetProperty("items").EnumerateArray().Single(n => n.GetProperty("instanceId").GetString() == instanceId);
        Assert.Equal("task.assigned", newest.GetProperty("kind").GetString());
        Assert.Equal(instanceId, newest.GetProperty("instanceId").GetString());
        Assert.Equal($"/Instances/{instanceId}", newest.GetProperty("url").GetString());
        Assert.False(string.IsNullOrEmpty(newest.GetProperty("taskId").GetString()));
        Assert.Equal(JsonValueKind.Null, newest.GetProperty("readAt").ValueKind);
        // Natural Chinese with the applicant's name and what is asked; no codes or English words.
        Assert.Equal("待办：冯涛的测试流程", newest.GetProperty("title").GetString());
        Assert.Contains("冯涛的测试流程等待您处理", newest.GetProperty("body").GetString());
        Assert.DoesNotMatch("[A-Za-z]", newest.GetProperty("title").GetString()!);

        // The applicant got nothing for this task, and cannot read or mark the supervisor's notification.
        var id = newest.GetProperty("id").GetString()!;
        Assert.DoesNotContain((await NotificationsOfAsync(member)).GetProperty("items").EnumerateArray(), n => n.GetProperty("id").GetString() == id);
        await ApiAssert.ProblemAsync(await member.PostAsync($"/api/notifications/{id}/read", null), HttpStatusCode.NotFound);

        var read = await ApiAssert.JsonAsync(await supervisor.PostAsync($"/api/notifications/{id}/read", null));
        Assert.NotEqual(JsonValueKind.Null, read.GetProperty("readAt").ValueKind);
        Assert.Equal(before, (await NotificationsOfAsync(supervisor)).GetProperty("unread").GetInt32());
        Assert.DoesNotContain((await NotificationsOfAsync(supervisor, "?unread=true")).GetProperty("items").EnumerateArray(), n => n.GetProperty("id").GetString() == id);

        await ApiAssert.JsonAsync(await supervisor.PostAsync("/api/notifications/read-all", null));
        var after = await NotificationsOfAsync(supervisor);
        Assert.Equal(0, after.GetProperty("unread").GetInt32());
        Assert.True(after.GetProperty("total").GetInt32() >= 1);

        // An English reader gets English.
        await ApiAssert.JsonAsync(await supervisor.PutAsJsonAsync("/api/me/notification-settings", new { language = "en" }));
        try
        {
            var englishId = await StartApprovalAsync("member3d");
            var english = (await NotificationsOfAsync(supervisor)).GetProperty("items").EnumerateArray()
                .Single(n => n.GetProperty("instanceId").GetString() == englishId);
            Assert.Equal("To do: Test workflow of 曹颖", english.GetProperty("title").GetString());
        }
        finally
        {
            await ApiAssert.JsonAsync(await supervisor.PutAsJsonAsync("/api/me/notification-settings", new { language = "zh-CN" }));
        }
    }

    [Fact]
    public async Task ADecidedInstance_NotifiesItsStarter_AndTheRobotOnce()
    {
        var instanceId = await StartApprovalAsync("member3b");
        var task = await app.TaskInInboxAsync("supervisor", instanceId);
        using var supervisor = await app.LoginAsync("supervisor");
        await ApiAssert.JsonAsync(await supervisor.PostAsJsonAsync($"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { action = "approve" }));

        using var member = await app.LoginAsync("member3b");
        var decided = (await NotificationsOfAsync(member)).GetProperty("items").EnumerateArray()
            .Single(n => n.GetProperty("instanceId").GetString() == instanceId);
        Assert.Equal("instance.decided", decided.GetProperty("kind").GetString());
        Assert.Equal("韩梅的测试流程已办结：通过", decided.GetProperty("title").GetString());

        // The group robot: one WeCom markdown message per event, with the delivery's key in the payload and a header.
        await app.DeliverOwedAsync();
        var notificationIds = (await app.NotificationsAsync(n => n.InstanceId == instanceId)).Select(n => n.Id).ToHashSet();
        var robot = (await app.DeliveriesAsync(d => d.Channel == DeliveryChannel.Webhook && notificationIds.Contains(d.NotificationId!))).ToList();
        Assert.Equal(2, robot.Count); // the task for the supervisor, the decision for the applicant
        Assert.All(robot, d => Assert.Equal(DeliveryStatus.Sent, d.Status));
        foreach (var delivery in robot)
        {
            var received = Assert.Single(app.Robot.Requests, r => r.IdempotencyKey == delivery.IdempotencyKey);
            using var payload = JsonDocument.Parse(received.Body);
            Assert.Equal("markdown", payload.RootElement.GetProperty("msgtype").GetString());
            Assert.Equal(delivery.IdempotencyKey, payload.RootElement.GetProperty("idempotencyKey").GetString());
            Assert.Contains("/Instances/" + instanceId, payload.RootElement.GetProperty("markdown").GetProperty("content").GetString());
        }

        Assert.Equal(0, await app.DeliverOwedAsync());
    }

    [Fact]
    public async Task ARolledBackStep_NotifiesNobody()
    {
        app.Faults.Fail = true;
        string instanceId;
        try
        {
            instanceId = await app.StartAsync("test.auto-first", "member2c");
        }
        finally
        {
            app.Faults.Fail = false;
        }

        Assert.Empty(await app.NotificationsAsync(n => n.InstanceId == instanceId));
        Assert.Empty(await app.DeliveriesAsync(d => d.Body.Contains(instanceId, StringComparison.Ordinal)));

        // Retried, the step commits and its notification with it.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            Assert.IsType<RunResult.Ok>(await scope.ServiceProvider.GetRequiredService<WorkflowRunner>().AdvanceAsync(instanceId, "retry", None));
        }

        var decided = Assert.Single(await app.NotificationsAsync(n => n.InstanceId == instanceId));
        Assert.Equal(NotificationKinds.InstanceDecided, decided.Kind);
    }

    [Fact]
    public async Task EMail_GoesThroughSmtp_OnceWithItsKey_ForPeopleWithoutTheDigest()
    {
        using var leader = await app.LoginAsync("supervisor");
        await ApiAssert.JsonAsync(await leader.PutAsJsonAsync("/api/me/notification-settings", new { email = true, digest = false, emailAddress = "sunhao@example.test" }));
        try
        {
            var settings = await ApiAssert.JsonAsync(await leader.GetAsync("/api/me/notification-settings"));
            Assert.False(settings.GetProperty("digest").GetBoolean());
            Assert.Equal("sunhao@example.test", settings.GetProperty("emailAddress").GetString());

            var instanceId = await StartApprovalAsync("member1a");
            var notification = Assert.Single(await app.NotificationsAsync(n => n.InstanceId == instanceId));
            var mail = Assert.Single(await app.DeliveriesAsync(d => d.NotificationId == notification.Id && d.Channel == DeliveryChannel.Email));
            Assert.Equal(DeliveryStatus.Pending, mail.Status);

            await app.DeliverOwedAsync();
            await app.DeliverOwedAsync();

            var message = Assert.Single(app.Smtp.Messages, m => m.Headers["X-Idempotency-Key"] == mail.IdempotencyKey);
            Assert.Equal(EmailChannel.MessageId(mail.IdempotencyKey), message.MessageId);
            Assert.Equal("sunhao@example.test", message.To.Mailboxes.Single().Address);
            Assert.Equal("待办：刘洋的测试流程", message.Subject);
            Assert.Contains("/Instances/" + instanceId, message.TextBody);
            Assert.Equal(DeliveryStatus.Sent, (await app.DeliveriesAsync(d => d.Id == mail.Id)).Single().Status);
        }
        finally
        {
            await ApiAssert.JsonAsync(await leader.PutAsJsonAsync("/api/me/notification-settings", new { digest = true, emailAddress = "" }));
        }

        await ApiAssert.ProblemAsync(await leader.PutAsJsonAsync("/api/me/notification-settings", new { emailAddress = "not an address" }), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task TheDingTalkRobot_GetsSignedMarkdown()
    {
        app.Options.Webhook.Format = "dingtalk";
        app.Options.Webhook.Secret = "SEC-test-secret";
        try
        {
            var instanceId = await StartApprovalAsync("member1b");
            await app.DeliverOwedAsync();
            var notification = Assert.Single(await app.NotificationsAsync(n => n.InstanceId == instanceId));
            var delivery = Assert.Single(await app.DeliveriesAsync(d => d.NotificationId == notification.Id && d.Channel == DeliveryChannel.Webhook));
            var received = Assert.Single(app.Robot.Requests, r => r.IdempotencyKey == delivery.IdempotencyKey);

            var query = System.Web.HttpUtility.ParseQueryString(new Uri("http://127.0.0.1" + received.PathAndQuery).Query);
            Assert.Equal("test", query["access_token"]);
            var timestamp = long.Parse(query["timestamp"]!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(app.Clock.GetUtcNow().ToUnixTimeMilliseconds(), timestamp);
            var expected = Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(
                System.Text.Encoding.UTF8.GetBytes("SEC-test-secret"), System.Text.Encoding.UTF8.GetBytes($"{timestamp}\nSEC-test-secret")));
            Assert.Equal(expected, query["sign"]);

            using var payload = JsonDocument.Parse(received.Body);
            Assert.Equal("markdown", payload.RootElement.GetProperty("msgtype").GetString());
            Assert.Equal("待办：黄磊的测试流程", payload.RootElement.GetProperty("markdown").GetProperty("title").GetString());
            Assert.Contains("相关人员：孙浩", payload.RootElement.GetProperty("markdown").GetProperty("text").GetString());
            Assert.Equal(delivery.IdempotencyKey, payload.RootElement.GetProperty("idempotencyKey").GetString());
        }
        finally
        {
            app.Options.Webhook.Format = "wecom";
            app.Options.Webhook.Secret = "";
        }
    }

    [Fact]
    public async Task AFailingReceiver_IsRetriedWithBackOff_ThenFailed_AndHrRetriesIt()
    {
        await app.DeliverOwedAsync();
        var instanceId = await StartApprovalAsync("member1c");
        var notification = Assert.Single(await app.NotificationsAsync(n => n.InstanceId == instanceId));
        var delivery = Assert.Single(await app.DeliveriesAsync(d => d.NotificationId == notification.Id && d.Channel == DeliveryChannel.Webhook));
        int Posts() => app.Robot.Requests.Count(r => r.IdempotencyKey == delivery.IdempotencyKey);

        app.Robot.FailNext = 100;
        try
        {
            await app.DeliverOwedAsync();
            var first = (await app.DeliveriesAsync(d => d.Id == delivery.Id)).Single();
            Assert.Equal((DeliveryStatus.Pending, 1), (first.Status, first.Attempts));
            Assert.Equal(app.Clock.GetUtcNow() + TimeSpan.FromMinutes(1), first.NextAttemptAt);
            Assert.Contains("500", first.LastError);

            await app.DeliverOwedAsync(); // not due yet
            Assert.Equal(1, Posts());

            app.Clock.Advance(TimeSpan.FromMinutes(1));
            await app.DeliverOwedAsync();
            var second = (await app.DeliveriesAsync(d => d.Id == delivery.Id)).Single();
            Assert.Equal((DeliveryStatus.Pending, 2), (second.Status, second.Attempts));
            Assert.Equal(app.Clock.GetUtcNow() + TimeSpan.FromMinutes(2), second.NextAttemptAt);

            app.Clock.Advance(TimeSpan.FromMinutes(2));
            await app.DeliverOwedAsync();
            var failed = (await app.DeliveriesAsync(d => d.Id == delivery.Id)).Single();
            Assert.Equal((DeliveryStatus.Failed, NotifyingApp.MaxAttempts), (failed.Status, failed.Attempts));
            Assert.Equal(NotifyingApp.MaxAttempts, Posts());

            app.Clock.Advance(TimeSpan.FromHours(1));
            await app.DeliverOwedAsync();
            Assert.Equal(NotifyingApp.MaxAttempts, Posts());
        }
        finally
        {
            app.Robot.FailNext = 0;
        }

        using var hr = await app.LoginAsync("hr");
        using var member = await app.LoginAsync("member1c");
        await ApiAssert.ProblemAsync(await member.GetAsync("/api/notification-deliveries?status=Failed"), HttpStatusCode.Forbidden);
        await ApiAssert.ProblemAsync(await member.PostAsync($"/api/notification-deliveries/{delivery.Id}/retry", null), HttpStatusCode.Forbidden);
        var listed = (await ApiAssert.JsonAsync(await hr.GetAsync("/api/notification-deliveries?status=Failed"))).EnumerateArray()
            .Single(d => d.GetProperty("id").GetString() == delivery.Id);
        Assert.Equal("Webhook", listed.GetProperty("channel").GetString());
        Assert.Equal(NotifyingApp.MaxAttempts, listed.GetProperty("attempts").GetInt32());
        Assert.Contains("500", listed.GetProperty("lastError").GetString());
        Assert.Equal(notification.Id, listed.GetProperty("notificationId").GetString());

        await ApiAssert.JsonAsync(await hr.PostAsync($"/api/notification-deliveries/{delivery.Id}/retry", null));
        await ApiAssert.ProblemAsync(await hr.PostAsync($"/api/notification-deliveries/{delivery.Id}/retry", null), HttpStatusCode.Conflict);
        await ApiAssert.ProblemAsync(await hr.PostAsync("/api/notification-deliveries/no-such-delivery/retry", null), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await hr.GetAsync("/api/notification-deliveries?status=Lost"), HttpStatusCode.BadRequest);
        await app.DeliverOwedAsync();
        Assert.Equal(DeliveryStatus.Sent, (await app.DeliveriesAsync(d => d.Id == delivery.Id)).Single().Status);
        Assert.Single(app.Robot.Requests, r => r.IdempotencyKey == delivery.IdempotencyKey && r.Accepted);
    }

    [Fact]
    public async Task AReceiverThatFailsTwice_GetsTheMessageOnce()
    {
        await app.DeliverOwedAsync();
        app.Robot.FailNext = NotifyingApp.MaxAttempts - 1;
        var instanceId = await StartApprovalAsync("member1d");
        var notification = Assert.Single(await app.NotificationsAsync(n => n.InstanceId == instanceId));
        var delivery = Assert.Single(await app.DeliveriesAsync(d => d.NotificationId == notification.Id && d.Channel == DeliveryChannel.Webhook));
        for (var i = 0; i < NotifyingApp.MaxAttempts; i++)
        {
            await app.DeliverOwedAsync();
            app.Clock.Advance(TimeSpan.FromMinutes(5));
        }

        Assert.Equal(DeliveryStatus.Sent, (await app.DeliveriesAsync(d => d.Id == delivery.Id)).Single().Status);
        Assert.Single(app.Robot.Requests, r => r.IdempotencyKey == delivery.IdempotencyKey && r.Accepted);
    }

    [Fact]
    public async Task TwoDeliverersRacing_SendOnce()
    {
        await app.DeliverOwedAsync();
        var instanceId = await StartApprovalAsync("member2a");
        var notification = Assert.Single(await app.NotificationsAsync(n => n.InstanceId == instanceId));
        var delivery = Assert.Single(await app.DeliveriesAsync(d => d.NotificationId == notification.Id && d.Channel == DeliveryChannel.Webhook));

        async Task<NotificationDelivery?> ClaimAsync()
        {
            await using var scope = app.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<NotificationJobs>().ClaimAsync(delivery.Id, None);
        }

        var claims = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(ClaimAsync)));
        Assert.Single(claims, c => c is not null);

        async Task<bool> DeliverAsync()
        {
            await using var scope = app.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<NotificationJobs>().DeliverAsync(delivery.Id, None);
        }

        // The claim above holds the lease: two deliverers now send nothing; after it runs out exactly one sends.
        var whileClaimed = await Task.WhenAll(DeliverAsync(), DeliverAsync());
        Assert.All(whileClaimed, Assert.False);
        app.Clock.Advance(app.Options.Lease + TimeSpan.FromSeconds(1));
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(DeliverAsync)));
        Assert.Single(outcomes, sent => sent);
        Assert.Single(app.Robot.Requests, r => r.IdempotencyKey == delivery.IdempotencyKey);
    }

    [Fact]
    public async Task ACrashBetweenSendAndMark_SendsAgainWithTheSameKey()
    {
        await app.DeliverOwedAsync();
        var instanceId = await StartApprovalAsync("member2b");
        var notification = Assert.Single(await app.NotificationsAsync(n => n.InstanceId == instanceId));
        var delivery = Assert.Single(await app.DeliveriesAsync(d => d.NotificationId == notification.Id && d.Channel == DeliveryChannel.Webhook));

        // A deliverer claims and sends, then dies before marking.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var claimed = await scope.ServiceProvider.GetRequiredService<NotificationJobs>().ClaimAsync(delivery.Id, None);
            var robot = scope.ServiceProvider.GetServices<INotificationChannel>().Single(c => c.Channel == DeliveryChannel.Webhook);
            await robot.SendAsync(claimed!, None);
        }

        Assert.Equal(0, await app.DeliverOwedAsync()); // its lease still runs
        app.Clock.Advance(app.Options.Lease + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await app.DeliverOwedAsync());

        var posts = app.Robot.Requests.Where(r => r.Body.Contains(delivery.IdempotencyKey, StringComparison.Ordinal)).ToList();
        Assert.Equal(2, posts.Count);
        Assert.All(posts, p => Assert.Equal(delivery.IdempotencyKey, p.IdempotencyKey));
        var sent = (await app.DeliveriesAsync(d => d.Id == delivery.Id)).Single();
        Assert.Equal((DeliveryStatus.Sent, 2), (sent.Status, sent.Attempts));
        Assert.Equal(0, await app.DeliverOwedAsync());
    }

    [Fact]
    public async Task TheDailyDigest_ComesAtDigestTime_OnceADay_InsteadOfPerTaskMail()
    {
        using var leader = await app.LoginAsync("supervisor");
        await ApiAssert.JsonAsync(await leader.PutAsJsonAsync("/api/me/notification-settings", new { email = true, digest = true, emailAddress = "digest-sunhao@example.test" }));
        try
        {
            var instanceId = await StartApprovalAsync("member2d");
            var notification = Assert.Single(await app.NotificationsAsync(n => n.InstanceId == instanceId));
            Assert.Empty(await app.DeliveriesAsync(d => d.NotificationId == notification.Id && d.Channel == DeliveryChannel.Email));

            // To just before 09:00 tomorrow, department time: nothing yet; at 09:00 the digest; later that day nothing more.
            await using var scope = app.Services.CreateAsyncScope();
            var clock = scope.ServiceProvider.GetRequiredService<Workflows.Host.Platform.DepartmentClock>();
            var tomorrow = clock.Today.AddDays(1);
            app.Clock.SetUtcNow(clock.ToInstant(tomorrow, new TimeOnly(8, 59)).ToUniversalTime());
            Assert.Equal(0, await DigestsAsync());
            app.Clock.SetUtcNow(clock.ToInstant(tomorrow, new TimeOnly(9, 0)).ToUniversalTime());
            Assert.True(await DigestsAsync() >= 1);
            app.Clock.Advance(TimeSpan.FromHours(3));
            Assert.Equal(0, await DigestsAsync());

            await app.DeliverOwedAsync();
            var digest = Assert.Single(app.Smtp.Messages, m => m.To.Mailboxes.Any(a => a.Address == "digest-sunhao@example.test"));
            Assert.StartsWith("今日待办：", digest.Subject);
            Assert.Contains("宋佳的测试流程", digest.TextBody, StringComparison.Ordinal); // member2d
            Assert.Contains("/Instances/" + instanceId, digest.TextBody);
        }
        finally
        {
            // A day later the earlier sign-in has expired.
            using var again = await app.LoginAsync("supervisor");
            await ApiAssert.JsonAsync(await again.PutAsJsonAsync("/api/me/notification-settings", new { emailAddress = "" }));
        }

        async Task<int> DigestsAsync()
        {
            await using var scope = app.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<NotificationJobs>().WriteDigestsAsync(None);
        }
    }

    [Fact]
    public async Task ThePages_ShowTheBellsCount_LinkToTheInstance_AndReadingClearsIt()
    {
        using var api = await app.LoginAsync("leader2");
        await ApiAssert.JsonAsync(await api.PostAsync("/api/notifications/read-all", null));
        var copiedId = await app.StartAsync("test.withdraw-hook", "member2a");
        Assert.Equal(0, (await NotificationsOfAsync(api)).GetProperty("unread").GetInt32()); // the task is the supervisor's

        // The supervisor copies it to leader2 through the one service, as the approval actions will.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Workflows.Host.Data.WorkflowDbContext>();
            var notifier = scope.ServiceProvider.GetRequiredService<Notifier>();
            var instance = await db.Instances.SingleAsync(i => i.Id == copiedId);
            await notifier.NotifyAsync(db, [await app.IdOfAsync("leader2")], NotificationKinds.InstanceCc, instance, null,
                new NotificationFacts(ActorId: await app.IdOfAsync("supervisor"), Comment: "请知悉"), None);
            await db.SaveChangesAsync();
            notifier.EnqueueCommitted(db);
        }

        using var web = await Workflows.Tests.Web.WebSession.SignInAsync(app, "leader2");
        var (status, home) = await web.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("id=\"unread-count\">1<", home, StringComparison.Ordinal);

        var (_, list) = await web.GetAsync("/Notifications");
        Assert.Contains("抄送：高峰的测试流程", list, StringComparison.Ordinal);
        Assert.Contains("孙浩把", list, StringComparison.Ordinal);
        Assert.Contains("意见：请知悉", list, StringComparison.Ordinal);
        var id = (await app.NotificationsAsync(n => n.InstanceId == copiedId && n.Kind == NotificationKinds.InstanceCc)).Single().Id;
        using var opened = await web.PostFormAsync($"/Notifications?handler=Read&id={id}", list, []);
        Assert.Equal(HttpStatusCode.Redirect, opened.StatusCode);
        Assert.Equal($"/Instances/{copiedId}", opened.Headers.Location!.OriginalString);
        var (_, after) = await web.GetAsync("/");
        Assert.DoesNotContain("id=\"unread-count\"", after, StringComparison.Ordinal);

        // The HR page lists failed deliveries; a member is refused it.
        using var memberWeb = await Workflows.Tests.Web.WebSession.SignInAsync(app, "member2a");
        Assert.Equal(HttpStatusCode.Forbidden, (await memberWeb.GetAsync("/Notifications/Failed")).Status);
        using var hrWeb = await Workflows.Tests.Web.WebSession.SignInAsync(app, "hr");
        var (hrStatus, failedPage) = await hrWeb.GetAsync("/Notifications/Failed");
        Assert.Equal(HttpStatusCode.OK, hrStatus);
        Assert.Contains("发送失败的通知", failedPage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Endpoints_NeedSignIn_AndAnswerProblems()
    {
        using var anonymous = app.CreateClient();
        await ApiAssert.ProblemAsync(await anonymous.GetAsync("/api/notifications"), HttpStatusCode.Unauthorized);
        await ApiAssert.ProblemAsync(await anonymous.PostAsync("/api/notifications/read-all", null), HttpStatusCode.Unauthorized);
        await ApiAssert.ProblemAsync(await anonymous.GetAsync("/api/me/notification-settings"), HttpStatusCode.Unauthorized);
        using var member = await app.LoginAsync("member3a");
        await ApiAssert.ProblemAsync(await member.GetAsync("/api/notifications?pageSize=0"), HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await member.PostAsync("/api/notifications/nothing-here/read", null), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await member.PutAsJsonAsync("/api/me/notification-settings", new { language = "fr" }), HttpStatusCode.BadRequest);
    }
}

public sealed class NotificationTests_Sqlite(NotifyingSqliteApp app) : NotificationTests(app), IClassFixture<NotifyingSqliteApp>;

public sealed class NotificationTests_Postgres : NotificationTests, IClassFixture<NotifyingPostgresApp>
{
    public NotificationTests_Postgres(NotifyingPostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
