using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Host.Platform;
using Workflows.Host.Runtime;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.ShiftSwaps;

/// <summary>
/// The shift-swap workflow through the API on each database lane: filing, accepting, approving, the coverage check
/// at apply time, expiry and withdrawal. Every test builds its own group(s), leader and members, so the shared demo
/// roster is never touched; only the supervisor is shared (the one Supervisor of the department). Shifts are in June
/// 2026, except the expiry tests' shifts, which start a couple of hours after the fake clock.
/// </summary>
public abstract class ShiftSwapTests(WorkflowsApp app)
{
    private const string Day = "2026-06-10";

    [Fact]
    public async Task Cover_CounterpartAccepts_LeaderApproves_RosterMovesTheShift()
    {
        var team = await NewTeamAsync(members: 2);
        var (a, b) = (team.Members[0], team.Members[1]);
        var shift = await ShiftAsync(team.GroupId, Day, "08:00", "16:00", 1, a.Id);

        using var requester = await app.LoginAsync(a.UserName);
        var response = await requester.PostAsJsonAsync("/api/shift-swaps", new { shiftId = shift, counterpartId = b.Id, reason = "家里有事 / family matter" });
        var filed = await ApiAssert.JsonAsync(response, HttpStatusCode.Created);
        var id = filed.GetProperty("id").GetString()!;
        Assert.Equal($"/api/instances/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("shift-swap", filed.GetProperty("type").GetString());
        Assert.Equal("Running", filed.GetProperty("status").GetString());
        Assert.Equal(a.Id, filed.GetProperty("subjectId").GetString());
        Assert.Equal(["counterpart"], Steps(filed));
        var data = filed.GetProperty("data");
        Assert.Equal("cover", data.GetProperty("kind").GetString());
        Assert.Equal(shift, data.GetProperty("requesterShiftId").GetString());
        Assert.Equal(b.Id, data.GetProperty("counterpartId").GetString());
        Assert.Equal("2026-06-10T08:00:00+08:00", data.GetProperty("expiresAt").GetString());

        var accept = await app.TaskInInboxAsync(b.UserName, id);
        Assert.Equal(Instant("2026-06-10T08:00:00+08:00"), accept.GetProperty("dueAt").GetDateTimeOffset());
        Assert.Equal(["accept", "decline"], accept.GetProperty("allowedActions").EnumerateArray().Select(x => x.GetString()).Order());
        var afterAccept = await CompleteAsync(b.UserName, accept, "accept");
        Assert.Equal(["leaderApproval"], Steps(afterAccept));

        var approval = await app.TaskInInboxAsync(team.Leader.UserName, id);
        Assert.Equal([team.Leader.Id], approval.GetProperty("candidateIds").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(Instant("2026-06-10T08:00:00+08:00"), approval.GetProperty("dueAt").GetDateTimeOffset());

        // The requester may not approve their own request.
        await ApiAssert.ProblemAsync(await requester.PostAsJsonAsync($"/api/tasks/{Id(approval)}/complete", new { action = "approve" }), HttpStatusCode.Forbidden);
        Assert.Equal([a.Id], await AssigneesAsync(shift));

        var done = await CompleteAsync(team.Leader.UserName, approval, "approve", "同意");
        Assert.Equal("Completed", done.GetProperty("status").GetString());
        Assert.Equal("Approved", done.GetProperty("outcome").GetString());
        Assert.Equal([b.Id], await AssigneesAsync(shift));

        var history = await app.HistoryAsync(id);
        var applied = history.Single(h => Kind(h) == "activity.completed" && h.GetProperty("step").GetString() == "apply");
        Assert.Equal("applied", applied.GetProperty("action").GetString());
        Assert.Equal(["accept", "approve"], history.Where(h => Kind(h) == "task.completed").Select(h => h.GetProperty("action").GetString()));
    }

    [Fact]
    public async Task Swap_ExchangesTheTwoShifts_WhenApproved()
    {
        var team = await NewTeamAsync(members: 3);
        var (a, b, c) = (team.Members[0], team.Members[1], team.Members[2]);
        var early = await ShiftAsync(team.GroupId, Day, "06:00", "14:00", 2, a.Id, c.Id);
        var late = await ShiftAsync(team.GroupId, Day, "14:00", "22:00", 1, b.Id);

        var id = await FileAsync(a, early, b.Id, late);
        Assert.Equal("swap", (await app.InstanceAsync(id)).GetProperty("data").GetProperty("kind").GetString());
        Assert.Equal("2026-06-10T06:00:00+08:00", (await app.InstanceAsync(id)).GetProperty("data").GetProperty("expiresAt").GetString());
        await CompleteAsync(b.UserName, await app.TaskInInboxAsync(b.UserName, id), "accept");
        var done = await CompleteAsync(team.Leader.UserName, await app.TaskInInboxAsync(team.Leader.UserName, id), "approve");

        Assert.Equal("Approved", done.GetProperty("outcome").GetString());
        Assert.Equal(new[] { b.Id, c.Id }.Order(StringComparer.Ordinal), await AssigneesAsync(early));
        Assert.Equal([a.Id], await AssigneesAsync(late));
    }

    [Fact]
    public async Task Decline_NeedsAComment_AndEndsRejected_RosterUnchanged()
    {
        var team = await NewTeamAsync(members: 2);
        var (a, b) = (team.Members[0], team.Members[1]);
        var shift = await ShiftAsync(team.GroupId, Day, "08:00", "16:00", 1, a.Id);
        var id = await FileAsync(a, shift, b.Id);
        var task = await app.TaskInInboxAsync(b.UserName, id);

        using var counterpart = await app.LoginAsync(b.UserName);
        await ApiAssert.ProblemAsync(await counterpart.PostAsJsonAsync($"/api/tasks/{Id(task)}/complete", new { action = "decline" }), (HttpStatusCode)422);
        var done = await CompleteAsync(b.UserName, task, "decline", "那天我也有事 / busy that day");

        Assert.Equal("Completed", done.GetProperty("status").GetString());
        Assert.Equal("Rejected", done.GetProperty("outcome").GetString());
        Assert.Equal([a.Id], await AssigneesAsync(shift));
        var decision = (await app.HistoryAsync(id)).Single(h => Kind(h) == "task.completed");
        Assert.Equal("decline", decision.GetProperty("action").GetString());
        Assert.Equal("那天我也有事 / busy that day", decision.GetProperty("comment").GetString());
        await AssertNoTaskOpenAsync(id);
    }

    [Fact]
    public async Task LeaderReject_NeedsAComment_AndEndsRejected_RosterUnchanged()
    {
        var team = await NewTeamAsync(members: 2);
        var (a, b) = (team.Members[0], team.Members[1]);
        var shift = await ShiftAsync(team.GroupId, Day, "08:00", "16:00", 1, a.Id);
        var id = await FileAsync(a, shift, b.Id);
        await CompleteAsync(b.UserName, await app.TaskInInboxAsync(b.UserName, id), "accept");
        var task = await app.TaskInInboxAsync(team.Leader.UserName, id);

        using var leader = await app.LoginAsync(team.Leader.UserName);
        var problem = await ApiAssert.ProblemAsync(await leader.PostAsJsonAsync($"/api/tasks/{Id(task)}/complete", new { action = "reject" }), (HttpStatusCode)422);
        Assert.True(problem.GetProperty("errors").TryGetProperty("comment", out _));
        var done = await CompleteAsync(team.Leader.UserName, task, "reject", "那天人手不足 / short-handed");

        Assert.Equal("Rejected", done.GetProperty("outcome").GetString());
        Assert.Equal([a.Id], await AssigneesAsync(shift));
        var history = await app.HistoryAsync(id);
        Assert.Equal("那天人手不足 / short-handed", history.Last(h => Kind(h) == "task.completed").GetProperty("comment").GetString());
        Assert.DoesNotContain(history, h => h.GetProperty("step").GetString() == "apply");
    }

    /// <summary>
    /// c covers a's day shift and, separately, b's overlapping shift: each passes alone (and when filed), together
    /// c would be double-booked. Whichever is approved first applies; the other fails the check at apply time.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TwoApprovedRequests_ThatConflict_FirstApplies_SecondFailsTheCheck_NoDoubleBooking(bool dayFirst)
    {
        var team = await NewTeamAsync(members: 3);
        var (a, b, c) = (team.Members[0], team.Members[1], team.Members[2]);
        var day = await ShiftAsync(team.GroupId, Day, "08:00", "16:00", 1, a.Id);
        var overlapping = await ShiftAsync(team.GroupId, Day, "12:00", "20:00", 1, b.Id);
        var dayRequest = await FileAsync(a, day, c.Id);
        var overlappingRequest = await FileAsync(b, overlapping, c.Id);
        await CompleteAsync(c.UserName, await app.TaskInInboxAsync(c.UserName, dayRequest), "accept");
        await CompleteAsync(c.UserName, await app.TaskInInboxAsync(c.UserName, overlappingRequest), "accept");

        var (first, second) = dayFirst ? (dayRequest, overlappingRequest) : (overlappingRequest, dayRequest);
        var applied = await CompleteAsync(team.Leader.UserName, await app.TaskInInboxAsync(team.Leader.UserName, first), "approve");
        var failed = await CompleteAsync(team.Leader.UserName, await app.TaskInInboxAsync(team.Leader.UserName, second), "approve");

        Assert.Equal("Approved", applied.GetProperty("outcome").GetString());
        Assert.Equal("Rejected", failed.GetProperty("outcome").GetString());
        Assert.Contains(await app.HistoryAsync(second), h => Kind(h) == "step.entered" && h.GetProperty("step").GetString() == "coverageFailed");
        var check = (await app.HistoryAsync(second)).Single(h => Kind(h) == "activity.completed" && h.GetProperty("step").GetString() == "apply");
        Assert.Equal("coverageFailed", check.GetProperty("action").GetString());
        Assert.Contains(Violations(check), v => v.GetProperty("rule").GetString() == "DoubleBooking" && v.GetProperty("employeeId").GetString() == c.Id);
        Assert.Contains("时间重叠的班次", failed.GetProperty("data").GetProperty("coverageReasons")[0].GetString(), StringComparison.Ordinal);

        // Exactly the first change: c on its shift, the other shift still with its own person.
        Assert.Equal([c.Id], await AssigneesAsync(dayFirst ? day : overlapping));
        Assert.Equal(dayFirst ? [b.Id] : [a.Id], await AssigneesAsync(dayFirst ? overlapping : day));
    }

    /// <summary>
    /// A shift of two with a minimum of two: a and b each ask c to cover. Each alone keeps the head count; together
    /// the shift would be c alone. The second to be approved is refused, whichever it is.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TwoApprovedCovers_OfOneShift_NeverLeaveItBelowMinimumStaff(bool aFirst)
    {
        var team = await NewTeamAsync(members: 3);
        var (a, b, c) = (team.Members[0], team.Members[1], team.Members[2]);
        var shift = await ShiftAsync(team.GroupId, Day, "08:00", "16:00", 2, a.Id, b.Id);
        var fromA = await FileAsync(a, shift, c.Id);
        var fromB = await FileAsync(b, shift, c.Id);
        await CompleteAsync(c.UserName, await app.TaskInInboxAsync(c.UserName, fromA), "accept");
        await CompleteAsync(c.UserName, await app.TaskInInboxAsync(c.UserName, fromB), "accept");

        var (first, second) = aFirst ? (fromA, fromB) : (fromB, fromA);
        Assert.Equal("Approved", (await CompleteAsync(team.Leader.UserName, await app.TaskInInboxAsync(team.Leader.UserName, first), "approve")).GetProperty("outcome").GetString());
        Assert.Equal("Rejected", (await CompleteAsync(team.Leader.UserName, await app.TaskInInboxAsync(team.Leader.UserName, second), "approve")).GetProperty("outcome").GetString());

        var check = (await app.HistoryAsync(second)).Single(h => Kind(h) == "activity.completed" && h.GetProperty("step").GetString() == "apply");
        Assert.Contains(Violations(check), v => v.GetProperty("rule").GetString() == "BelowMinimumStaff");
        var stays = aFirst ? b : a;
        Assert.Equal(new[] { c.Id, stays.Id }.Order(StringComparer.Ordinal), await AssigneesAsync(shift));
    }

    /// <summary>
    /// The two conflicting last approvals of the double-booking case sent at the same moment (the second request is
    /// cross-group, its first leader has approved already; c's leader gives both last approvals). The loser either
    /// fails the check or gets 409 and approves again; either way exactly one change is in the roster.
    /// </summary>
    [Fact]
    public async Task TwoConflictingApprovals_AtOnce_ExactlyOneApplies()
    {
        var team = await NewTeamAsync(members: 2);
        var other = await NewTeamAsync(members: 1);
        var (a, c, b) = (team.Members[0], team.Members[1], other.Members[0]);
        var day = await ShiftAsync(team.GroupId, Day, "08:00", "16:00", 1, a.Id);
        var overlapping = await ShiftAsync(other.GroupId, Day, "12:00", "20:00", 1, b.Id);
        var dayRequest = await FileAsync(a, day, c.Id);
        var overlappingRequest = await FileAsync(b, overlapping, c.Id);
        await CompleteAsync(c.UserName, await app.TaskInInboxAsync(c.UserName, dayRequest), "accept");
        await CompleteAsync(c.UserName, await app.TaskInInboxAsync(c.UserName, overlappingRequest), "accept");
        await CompleteAsync(other.Leader.UserName, await app.TaskInInboxAsync(other.Leader.UserName, overlappingRequest), "approve");
        var last = new[] { (team.Leader.UserName, dayRequest), (team.Leader.UserName, overlappingRequest) };
        var tasks = await Task.WhenAll(last.Select(l => app.TaskInInboxAsync(l.UserName, l.Item2)));

        var outcomes = await Task.WhenAll(last.Select((l, i) => Task.Run(async () =>
        {
            using var client = await app.LoginAsync(l.UserName);
            for (var attempt = 0; ; attempt++)
            {
                var response = await client.PostAsJsonAsync($"/api/tasks/{Id(tasks[i])}/complete", new { action = "approve" });
                if (response.StatusCode != HttpStatusCode.Conflict || attempt == 5)
                {
                    return (await ApiAssert.JsonAsync(response)).GetProperty("outcome").GetString();
                }
            }
        })));

        Assert.Equal(["Approved", "Rejected"], outcomes.Order(StringComparer.Ordinal));
        var dayWon = outcomes[0] == "Approved";
        Assert.Equal([c.Id], await AssigneesAsync(dayWon ? day : overlapping));
        Assert.Equal(dayWon ? [b.Id] : [a.Id], await AssigneesAsync(dayWon ? overlapping : day));
    }

    [Fact]
    public async Task Request_Expires_WhenItsFirstShiftStarts_TasksClose_RosterUnchanged()
    {
        var team = await NewTeamAsync(members: 2);
        var (a, b) = (team.Members[0], team.Members[1]);
        var (date, start) = SoonAfterNow(TimeSpan.FromHours(2));
        var shift = await ShiftAsync(team.GroupId, date, start, "23:59", 1, a.Id);
        var id = await FileAsync(a, shift, b.Id);
        await CompleteAsync(b.UserName, await app.TaskInInboxAsync(b.UserName, id), "accept");
        var approval = await app.TaskInInboxAsync(team.Leader.UserName, id);

        // Not yet: a sweep before the start changes nothing.
        await app.SweepAsync();
        Assert.Equal("Running", (await app.InstanceAsync(id)).GetProperty("status").GetString());

        app.Clock.Advance(TimeSpan.FromHours(2).Add(TimeSpan.FromMinutes(2)));
        await app.SweepAsync();

        var expired = await app.InstanceAsync(id);
        Assert.Equal("Cancelled", expired.GetProperty("status").GetString());
        Assert.Equal("Expired", expired.GetProperty("outcome").GetString());
        Assert.Equal(["Expired"], await app.WithDbAsync(db => db.Tasks.Where(t => t.InstanceId == id && t.Step == "leaderApproval").Select(t => t.Status.ToString()).ToListAsync()));
        await AssertNoTaskOpenAsync(id);
        Assert.Contains(await app.HistoryAsync(id), h => Kind(h) == "task.due");
        Assert.Equal([a.Id], await AssigneesAsync(shift));

        using var leader = await app.LoginAsync(team.Leader.UserName);
        await ApiAssert.ProblemAsync(await leader.PostAsJsonAsync($"/api/tasks/{Id(approval)}/complete", new { action = "approve" }), HttpStatusCode.Conflict);
        Assert.Equal([a.Id], await AssigneesAsync(shift));
    }

    [Fact]
    public async Task Approval_AfterTheShiftStarted_ButBeforeTheTimerRan_EndsExpired_RosterUnchanged()
    {
        var team = await NewTeamAsync(members: 2);
        var (a, b) = (team.Members[0], team.Members[1]);
        var (date, start) = SoonAfterNow(TimeSpan.FromMinutes(30));
        var shift = await ShiftAsync(team.GroupId, date, start, "23:59", 1, a.Id);
        var id = await FileAsync(a, shift, b.Id);
        await CompleteAsync(b.UserName, await app.TaskInInboxAsync(b.UserName, id), "accept");
        var approval = await app.TaskInInboxAsync(team.Leader.UserName, id);

        app.Clock.Advance(TimeSpan.FromMinutes(32));
        var done = await CompleteAsync(team.Leader.UserName, approval, "approve");

        Assert.Equal("Expired", done.GetProperty("outcome").GetString());
        Assert.Equal([a.Id], await AssigneesAsync(shift));
    }

    [Fact]
    public async Task CrossGroup_NeedsTheRequestersLeader_ThenTheCounterpartsLeader()
    {
        var mine = await NewTeamAsync(members: 1);
        var theirs = await NewTeamAsync(members: 1);
        var (a, b) = (mine.Members[0], theirs.Members[0]);
        var myShift = await ShiftAsync(mine.GroupId, Day, "08:00", "16:00", 1, a.Id);
        var theirShift = await ShiftAsync(theirs.GroupId, Day, "16:00", "23:00", 1, b.Id);
        var id = await FileAsync(a, myShift, b.Id, theirShift);
        await CompleteAsync(b.UserName, await app.TaskInInboxAsync(b.UserName, id), "accept");

        var first = await app.TaskInInboxAsync(mine.Leader.UserName, id);
        Assert.Equal("requesterLeaderApproval", first.GetProperty("step").GetString());
        Assert.Equal([mine.Leader.Id], first.GetProperty("candidateIds").EnumerateArray().Select(x => x.GetString()));
        using (var other = await app.LoginAsync(theirs.Leader.UserName))
        {
            await ApiAssert.ProblemAsync(await other.PostAsJsonAsync($"/api/tasks/{Id(first)}/complete", new { action = "approve" }), HttpStatusCode.NotFound);
        }

        var afterFirst = await CompleteAsync(mine.Leader.UserName, first, "approve");
        Assert.Equal(["counterpartLeaderApproval"], Steps(afterFirst));
        Assert.Equal([a.Id], await AssigneesAsync(myShift));

        var second = await app.TaskInInboxAsync(theirs.Leader.UserName, id);
        Assert.Equal([theirs.Leader.Id], second.GetProperty("candidateIds").EnumerateArray().Select(x => x.GetString()));
        var done = await CompleteAsync(theirs.Leader.UserName, second, "approve");

        Assert.Equal("Approved", done.GetProperty("outcome").GetString());
        Assert.Equal([b.Id], await AssigneesAsync(myShift));
        Assert.Equal([a.Id], await AssigneesAsync(theirShift));
        var approvers = (await app.HistoryAsync(id)).Where(h => Kind(h) == "task.completed").Select(h => h.GetProperty("actorId").GetString());
        Assert.Equal([b.Id, mine.Leader.Id, theirs.Leader.Id], approvers);
    }

    [Fact]
    public async Task LeadersOwnSwap_GoesToTheSupervisor_WithAnEscalationInHistory()
    {
        var team = await NewTeamAsync(members: 1);
        var b = team.Members[0];
        var shift = await ShiftAsync(team.GroupId, Day, "08:00", "16:00", 1, team.Leader.Id);
        var id = await FileAsync(team.Leader, shift, b.Id);
        await CompleteAsync(b.UserName, await app.TaskInInboxAsync(b.UserName, id), "accept");

        var supervisorId = await app.IdOfAsync("supervisor");
        var task = await app.TaskInInboxAsync("supervisor", id);
        Assert.Equal([supervisorId], task.GetProperty("candidateIds").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal("Supervisor", task.GetProperty("actingRole").GetString());
        var escalated = (await app.HistoryAsync(id)).Single(h => Kind(h) == "task.escalated");
        Assert.Equal("leaderApproval", escalated.GetProperty("step").GetString());

        // The leader is the subject: not in their own inbox, and refused when they try.
        using var leader = await app.LoginAsync(team.Leader.UserName);
        var inbox = await ApiAssert.JsonAsync(await leader.GetAsync("/api/tasks?status=Open"));
        Assert.DoesNotContain(inbox.EnumerateArray(), t => t.GetProperty("instanceId").GetString() == id);
        await ApiAssert.ProblemAsync(await leader.PostAsJsonAsync($"/api/tasks/{Id(task)}/complete", new { action = "approve" }), HttpStatusCode.Forbidden);

        var done = await CompleteAsync("supervisor", task, "approve");
        Assert.Equal("Approved", done.GetProperty("outcome").GetString());
        Assert.Equal([b.Id], await AssigneesAsync(shift));
        Assert.Equal("Supervisor", (await app.HistoryAsync(id)).Last(h => Kind(h) == "task.completed").GetProperty("actingRole").GetString());
    }

    [Fact]
    public async Task Withdraw_WhilePending_ClosesTheTasks_OnlyByTheRequester()
    {
        var team = await NewTeamAsync(members: 2);
        var (a, b) = (team.Members[0], team.Members[1]);
        var shift = await ShiftAsync(team.GroupId, Day, "08:00", "16:00", 1, a.Id);
        var id = await FileAsync(a, shift, b.Id);
        await CompleteAsync(b.UserName, await app.TaskInInboxAsync(b.UserName, id), "accept");
        var approval = await app.TaskInInboxAsync(team.Leader.UserName, id);

        using (var counterpart = await app.LoginAsync(b.UserName))
        {
            await ApiAssert.ProblemAsync(await counterpart.PostAsync($"/api/instances/{id}/withdraw", null), HttpStatusCode.Forbidden);
        }

        using var requester = await app.LoginAsync(a.UserName);
        var withdrawn = await ApiAssert.JsonAsync(await requester.PostAsJsonAsync($"/api/instances/{id}/withdraw", new { reason = "不需要了 / no longer needed" }));
        Assert.Equal("Cancelled", withdrawn.GetProperty("status").GetString());
        Assert.Equal("Withdrawn", withdrawn.GetProperty("outcome").GetString());
        await AssertNoTaskOpenAsync(id);

        using var leader = await app.LoginAsync(team.Leader.UserName);
        await ApiAssert.ProblemAsync(await leader.PostAsJsonAsync($"/api/tasks/{Id(approval)}/complete", new { action = "approve" }), HttpStatusCode.Conflict);
        await ApiAssert.ProblemAsync(await requester.PostAsync($"/api/instances/{id}/withdraw", null), HttpStatusCode.Conflict);
        Assert.Equal([a.Id], await AssigneesAsync(shift));
    }

    [Fact]
    public async Task File_RefusesBadRequests_AndStartsNothing()
    {
        var team = await NewTeamAsync(members: 3);
        var (a, b, c) = (team.Members[0], team.Members[1], team.Members[2]);
        var mine = await ShiftAsync(team.GroupId, Day, "08:00", "16:00", 1, a.Id);
        var theirs = await ShiftAsync(team.GroupId, Day, "16:00", "23:00", 1, b.Id);
        var cOverlapping = await ShiftAsync(team.GroupId, Day, "10:00", "18:00", 1, c.Id);
        var (date, start) = SoonAfterNow(TimeSpan.FromMinutes(10));
        var soon = await ShiftAsync(team.GroupId, date, start, "23:59", 1, a.Id);
        var before = await InstanceCountAsync();
        using var requester = await app.LoginAsync(a.UserName);
        async Task<JsonElement> Refused(object body, HttpStatusCode status) =>
            await ApiAssert.ProblemAsync(await requester.PostAsJsonAsync("/api/shift-swaps", body), status);

        var missing = await Refused(new { }, HttpStatusCode.BadRequest);
        foreach (var field in new[] { "shiftId", "counterpartId", "reason" })
        {
            Assert.True(missing.GetProperty("errors").TryGetProperty(field, out _), $"errors.{field} expected");
        }

        await Refused(new { shiftId = mine, counterpartId = b.Id, reason = "  " }, HttpStatusCode.BadRequest);
        await Refused(new { shiftId = mine, counterpartId = b.Id, counterpartShiftId = "", reason = "x" }, HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await requester.PostAsync("/api/shift-swaps", new StringContent("{\"shiftId\":", System.Text.Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        await Refused(new { shiftId = 42, counterpartId = b.Id, reason = "x" }, HttpStatusCode.BadRequest);
        await Refused(new { shiftId = "no-such-shift", counterpartId = b.Id, reason = "x" }, (HttpStatusCode)422);
        await Refused(new { shiftId = theirs, counterpartId = c.Id, reason = "x" }, HttpStatusCode.Forbidden);
        await Refused(new { shiftId = mine, counterpartId = a.Id, reason = "x" }, (HttpStatusCode)422);
        await Refused(new { shiftId = mine, counterpartId = "no-such-person", reason = "x" }, (HttpStatusCode)422);
        await Refused(new { shiftId = mine, counterpartId = await app.IdOfAsync("hr"), reason = "x" }, (HttpStatusCode)422);
        await Refused(new { shiftId = mine, counterpartId = c.Id, counterpartShiftId = theirs, reason = "x" }, (HttpStatusCode)422);
        await Refused(new { shiftId = mine, counterpartId = b.Id, counterpartShiftId = "no-such-shift", reason = "x" }, (HttpStatusCode)422);
        await Refused(new { shiftId = mine, counterpartId = b.Id, counterpartShiftId = mine, reason = "x" }, (HttpStatusCode)422);

        // The pre-check: c is on an overlapping shift, so c cannot cover a's shift.
        var doubleBooked = await Refused(new { shiftId = mine, counterpartId = c.Id, reason = "x" }, (HttpStatusCode)422);
        Assert.Equal("DoubleBooking", doubleBooked.GetProperty("violations")[0].GetProperty("rule").GetString());

        app.Clock.Advance(TimeSpan.FromMinutes(12));
        var started = await Refused(new { shiftId = soon, counterpartId = b.Id, reason = "x" }, (HttpStatusCode)422);
        Assert.Contains("已经开始", started.GetProperty("detail").GetString(), StringComparison.Ordinal);

        Assert.Equal(before, await InstanceCountAsync());
        Assert.Equal([a.Id], await AssigneesAsync(mine));
        Assert.Equal([c.Id], await AssigneesAsync(cOverlapping));
    }

    private sealed record Person(string Id, string UserName);

    private sealed record Team(string GroupId, Person Leader, Person[] Members);

    /// <summary>A fresh group with its leader and members (all with the demo password, so inbox helpers can sign in).</summary>
    private async Task<Team> NewTeamAsync(int members)
    {
        using var hr = await app.LoginAsync("hr");
        var group = await ApiAssert.JsonAsync(await hr.PostAsJsonAsync("/api/groups", new { name = "调班组-" + Guid.NewGuid().ToString("N")[..8] }), HttpStatusCode.Created);
        var groupId = group.GetProperty("id").GetString()!;
        async Task<Person> NewAsync(string rank)
        {
            var userName = "s" + Guid.NewGuid().ToString("N")[..10];
            var created = await ApiAssert.JsonAsync(await hr.PostAsJsonAsync("/api/employees",
                new { userName, name = "调班" + userName, password = WorkflowsApp.DemoPassword, rank, groupId }), HttpStatusCode.Created);
            return new Person(created.GetProperty("id").GetString()!, userName);
        }

        var leader = await NewAsync("GroupLeader");
        var people = new List<Person>();
        for (var i = 0; i < members; i++)
        {
            people.Add(await NewAsync("Member"));
        }

        return new Team(groupId, leader, [.. people]);
    }

    /// <summary>A shift arranged by HR, with people on it; returns its id.</summary>
    private async Task<string> ShiftAsync(string groupId, string date, string start, string end, int minStaff, params string[] people)
    {
        using var hr = await app.LoginAsync("hr");
        var shift = await ApiAssert.JsonAsync(await hr.PostAsJsonAsync("/api/shifts", new { groupId, date, start, end, minStaff }), HttpStatusCode.Created);
        var id = Id(shift);
        foreach (var person in people)
        {
            await ApiAssert.JsonAsync(await hr.PostAsJsonAsync($"/api/shifts/{id}/assignments", new { employeeId = person }), HttpStatusCode.Created);
        }

        return id;
    }

    private async Task<string> FileAsync(Person requester, string shiftId, string counterpartId, string? counterpartShiftId = null)
    {
        using var client = await app.LoginAsync(requester.UserName);
        var response = await client.PostAsJsonAsync("/api/shift-swaps", new { shiftId, counterpartId, counterpartShiftId, reason = "调班 / swap" });
        return (await ApiAssert.JsonAsync(response, HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }

    private async Task<JsonElement> CompleteAsync(string userName, JsonElement task, string action, string? comment = null)
    {
        using var client = await app.LoginAsync(userName);
        return await ApiAssert.JsonAsync(await client.PostAsJsonAsync($"/api/tasks/{Id(task)}/complete", new { action, comment }));
    }

    private async Task<string[]> AssigneesAsync(string shiftId)
    {
        using var client = await app.LoginAsync("hr");
        var shift = await ApiAssert.JsonAsync(await client.GetAsync($"/api/shifts/{shiftId}"));
        return [.. shift.GetProperty("assigneeIds").EnumerateArray().Select(x => x.GetString()!).Order(StringComparer.Ordinal)];
    }

    private async Task AssertNoTaskOpenAsync(string instanceId) =>
        Assert.Equal(0, await app.WithDbAsync(db => db.Tasks.CountAsync(t => t.InstanceId == instanceId && t.Status == TaskState.Open)));

    private Task<int> InstanceCountAsync() => app.WithDbAsync(db => db.Instances.CountAsync());

    private (string Date, string Start) SoonAfterNow(TimeSpan ahead)
    {
        var clock = app.Services.GetRequiredService<DepartmentClock>();
        var at = clock.LocalNow.AddMinutes(1).Add(ahead);
        Assert.True(at.TimeOfDay < TimeSpan.FromHours(23), "The fake clock has run too late in the day for this test.");
        return (at.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), at.ToString("HH:mm", CultureInfo.InvariantCulture));
    }

    private static IEnumerable<JsonElement> Violations(JsonElement activityRow) =>
        activityRow.GetProperty("data").GetProperty("coverageViolations").EnumerateArray();

    private static DateTimeOffset Instant(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture);

    private static string Id(JsonElement e) => e.GetProperty("id").GetString()!;

    private static string? Kind(JsonElement h) => h.GetProperty("kind").GetString();

    private static string[] Steps(JsonElement instance) => [.. instance.GetProperty("currentSteps").EnumerateArray().Select(x => x.GetString()!)];
}

public sealed class ShiftSwapTests_Sqlite(SqliteApp app) : ShiftSwapTests(app), IClassFixture<SqliteApp>;

/// <summary>The same on SQLite through the EF Core step store, the one PostgreSQL uses.</summary>
public sealed class ShiftSwapTests_SqliteEfCore(SqliteEfCoreApp app) : ShiftSwapTests(app), IClassFixture<SqliteEfCoreApp>;

public sealed class ShiftSwapTests_Postgres : ShiftSwapTests, IClassFixture<PostgresApp>
{
    public ShiftSwapTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
