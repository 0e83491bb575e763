using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Workflows.Tests.Infrastructure;
using Workflows.Tests.Web;

namespace Workflows.Tests.Organization;

/// <summary>
/// Authority comes from the seat (docs/domain.md §People, ranks and seats), for every seated role — group leader, supervisor, manager — and for
/// tasks created before and after a vacate: assignment, the inbox, deciding, recording and reading records. Vacating
/// hands the former holder's open tasks on (other holders, else up the line, and the history says so).
/// Tests of a class run one after another on one database; each sets up the seats it needs first.
/// </summary>
public abstract class SeatAuthorityTests(WorkflowsApp app)
{
    private const string Password = "Test@2026x";

    [Fact]
    public async Task Supervisor_TasksGoToSeatHolders_VacateHandsThemOn_ThenUpTheLine()
    {
        var (s1, s1User) = await OnlySupervisorAsync();
        var (s2, s2User) = await NewSeatedAsync("Supervisor", null);
        // A former supervisor: the rank label stays, the seat is gone.
        var (former, formerUser) = await NewSeatedAsync("Supervisor", null);
        await VacateSeatOfAsync(former);
        Assert.Equal("Supervisor", (await EmployeeAsync(former)).GetProperty("rank").GetString());

        var groupId = await NewGroupAsync();
        var (member, memberUser) = await NewPersonAsync("Member", groupId);
        var before = await ApplyAsync(memberUser, member, "GroupLeader");
        await CompleteOkAsync("hr", await TaskAsync("hr", before), "approve");

        // Created while two seats are held: exactly their holders, not everyone labelled Supervisor.
        var assess = await OpenTaskAsync(before);
        Assert.Equal("assess", assess.GetProperty("step").GetString());
        Assert.Equal(Sorted(s1, s2), Candidates(assess));
        Assert.False(await InInboxAsync(formerUser, before));
        await RefusedAsync(CompleteAsync(formerUser, assess, "approve"));

        // S1's seat is vacated: the other holder keeps the task, S1 loses it at once, and the history says why.
        var mark = (await app.HistoryAsync(before)).Length;
        await VacateSeatOfAsync(s1);
        assess = await OpenTaskAsync(before);
        Assert.Equal([s2], Candidates(assess));
        Assert.Equal("Supervisor", assess.GetProperty("actingRole").GetString());
        Assert.False(await InInboxAsync(s1User, before));
        await RefusedAsync(CompleteAsync(s1User, assess, "approve"));
        var reassigned = Assert.Single((await app.HistoryAsync(before)).Skip(mark));
        Assert.Equal("task.reassigned", reassigned.GetProperty("kind").GetString());

        // S2 claimed it, then S2's seat goes too: nobody holds a supervisor seat, so it goes up the line to the manager.
        using (var s2Client = await LoginAsync(s2User))
        {
            await ApiAssert.JsonAsync(await s2Client.PostAsync($"/api/tasks/{assess.GetProperty("id").GetString()}/claim", null));
        }

        mark = (await app.HistoryAsync(before)).Length;
        await VacateSeatOfAsync(s2);
        var manager = await ManagerAsync();
        assess = await OpenTaskAsync(before);
        Assert.Equal([manager.Id], Candidates(assess));
        Assert.Equal("Manager", assess.GetProperty("actingRole").GetString());
        Assert.Equal(JsonValueKind.Null, assess.GetProperty("assigneeId").ValueKind);
        var escalated = Assert.Single((await app.HistoryAsync(before)).Skip(mark));
        Assert.Equal("task.escalated", escalated.GetProperty("kind").GetString());
        Assert.Equal("Manager", escalated.GetProperty("actingRole").GetString());
        Assert.Contains("no one holds Supervisor", escalated.GetProperty("comment").GetString(), StringComparison.Ordinal);
        await RefusedAsync(CompleteAsync(s2User, assess, "approve"));

        // A task created after the vacates goes up the line at once, though three people still carry the label.
        var (member2, member2User) = await NewPersonAsync("Member", groupId);
        var after = await ApplyAsync(member2User, member2, "GroupLeader");
        await CompleteOkAsync("hr", await TaskAsync("hr", after), "approve");
        var assessAfter = await OpenTaskAsync(after);
        Assert.Equal([manager.Id], Candidates(assessAfter));
        Assert.Contains(await app.HistoryAsync(after), h => h.GetProperty("kind").GetString() == "task.escalated");
        foreach (var user in new[] { s1User, s2User, formerUser })
        {
            Assert.False(await InInboxAsync(user, after));
        }

        // The manager decides both, and the history names the role they acted in.
        foreach (var id in new[] { before, after })
        {
            await CompleteOkAsync(manager.UserName, await TaskAsync(manager.UserName, id), "approve");
            var decided = (await app.HistoryAsync(id)).Last(h => h.GetProperty("kind").GetString() == "task.completed");
            Assert.Equal(manager.Id, decided.GetProperty("actorId").GetString());
            Assert.Equal("Manager", decided.GetProperty("actingRole").GetString());
        }

        Assert.NotEmpty(memberUser);
    }

    [Fact]
    public async Task Manager_FormerHolderNeitherSeesNorDecides_NewHolderDoes_AndVacateSetsTheNewRank()
    {
        await OnlySupervisorAsync();
        var (oldManager, oldManagerUser) = await NewManagerAsync();
        var groupId = await NewGroupAsync();
        var (a, aUser) = await NewPersonAsync("Member", groupId);
        var before = await SkipLevelAsync(aUser, a);
        var task = await OpenTaskAsync(before);
        Assert.Equal("assessDepartment", task.GetProperty("step").GetString());
        Assert.Equal([oldManager], Candidates(task));

        // Vacated with the holder's new rank in the same request: nobody holds the manager seat, so the general manager has it.
        using (var hr = await LoginAsync("hr"))
        {
            var seat = await SeatOfAsync(oldManager);
            var vacated = await ApiAssert.JsonAsync(await hr.PostAsJsonAsync($"/api/seats/{seat}/vacate", new { holderRank = "Supervisor" }));
            Assert.Equal(JsonValueKind.Null, vacated.GetProperty("holderId").ValueKind);
            await ApiAssert.ProblemAsync(await hr.PostAsJsonAsync($"/api/seats/{seat}/vacate", new { holderRank = "Boss" }), HttpStatusCode.BadRequest);
        }

        Assert.Equal("Supervisor", (await EmployeeAsync(oldManager)).GetProperty("rank").GetString());
        var gm = await app.IdOfAsync("gm");
        task = await OpenTaskAsync(before);
        Assert.Equal([gm], Candidates(task));
        Assert.Equal("GeneralManager", task.GetProperty("actingRole").GetString());
        await RefusedAsync(CompleteAsync(oldManagerUser, task, "approve"));

        // A new manager is appointed; a skip-level application filed now goes to them only, and they decide it as Manager.
        var (newManager, newManagerUser) = await NewSeatedAsync("Manager", null);
        var (b, bUser) = await NewPersonAsync("Member", groupId);
        var after = await SkipLevelAsync(bUser, b);
        var afterTask = await OpenTaskAsync(after);
        Assert.Equal([newManager], Candidates(afterTask));
        Assert.False(await InInboxAsync(oldManagerUser, after));
        await RefusedAsync(CompleteAsync(oldManagerUser, afterTask, "approve"));
        await CompleteOkAsync(newManagerUser, afterTask, "approve");
        var decided = (await app.HistoryAsync(after)).Last(h => h.GetProperty("kind").GetString() == "task.completed");
        Assert.Equal(newManager, decided.GetProperty("actorId").GetString());
        Assert.Equal("Manager", decided.GetProperty("actingRole").GetString());
        Assert.Equal("approveGm", (await OpenTaskAsync(after)).GetProperty("step").GetString());

        // A former manager (now labelled Supervisor, without a seat) records and reads nothing as a leader.
        await ApiAssert.ProblemAsync(await RecordAsync(oldManagerUser, a), HttpStatusCode.Forbidden);
        using (var old = await LoginAsync(oldManagerUser))
        {
            await ApiAssert.ProblemAsync(await old.GetAsync($"/api/employees/{a}/violations"), HttpStatusCode.Forbidden);
            await ApiAssert.ProblemAsync(await old.PostAsJsonAsync("/api/rewards",
                new { employeeId = a, amount = 10, reason = "奖励", awardedOn = await TodayAsync() }), HttpStatusCode.Forbidden);
        }

        await ApiAssert.JsonAsync(await RecordAsync(newManagerUser, a), HttpStatusCode.Created);
        using (var web = await WebSession.SignInAsync(app, oldManagerUser, Password))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await web.GetAsync("/Rewards")).Status);
            Assert.DoesNotContain("id=\"nav-rewards\"", (await web.GetAsync("/")).Body, StringComparison.Ordinal);
        }

        using (var web = await WebSession.SignInAsync(app, newManagerUser, Password))
        {
            Assert.Equal(HttpStatusCode.OK, (await web.GetAsync("/Rewards")).Status);
        }
    }

    [Fact]
    public async Task GroupLeader_VacatedLeaderNeitherRecordsReadsNorDecides_TheReviewGoesOn()
    {
        var (supervisor, _) = await OnlySupervisorAsync();
        var groupId = await NewGroupAsync();
        var (leader, leaderUser) = await NewSeatedAsync("GroupLeader", groupId);
        var (member, memberUser) = await NewPersonAsync("Member", groupId);
        await ApiAssert.JsonAsync(await RecordAsync(leaderUser, member), HttpStatusCode.Created);
        using (var l = await LoginAsync(leaderUser))
        {
            await ApiAssert.JsonAsync(await l.GetAsync($"/api/employees/{member}/violations"));
        }

        var memberName = "测试" + memberUser;
        using (var web = await WebSession.SignInAsync(app, leaderUser, Password))
        {
            var (_, page) = await web.GetAsync("/Violations");
            Assert.Contains("id=\"record-violation\"", page, StringComparison.Ordinal);
            Assert.Contains("id=\"nav-violations\"", page, StringComparison.Ordinal);
            Assert.Contains(memberName, page, StringComparison.Ordinal);
        }

        // HR records two violations; the member disputes one now: the group's leader reviews it.
        var first = (await ApiAssert.JsonAsync(await RecordAsync("hr", member), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var second = (await ApiAssert.JsonAsync(await RecordAsync("hr", member), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var before = await DisputeAsync(memberUser, first);
        var review = await OpenTaskAsync(before);
        Assert.Equal("review", review.GetProperty("step").GetString());
        Assert.Equal([leader], Candidates(review));

        // HR vacates the leader seat on the seats page, and the leader becomes a member of the group again.
        using (var hrWeb = await WebSession.SignInAsync(app, "hr"))
        {
            var (_, seats) = await hrWeb.GetAsync("/Seats");
            var (asked, question) = await hrWeb.SubmitAsync("/Seats?handler=Vacate", seats, new() { ["seatId"] = await SeatOfAsync(leader), ["holderRank"] = "Member" });
            Assert.Equal(HttpStatusCode.OK, asked);
            Assert.Contains("id=\"confirm\"", question, StringComparison.Ordinal);
            Assert.Equal("GroupLeader", (await EmployeeAsync(leader)).GetProperty("rank").GetString());
            var (status, done) = await hrWeb.ConfirmAsync(question);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.DoesNotContain("id=\"refusal\"", done, StringComparison.Ordinal);
        }

        var leaderNow = await EmployeeAsync(leader);
        Assert.Equal("Member", leaderNow.GetProperty("rank").GetString());
        Assert.Equal(groupId, leaderNow.GetProperty("groupId").GetString());

        // The open review went up the line to the supervisor, at once.
        review = await OpenTaskAsync(before);
        Assert.Equal([supervisor], Candidates(review));
        Assert.Equal("Supervisor", review.GetProperty("actingRole").GetString());
        Assert.Contains(await app.HistoryAsync(before), h => h.GetProperty("kind").GetString() == "task.escalated"
            && h.GetProperty("comment").GetString()!.Contains("GroupLeader seat", StringComparison.Ordinal));
        Assert.False(await InInboxAsync(leaderUser, before));
        await RefusedAsync(CompleteAsync(leaderUser, review, "uphold"));

        // The former leader records and reads nothing of the group's members any more, in the API or on the pages.
        await ApiAssert.ProblemAsync(await RecordAsync(leaderUser, member), HttpStatusCode.Forbidden);
        using (var web = await WebSession.SignInAsync(app, leaderUser, Password))
        {
            var (_, page) = await web.GetAsync("/Violations");
            Assert.DoesNotContain("id=\"record-violation\"", page, StringComparison.Ordinal);
            Assert.DoesNotContain("id=\"nav-violations\"", page, StringComparison.Ordinal);
            Assert.DoesNotContain(memberName, page, StringComparison.Ordinal);
            var (_, statements) = await web.GetAsync("/Statements");
            Assert.DoesNotContain(memberName, statements, StringComparison.Ordinal);
        }

        using (var l = await LoginAsync(leaderUser))
        {
            await ApiAssert.ProblemAsync(await l.GetAsync($"/api/employees/{member}/violations"), HttpStatusCode.Forbidden);
            await ApiAssert.ProblemAsync(await l.GetAsync($"/api/statements?employeeId={member}"), HttpStatusCode.Forbidden);
        }

        // A new leader takes the seat: they record, read, and review the dispute filed now.
        var (newLeader, newLeaderUser) = await NewSeatedAsync("GroupLeader", groupId);
        var after = await DisputeAsync(memberUser, second);
        Assert.Equal([newLeader], Candidates(await OpenTaskAsync(after)));
        Assert.False(await InInboxAsync(leaderUser, after));
        await ApiAssert.JsonAsync(await RecordAsync(newLeaderUser, member), HttpStatusCode.Created);
        using (var l = await LoginAsync(newLeaderUser))
        {
            await ApiAssert.JsonAsync(await l.GetAsync($"/api/employees/{member}/violations"));
        }

        await CompleteOkAsync(newLeaderUser, await OpenTaskAsync(after), "uphold");
    }

    [Fact]
    public async Task GroupLeader_AppointedSupervisor_TheirOpenLeaderTasksAreResolvedAgain()
    {
        var (supervisor, supervisorUser) = await OnlySupervisorAsync();
        using (var hr = await LoginAsync("hr"))
        {
            await ApiAssert.JsonAsync(await hr.PostAsJsonAsync("/api/seats", new { rank = "Supervisor" }), HttpStatusCode.Created);
        }

        var manager = await ManagerAsync();
        var groupId = await NewGroupAsync();
        var (leader, leaderUser) = await NewSeatedAsync("GroupLeader", groupId);
        var (member, memberUser) = await NewPersonAsync("Member", groupId);
        var violation = (await ApiAssert.JsonAsync(await RecordAsync("hr", member), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var dispute = await DisputeAsync(memberUser, violation);
        Assert.Equal([leader], Candidates(await OpenTaskAsync(dispute)));

        // The supervisor nominates the leader; the chain approves; a supervisor seat is vacant, so the appointment is made.
        string promotion;
        using (var nominator = await LoginAsync(supervisorUser))
        {
            promotion = (await ApiAssert.JsonAsync(await nominator.PostAsJsonAsync("/api/promotions",
                new { candidateId = leader, targetRank = "Supervisor", channel = "SupervisorNomination", statement = "提名" }), HttpStatusCode.Created))
                .GetProperty("id").GetString()!;
        }

        await CompleteOkAsync("hr", await TaskAsync("hr", promotion), "approve");
        await CompleteOkAsync("hr", await TaskAsync("hr", promotion), "approve");
        await CompleteOkAsync(manager.UserName, await TaskAsync(manager.UserName, promotion), "approve");
        await CompleteOkAsync("leadership", await TaskAsync("leadership", promotion), "approve");
        Assert.Equal("Approved", (await app.InstanceAsync(promotion)).GetProperty("outcome").GetString());

        // The review they had as the group's leader was resolved again in the appointment's step: the group has no
        // leader now, so it went up the line to the supervisors, and the history says so.
        var review = await OpenTaskAsync(dispute);
        Assert.Equal("Supervisor", review.GetProperty("actingRole").GetString());
        Assert.Equal(Sorted(supervisor, leader), Candidates(review));
        Assert.Contains(await app.HistoryAsync(dispute), h => h.GetProperty("kind").GetString() == "task.escalated"
            && h.GetProperty("comment").GetString()!.Contains("GroupLeader seat", StringComparison.Ordinal));
        await CompleteOkAsync(supervisorUser, review, "uphold");
        Assert.NotEmpty(leaderUser);
    }

    // ---------- helpers ----------

    /// <summary>Not theirs to decide: 403, or 404 when they may not even know the task exists (docs/api.md §Errors).</summary>
    private static async Task RefusedAsync(Task<HttpResponseMessage> completion)
    {
        var response = await completion;
        Assert.True(response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, $"{(int)response.StatusCode}");
        await ApiAssert.ProblemAsync(response, response.StatusCode);
    }

    private Task<HttpClient> LoginAsync(string userName) =>
        app.LoginAsync(userName, userName.StartsWith('p') ? Password : WorkflowsApp.DemoPassword);

    private static string[] Sorted(params string[] ids) => [.. ids.Order(StringComparer.Ordinal)];

    private static string[] Candidates(JsonElement task) =>
        Sorted([.. task.GetProperty("candidateIds").EnumerateArray().Select(c => c.GetString()!)]);

    /// <summary>The instance's open task as HR sees it (whoever its candidates are).</summary>
    private async Task<JsonElement> OpenTaskAsync(string instanceId)
    {
        var instance = await app.InstanceAsync(instanceId);
        var taskId = await app.WithDbAsync(db => Task.FromResult(db.Tasks
            .Where(t => t.InstanceId == instanceId && t.Status == Workflows.Host.Runtime.TaskState.Open).Select(t => t.Id).Single()));
        using var hr = await LoginAsync("hr");
        Assert.Equal("Running", instance.GetProperty("status").GetString());
        return await ApiAssert.JsonAsync(await hr.GetAsync($"/api/tasks/{taskId}"));
    }

    private async Task<bool> InInboxAsync(string userName, string instanceId)
    {
        using var client = await LoginAsync(userName);
        var inbox = await ApiAssert.JsonAsync(await client.GetAsync("/api/tasks?status=Open"));
        return inbox.EnumerateArray().Any(t => t.GetProperty("instanceId").GetString() == instanceId);
    }

    private async Task<JsonElement> TaskAsync(string userName, string instanceId)
    {
        using var client = await LoginAsync(userName);
        var inbox = await ApiAssert.JsonAsync(await client.GetAsync("/api/tasks?status=Open"));
        return inbox.EnumerateArray().Single(t => t.GetProperty("instanceId").GetString() == instanceId);
    }

    private async Task<HttpResponseMessage> CompleteAsync(string userName, JsonElement task, string action, string? comment = null)
    {
        using var client = await LoginAsync(userName);
        return await client.PostAsJsonAsync($"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { action, comment });
    }

    private async Task CompleteOkAsync(string userName, JsonElement task, string action) =>
        await ApiAssert.JsonAsync(await CompleteAsync(userName, task, action));

    private async Task<string> ApplyAsync(string userName, string candidateId, string targetRank)
    {
        using var client = await LoginAsync(userName);
        var instance = await ApiAssert.JsonAsync(await client.PostAsJsonAsync("/api/promotions",
            new { candidateId, targetRank, channel = "Self", statement = "申请晋升 / applying" }), HttpStatusCode.Created);
        Assert.Equal("Running", instance.GetProperty("status").GetString());
        return instance.GetProperty("id").GetString()!;
    }

    /// <summary>A member's skip-level application to Supervisor, registered and assessed by HR: it stands at the manager's step.</summary>
    private async Task<string> SkipLevelAsync(string userName, string candidateId)
    {
        using var client = await LoginAsync(userName);
        var instance = await ApiAssert.JsonAsync(await client.PostAsJsonAsync("/api/promotions", new
        {
            candidateId, targetRank = "Supervisor", channel = "Self", statement = "越级", justification = "突出贡献 / outstanding contribution",
        }), HttpStatusCode.Created);
        var id = instance.GetProperty("id").GetString()!;
        await CompleteOkAsync("hr", await TaskAsync("hr", id), "approve");
        await CompleteOkAsync("hr", await TaskAsync("hr", id), "approve");
        return id;
    }

    private async Task<string> DisputeAsync(string userName, string violationId)
    {
        using var client = await LoginAsync(userName);
        var instance = await ApiAssert.JsonAsync(await client.PostAsJsonAsync("/api/disputes", new { violationId, reason = "不同意 / I disagree" }), HttpStatusCode.Created);
        return instance.GetProperty("id").GetString()!;
    }

    private async Task<HttpResponseMessage> RecordAsync(string recorder, string employeeId)
    {
        using var client = await LoginAsync(recorder);
        return await client.PostAsJsonAsync("/api/violations",
            new { employeeId, ruleCode = "R06", occurredOn = await TodayAsync(), description = "测试记录 / test record" });
    }

    private async Task<string> TodayAsync()
    {
        using var client = await LoginAsync("hr");
        var system = await ApiAssert.JsonAsync(await client.GetAsync("/api/system"));
        return system.GetProperty("today").GetString()!;
    }

    private async Task<JsonElement> EmployeeAsync(string id)
    {
        using var hr = await LoginAsync("hr");
        return await ApiAssert.JsonAsync(await hr.GetAsync($"/api/employees/{id}"));
    }

    private async Task<string> NewGroupAsync()
    {
        using var hr = await LoginAsync("hr");
        var group = await ApiAssert.JsonAsync(await hr.PostAsJsonAsync("/api/groups", new { name = "组" + Guid.NewGuid().ToString("N")[..8] }), HttpStatusCode.Created);
        return group.GetProperty("id").GetString()!;
    }

    private async Task<(string Id, string UserName)> NewPersonAsync(string rank, string? groupId)
    {
        using var hr = await LoginAsync("hr");
        var userName = "p" + Guid.NewGuid().ToString("N")[..10];
        var created = await ApiAssert.JsonAsync(await hr.PostAsJsonAsync("/api/employees",
            new { userName, name = "测试" + userName, password = Password, rank, groupId }), HttpStatusCode.Created);
        return (created.GetProperty("id").GetString()!, userName);
    }

    /// <summary>A new holder of a seat of <paramref name="rank"/>: a new vacant department seat first (a group's leader seat must be vacant).</summary>
    private async Task<(string Id, string UserName)> NewSeatedAsync(string rank, string? groupId)
    {
        if (rank == "Supervisor")
        {
            using var hr = await LoginAsync("hr");
            await ApiAssert.JsonAsync(await hr.PostAsJsonAsync("/api/seats", new { rank }), HttpStatusCode.Created);
        }

        return await NewPersonAsync(rank, groupId);
    }

    private async Task<string> SeatOfAsync(string holderId)
    {
        using var hr = await LoginAsync("hr");
        var seats = await ApiAssert.JsonAsync(await hr.GetAsync("/api/seats"));
        return seats.EnumerateArray().Single(s => s.GetProperty("holderId").GetString() == holderId).GetProperty("id").GetString()!;
    }

    private async Task VacateSeatOfAsync(string holderId)
    {
        using var hr = await LoginAsync("hr");
        await ApiAssert.JsonAsync(await hr.PostAsync($"/api/seats/{await SeatOfAsync(holderId)}/vacate", null));
    }

    /// <summary>Every held supervisor seat is vacated, then one new supervisor takes a new seat: the only holder.</summary>
    private async Task<(string Id, string UserName)> OnlySupervisorAsync()
    {
        using var hr = await LoginAsync("hr");
        var held = await ApiAssert.JsonAsync(await hr.GetAsync("/api/seats?rank=Supervisor&vacant=false"));
        foreach (var seat in held.EnumerateArray())
        {
            await ApiAssert.JsonAsync(await hr.PostAsync($"/api/seats/{seat.GetProperty("id").GetString()}/vacate", null));
        }

        return await NewSeatedAsync("Supervisor", null);
    }

    /// <summary>The manager seat gets a new holder (vacated first when held).</summary>
    private async Task<(string Id, string UserName)> NewManagerAsync()
    {
        using var hr = await LoginAsync("hr");
        var seat = (await ApiAssert.JsonAsync(await hr.GetAsync("/api/seats?rank=Manager"))).EnumerateArray().Single();
        if (seat.GetProperty("holderId").ValueKind != JsonValueKind.Null)
        {
            await ApiAssert.JsonAsync(await hr.PostAsync($"/api/seats/{seat.GetProperty("id").GetString()}/vacate", null));
        }

        return await NewPersonAsync("Manager", null);
    }

    /// <summary>The manager seat's holder, appointing one when the seat is vacant.</summary>
    private async Task<(string Id, string UserName)> ManagerAsync()
    {
        using var hr = await LoginAsync("hr");
        var seat = (await ApiAssert.JsonAsync(await hr.GetAsync("/api/seats?rank=Manager"))).EnumerateArray().Single();
        if (seat.GetProperty("holderId").GetString() is { } holder)
        {
            var employee = await EmployeeAsync(holder);
            return (holder, employee.GetProperty("userName").GetString()!);
        }

        return await NewPersonAsync("Manager", null);
    }
}

public sealed class SeatAuthorityTests_Sqlite(SqliteApp app) : SeatAuthorityTests(app), IClassFixture<SqliteApp>;

public sealed class SeatAuthorityTests_Postgres : SeatAuthorityTests, IClassFixture<PostgresApp>
{
    public SeatAuthorityTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
