using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions.Ledger;
using Workflows.Tests.Infrastructure;
using Workflows.Tests.Violations;
using Workflows.Definitions.Disputes;

namespace Workflows.Tests.Promotion;

/// <summary>
/// The promotion ladder through the API (docs/domain.md §Clean-record windows, §Promotion): filing rules, the eligibility gate, each rung's
/// approvers, separation of duties, return/resubmit, the appointment re-check, vacancies, 择优 and expiry.
/// Tests share one database per lane, so each builds its own groups and people, and a test that needs
/// "no vacant seat of rank X" first fills every vacant seat of that rank.
/// </summary>
public abstract class PromotionApiTests(WorkflowsApp app)
{
    private const string Password = "Test@2026x";

    // ---------- filing ----------

    [Fact]
    public async Task Apply_Refuses_BadInput_WrongApplicant_AndRankRules_WritingNothing()
    {
        var (groupId, leader, _) = await NewGroupWithLeaderAsync();
        var (member, memberUser) = await NewPersonAsync("Member", groupId);
        var (otherMember, otherUser) = await NewPersonAsync("Member", groupId);
        var before = await InstanceCountAsync();

        using var self = await LoginAsync(memberUser);
        var invalid = await ApiAssert.ProblemAsync(await self.PostAsJsonAsync("/api/promotions",
            new { candidateId = member, targetRank = "Boss", channel = "1" }), HttpStatusCode.BadRequest);
        var errors = invalid.GetProperty("errors");
        Assert.True(errors.TryGetProperty("targetRank", out _));
        Assert.True(errors.TryGetProperty("channel", out _));
        Assert.True(errors.TryGetProperty("statement", out _));
        await ApiAssert.ProblemAsync(await self.PostAsync("/api/promotions", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);

        await ApiAssert.ProblemAsync(await ApplyAsync(self, "no-such-employee", "GroupLeader", "Self"), HttpStatusCode.UnprocessableEntity);
        // Self is for the candidate only; nobody nominates themself; a member is not a nominator.
        await ApiAssert.ProblemAsync(await ApplyAsync(self, otherMember, "GroupLeader", "Self"), HttpStatusCode.Forbidden);
        await ApiAssert.ProblemAsync(await ApplyAsync(self, member, "GroupLeader", "DepartmentRecommendation"), HttpStatusCode.Forbidden);
        await ApiAssert.ProblemAsync(await ApplyAsync(self, otherMember, "GroupLeader", "DepartmentRecommendation"), HttpStatusCode.Forbidden);
        // Another group's leader does not recommend for this group; only a Supervisor nominates; HR is "another department".
        using (var leader2 = await LoginAsync("leader2"))
        {
            await ApiAssert.ProblemAsync(await ApplyAsync(leader2, member, "GroupLeader", "DepartmentRecommendation"), HttpStatusCode.Forbidden);
            await ApiAssert.ProblemAsync(await ApplyAsync(leader2, member, "GroupLeader", "SupervisorNomination"), HttpStatusCode.Forbidden);
        }

        using (var hr = await LoginAsync("hr"))
        {
            await ApiAssert.ProblemAsync(await ApplyAsync(hr, member, "GroupLeader", "DepartmentRecommendation"), HttpStatusCode.Forbidden);
        }

        // Rank rules: not above the current rank; skip-level needs a justification; GroupLeader → Supervisor is by nomination.
        await ApiAssert.ProblemAsync(await ApplyAsync(self, member, "Member", "Self"), HttpStatusCode.UnprocessableEntity);
        var skip = await ApiAssert.ProblemAsync(await ApplyAsync(self, member, "Supervisor", "Self"), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("组员→主管属于越级晋升", skip.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using (var leaderClient = await LoginAsync(leader))
        {
            var leaderId = await app.IdOfUserAsync(leader);
            await ApiAssert.ProblemAsync(await ApplyAsync(leaderClient, leaderId, "GroupLeader", "Self"), HttpStatusCode.UnprocessableEntity);
            var rung = await ApiAssert.ProblemAsync(await ApplyAsync(leaderClient, leaderId, "Supervisor", "Self"), HttpStatusCode.UnprocessableEntity);
            Assert.Equal("组长晋升主管须经主管提名。", rung.GetProperty("detail").GetString());
        }

        Assert.Equal(before, await InstanceCountAsync());
        Assert.NotEmpty(otherUser);
    }

    [Fact]
    public async Task Gate_Blocks_ViolationOnWindowStartDay_ButNotTheDayBefore()
    {
        var today = await TodayAsync();
        var (groupId, leader, _) = await NewGroupWithLeaderAsync();
        var (onStart, onStartUser) = await NewPersonAsync("Member", groupId);
        var (dayBefore, dayBeforeUser) = await NewPersonAsync("Member", groupId);
        await RecordAsync(leader, onStart, Iso(today.AddMonths(-3)));
        await RecordAsync("supervisor", dayBefore, Iso(today.AddMonths(-3).AddDays(-1)));

        using var a = await LoginAsync(onStartUser);
        var blocked = await ApiAssert.JsonAsync(await ApplyAsync(a, onStart, "GroupLeader", "Self"), HttpStatusCode.Created);
        Assert.Equal("Completed", blocked.GetProperty("status").GetString());
        Assert.Equal("Ineligible", blocked.GetProperty("outcome").GetString());
        var gate = await GateSnapshotAsync(blocked.GetProperty("id").GetString()!);
        Assert.False(gate.GetProperty("eligible").GetBoolean());
        Assert.Equal(Iso(today.AddMonths(-3)), gate.GetProperty("windowStart").GetString());
        var considered = Assert.Single(gate.GetProperty("considered").EnumerateArray());
        Assert.True(considered.GetProperty("counts").GetBoolean());
        Assert.True(DateOnly.ParseExact(gate.GetProperty("earliestEligibleOn").GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture) > today);

        using var b = await LoginAsync(dayBeforeUser);
        var running = await ApiAssert.JsonAsync(await ApplyAsync(b, dayBefore, "GroupLeader", "Self"), HttpStatusCode.Created);
        Assert.Equal("Running", running.GetProperty("status").GetString());
        Assert.Equal("register", running.GetProperty("currentSteps")[0].GetString());
        var clean = await GateSnapshotAsync(running.GetProperty("id").GetString()!);
        Assert.True(clean.GetProperty("eligible").GetBoolean());
        Assert.False(Assert.Single(clean.GetProperty("considered").EnumerateArray()).GetProperty("counts").GetBoolean());
        Assert.Equal(Iso(today), running.GetProperty("data").GetProperty("applicationDate").GetString());
    }

    [Fact]
    public async Task SkipLevel_UsesTheTargetRanksWindow()
    {
        var today = await TodayAsync();
        var (groupId, leader, _) = await NewGroupWithLeaderAsync();
        var (member, _) = await NewPersonAsync("Member", groupId);
        // Four months ago: outside GroupLeader's 3-month window, inside Supervisor's 6-month one.
        await RecordAsync(leader, member, Iso(today.AddMonths(-4)));

        using var nominator = await LoginAsync(leader);
        var response = await nominator.PostAsJsonAsync("/api/promotions", new
        {
            candidateId = member, targetRank = "Supervisor", channel = "DepartmentRecommendation",
            statement = "推荐", justification = "突出贡献 / outstanding contribution",
        });
        var instance = await ApiAssert.JsonAsync(response, HttpStatusCode.Created);
        Assert.Equal("promotion.skip-level", instance.GetProperty("definition").GetProperty("name").GetString());
        Assert.Equal("Ineligible", instance.GetProperty("outcome").GetString());
        Assert.Equal(6, (await GateSnapshotAsync(instance.GetProperty("id").GetString()!)).GetProperty("windowMonths").GetInt32());
    }

    // ---------- rungs end to end ----------

    [Fact]
    public async Task MemberToGroupLeader_HrThenSupervisor_TakesTheLongestVacantSeat_AndMovesGroup()
    {
        await FillVacantSeatsAsync("GroupLeader");
        var (groupId, leader, _) = await NewGroupWithLeaderAsync();
        var vacantGroup = await NewGroupAsync(); // its leader seat is the only vacant one
        var (member, memberUser) = await NewPersonAsync("Member", groupId);

        using var self = await LoginAsync(memberUser);
        var created = await self.PostAsJsonAsync("/api/promotions", new { candidateId = member, targetRank = "GroupLeader", channel = "Self", statement = "我申请 / I apply" });
        var instance = await ApiAssert.JsonAsync(created, HttpStatusCode.Created);
        var id = instance.GetProperty("id").GetString()!;
        Assert.Equal($"/api/instances/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal("promotion.member-to-group-leader", instance.GetProperty("definition").GetProperty("name").GetString());
        Assert.Equal("promotion", instance.GetProperty("type").GetString());

        var register = await TaskAsync("hr", id);
        Assert.Equal(["approve", "reject", "return"], register.GetProperty("allowedActions").EnumerateArray().Select(a => a.GetString()).Order());
        // The candidate never acts on their own application.
        await ApiAssert.ProblemAsync(await CompleteAsync(memberUser, register, "approve"), HttpStatusCode.Forbidden);
        await Ok(CompleteAsync("hr", register, "approve", "已登记"));

        var assess = await TaskAsync("supervisor", id);
        Assert.Equal("assess", assess.GetProperty("step").GetString());
        // HR sees the instance but does not hold the step's role; the group leader is not the approver on this rung.
        await ApiAssert.ProblemAsync(await CompleteAsync("hr", assess, "approve"), HttpStatusCode.Forbidden);
        await ApiAssert.ProblemAsync(await CompleteAsync(memberUser, assess, "approve"), HttpStatusCode.Forbidden);
        var done = await Ok(CompleteAsync("supervisor", assess, "approve", "同意任命"));
        Assert.Equal("Completed", done.GetProperty("status").GetString());
        Assert.Equal("Approved", done.GetProperty("outcome").GetString());

        var employee = await EmployeeAsync(member);
        Assert.Equal("GroupLeader", employee.GetProperty("rank").GetString());
        Assert.Equal(vacantGroup, employee.GetProperty("groupId").GetString());
        Assert.Equal(member, (await SeatOfGroupAsync(vacantGroup)).GetProperty("holderId").GetString());

        var decisions = (await app.HistoryAsync(id)).Where(h => h.GetProperty("kind").GetString() == "task.completed").ToList();
        Assert.Equal(["HR", "Supervisor"], decisions.Select(d => d.GetProperty("actingRole").GetString()));
        Assert.NotEmpty(leader);
    }

    [Fact]
    public async Task MemberToGroupLeader_PrefersTheCandidatesOwnGroupSeat()
    {
        await FillVacantSeatsAsync("GroupLeader");
        var olderVacancy = await NewGroupAsync();
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var ownGroup = await NewGroupAsync();
        var (member, memberUser) = await NewPersonAsync("Member", ownGroup);
        var id = await ApplySelfAsync(memberUser, member, "GroupLeader");
        await Ok(CompleteAsync("hr", await TaskAsync("hr", id), "approve"));
        var done = await Ok(CompleteAsync("supervisor", await TaskAsync("supervisor", id), "approve"));
        Assert.Equal("Approved", done.GetProperty("outcome").GetString());
        Assert.Equal(member, (await SeatOfGroupAsync(ownGroup)).GetProperty("holderId").GetString());
        Assert.Equal(JsonValueKind.Null, (await SeatOfGroupAsync(olderVacancy)).GetProperty("holderId").ValueKind);
        await FillVacantSeatsAsync("GroupLeader");
    }

    [Fact]
    public async Task GroupLeaderToSupervisor_WaitsForASeat_HrOpensOne_LeaderSeatIsVacatedOnAppointment()
    {
        await FillVacantSeatsAsync("Supervisor");
        var (groupId, leaderUser, leaderId) = await NewGroupWithLeaderAsync();
        var leaderSeat = (await SeatOfGroupAsync(groupId)).GetProperty("id").GetString()!;
        using var supervisor = await LoginAsync("supervisor");
        var instance = await ApiAssert.JsonAsync(await ApplyAsync(supervisor, leaderId, "Supervisor", "SupervisorNomination"), HttpStatusCode.Created);
        var id = instance.GetProperty("id").GetString()!;
        Assert.Equal("promotion.group-leader-to-supervisor", instance.GetProperty("definition").GetProperty("name").GetString());
        Assert.Equal(await app.IdOfUserAsync("supervisor"), instance.GetProperty("data").GetProperty("nominatorId").GetString());

        var register = await TaskAsync("hr", id);
        await ApiAssert.ProblemAsync(await CompleteAsync(leaderUser, register, "approve"), HttpStatusCode.Forbidden);
        await Ok(CompleteAsync("hr", register, "approve"));
        await Ok(CompleteAsync("hr", await TaskAsync("hr", id), "approve", "考核合格"));
        // The manager is whoever holds the manager seat (another test may have appointed a new one).
        var managerUser = await ManagerUserAsync();
        var managerTask = await TaskAsync(managerUser, id);
        Assert.Equal("assessManager", managerTask.GetProperty("step").GetString());
        await ApiAssert.ProblemAsync(await CompleteAsync("supervisor", managerTask, "approve"), HttpStatusCode.Forbidden);
        await Ok(CompleteAsync(managerUser, managerTask, "approve"));
        var final = await TaskAsync("leadership", id);
        Assert.Equal("approveLeadership", final.GetProperty("step").GetString());
        var waiting = await Ok(CompleteAsync("leadership", final, "approve", "同意"));

        // No vacant supervisor seat: the approved application waits.
        Assert.Equal("Running", waiting.GetProperty("status").GetString());
        Assert.Equal("waitSeat", waiting.GetProperty("currentSteps")[0].GetString());
        Assert.Equal("seat.vacated", waiting.GetProperty("waitingFor").GetString());

        // HR opens a seat: the application moves on to HR's 择优 task, and approving it appoints.
        using var hr = await LoginAsync("hr");
        var seat = await ApiAssert.JsonAsync(await hr.PostAsJsonAsync("/api/seats", new { rank = "Supervisor" }), HttpStatusCode.Created);
        var pick = await TaskAsync("hr", id);
        Assert.Equal("pick", pick.GetProperty("step").GetString());
        var done = await Ok(CompleteAsync("hr", pick, "approve"));
        Assert.Equal("Approved", done.GetProperty("outcome").GetString());

        var employee = await EmployeeAsync(leaderId);
        Assert.Equal("Supervisor", employee.GetProperty("rank").GetString());
        Assert.Equal(JsonValueKind.Null, employee.GetProperty("groupId").ValueKind);
        var seats = await ApiAssert.JsonAsync(await hr.GetAsync("/api/seats"));
        Assert.Equal(leaderId, seats.EnumerateArray().Single(s => s.GetProperty("id").GetString() == seat.GetProperty("id").GetString()).GetProperty("holderId").GetString());
        // The leader seat they left is vacant, and its vacancy was announced to waiting applications.
        Assert.Equal(JsonValueKind.Null, (await SeatOfGroupAsync(groupId)).GetProperty("holderId").ValueKind);
        Assert.True(await app.WithDbAsync(db => db.Signals.AnyAsync(s => s.Name == "seat.vacated" && s.DataJson!.Contains(leaderSeat))));
        await FillVacantSeatsAsync("GroupLeader");
    }

    [Fact]
    public async Task SupervisorToManager_HrAssessesThenGeneralManagerApproves()
    {
        // A supervisor needs a supervisor seat; the manager seat is then vacated for the appointment.
        using var hr = await LoginAsync("hr");
        await ApiAssert.JsonAsync(await hr.PostAsJsonAsync("/api/seats", new { rank = "Supervisor" }), HttpStatusCode.Created);
        var (candidate, candidateUser) = await NewPersonAsync("Supervisor", null);
        var managerSeat = (await ApiAssert.JsonAsync(await hr.GetAsync("/api/seats?rank=Manager"))).EnumerateArray().Single();
        if (managerSeat.GetProperty("holderId").ValueKind != JsonValueKind.Null)
        {
            await ApiAssert.JsonAsync(await hr.PostAsync($"/api/seats/{managerSeat.GetProperty("id").GetString()}/vacate", null));
        }

        var oldSeat = (await ApiAssert.JsonAsync(await hr.GetAsync("/api/seats?rank=Supervisor"))).EnumerateArray()
            .Single(s => s.GetProperty("holderId").GetString() == candidate).GetProperty("id").GetString();
        var id = await ApplySelfAsync(candidateUser, candidate, "Manager");
        var assess = await TaskAsync("hr", id);
        Assert.Equal("assessHr", assess.GetProperty("step").GetString());
        await Ok(CompleteAsync("hr", assess, "approve"));
        var gm = await TaskAsync("gm", id);
        await ApiAssert.ProblemAsync(await CompleteAsync("hr", gm, "approve"), HttpStatusCode.Forbidden);
        var done = await Ok(CompleteAsync("gm", gm, "approve", "批准"));
        Assert.Equal("Approved", done.GetProperty("outcome").GetString());

        Assert.Equal("Manager", (await EmployeeAsync(candidate)).GetProperty("rank").GetString());
        var seats = await ApiAssert.JsonAsync(await hr.GetAsync("/api/seats?rank=Manager"));
        Assert.Equal(candidate, seats[0].GetProperty("holderId").GetString());
        // The supervisor seat they left is vacant again.
        Assert.Contains((await ApiAssert.JsonAsync(await hr.GetAsync("/api/seats?rank=Supervisor&vacant=true"))).EnumerateArray(),
            s => s.GetProperty("id").GetString() == oldSeat);
    }

    [Fact]
    public async Task SkipLevel_HrRegistersAndAssesses_ManagerAssesses_GeneralManagerApproves()
    {
        var (groupId, leader, _) = await NewGroupWithLeaderAsync();
        var (member, memberUser) = await NewPersonAsync("Member", groupId);
        using var hr = await LoginAsync("hr");
        await ApiAssert.JsonAsync(await hr.PostAsJsonAsync("/api/seats", new { rank = "Supervisor" }), HttpStatusCode.Created);

        using var nominator = await LoginAsync(leader);
        var instance = await ApiAssert.JsonAsync(await nominator.PostAsJsonAsync("/api/promotions", new
        {
            candidateId = member, targetRank = "Supervisor", channel = "DepartmentRecommendation",
            statement = "推荐", justification = "为公司作出了突出贡献 / outstanding contribution",
        }), HttpStatusCode.Created);
        var id = instance.GetProperty("id").GetString()!;
        Assert.Equal("register", instance.GetProperty("currentSteps")[0].GetString());
        await Ok(CompleteAsync("hr", await TaskAsync("hr", id), "approve"));
        await Ok(CompleteAsync("hr", await TaskAsync("hr", id), "approve"));
        var managerUser = await ManagerUserAsync();
        var manager = await TaskAsync(managerUser, id);
        Assert.Equal("assessDepartment", manager.GetProperty("step").GetString());
        await Ok(CompleteAsync(managerUser, manager, "approve"));
        var gm = await TaskAsync("gm", id);
        await ApiAssert.ProblemAsync(await CompleteAsync(memberUser, gm, "approve"), HttpStatusCode.Forbidden);
        var done = await Ok(CompleteAsync("gm", gm, "approve"));
        Assert.Equal("Approved", done.GetProperty("outcome").GetString());
        Assert.Equal("Supervisor", (await EmployeeAsync(member)).GetProperty("rank").GetString());
    }

    // ---------- separation of duties, return, reject ----------

    [Fact]
    public async Task Nominator_NeverGivesTheFinalApproval()
    {
        var (groupId, _, _) = await NewGroupWithLeaderAsync();
        var (member, memberUser) = await NewPersonAsync("Member", groupId);
        using var supervisor = await LoginAsync("supervisor");
        var id = (await ApiAssert.JsonAsync(await ApplyAsync(supervisor, member, "GroupLeader", "DepartmentRecommendation"), HttpStatusCode.Created))
            .GetProperty("id").GetString()!;
        await Ok(CompleteAsync("hr", await TaskAsync("hr", id), "approve"));

        var inbox = await ApiAssert.JsonAsync(await supervisor.GetAsync("/api/tasks?status=Open"));
        Assert.DoesNotContain(inbox.EnumerateArray(), t => t.GetProperty("instanceId").GetString() == id);
        var task = await app.WithDbAsync(db => db.Tasks.Where(t => t.InstanceId == id && t.Status == Workflows.Host.Runtime.TaskState.Open).Select(t => t.Id).SingleAsync());
        var refused = await ApiAssert.ProblemAsync(await supervisor.PostAsJsonAsync($"/api/tasks/{task}/complete", new { action = "approve" }), HttpStatusCode.Forbidden);
        Assert.False(string.IsNullOrEmpty(refused.GetProperty("detail").GetString()));
        using var candidate = await LoginAsync(memberUser);
        await ApiAssert.ProblemAsync(await candidate.PostAsJsonAsync($"/api/tasks/{task}/complete", new { action = "approve" }), HttpStatusCode.Forbidden);
        var instance = await app.InstanceAsync(id);
        Assert.Equal("assess", instance.GetProperty("currentSteps")[0].GetString());
    }

    [Fact]
    public async Task Return_ResubmitRunsTheGateAgain_ThenTheReturningStepOpens_AndRejectNeedsAComment()
    {
        await FillVacantSeatsAsync("GroupLeader");
        var ownGroup = await NewGroupAsync(); // the candidate's own group has a vacant leader seat
        var (member, memberUser) = await NewPersonAsync("Member", ownGroup);
        var id = await ApplySelfAsync(memberUser, member, "GroupLeader");

        await Ok(CompleteAsync("hr", await TaskAsync("hr", id), "approve"));
        await ApiAssert.ProblemAsync(await CompleteAsync("supervisor", await TaskAsync("supervisor", id), "return"), HttpStatusCode.UnprocessableEntity);
        var returned = await Ok(CompleteAsync("supervisor", await TaskAsync("supervisor", id), "return", "请补充工作业绩"));
        Assert.Equal("assess", returned.GetProperty("currentSteps")[0].GetString());
        var amend = await TaskAsync(memberUser, id);
        Assert.Equal("amend", amend.GetProperty("step").GetString());
        Assert.Equal(["resubmit", "withdraw"], amend.GetProperty("allowedActions").EnumerateArray().Select(a => a.GetString()).Order());
        await ApiAssert.ProblemAsync(await CompleteAsync(memberUser, amend, "resubmit", null, new { targetRank = "Manager" }), HttpStatusCode.UnprocessableEntity);
        var resubmitted = await Ok(CompleteAsync(memberUser, amend, "resubmit", null, new { statement = "补充：带教新人 3 名" }));
        // The gate runs again, then the step that returned it (the supervisor's assessment) opens again.
        Assert.Equal("assess", resubmitted.GetProperty("currentSteps")[0].GetString());
        Assert.Equal("补充：带教新人 3 名", resubmitted.GetProperty("data").GetProperty("statement").GetString());
        Assert.Equal("GroupLeader", resubmitted.GetProperty("data").GetProperty("targetRank").GetString());
        Assert.Equal(2, (await app.HistoryAsync(id)).Count(h => h.GetProperty("kind").GetString() == "activity.completed"
            && h.GetProperty("step").GetString() == "gate"));

        var assess = await TaskAsync("supervisor", id);
        var noComment = await ApiAssert.ProblemAsync(await CompleteAsync("supervisor", assess, "reject"), HttpStatusCode.UnprocessableEntity);
        Assert.True(noComment.GetProperty("errors").TryGetProperty("comment", out _));
        var done = await Ok(CompleteAsync("supervisor", assess, "approve"));
        Assert.Equal("Approved", done.GetProperty("outcome").GetString());
        Assert.Equal(member, (await SeatOfGroupAsync(ownGroup)).GetProperty("holderId").GetString());

        // A nominated application goes back to the nominator; a reject with a comment ends it.
        var (groupId, leader, _) = await NewGroupWithLeaderAsync();
        var (other, _) = await NewPersonAsync("Member", groupId);
        using var nominator = await LoginAsync(leader);
        var nominated = (await ApiAssert.JsonAsync(await ApplyAsync(nominator, other, "GroupLeader", "DepartmentRecommendation"), HttpStatusCode.Created))
            .GetProperty("id").GetString()!;
        await Ok(CompleteAsync("hr", await TaskAsync("hr", nominated), "return", "表格不全"));
        var nominatorsAmend = await TaskAsync(leader, nominated);
        Assert.Equal("amend", nominatorsAmend.GetProperty("step").GetString());
        await Ok(CompleteAsync(leader, nominatorsAmend, "resubmit"));
        var rejected = await Ok(CompleteAsync("hr", await TaskAsync("hr", nominated), "reject", "名额已满"));
        Assert.Equal("Rejected", rejected.GetProperty("outcome").GetString());
        Assert.Equal("Member", (await EmployeeAsync(other)).GetProperty("rank").GetString());
    }

    // ---------- appointment re-check ----------

    [Fact]
    public async Task ViolationRecordedAfterSubmission_DatedInsideTheWindow_BlocksTheAppointment_UntilWaived()
    {
        await FillVacantSeatsAsync("GroupLeader");
        var ownGroup = await NewGroupAsync();
        var (member, memberUser) = await NewPersonAsync("Member", ownGroup);
        var id = await ApplySelfAsync(memberUser, member, "GroupLeader");
        await Ok(CompleteAsync("hr", await TaskAsync("hr", id), "approve"));

        // Recorded now, dated a week before the application: the gate did not see it, the appointment must.
        var today = await TodayAsync();
        var violation = await RecordAsync("supervisor", member, Iso(today.AddDays(-7)), "R13");
        var blocked = await Ok(CompleteAsync("supervisor", await TaskAsync("supervisor", id), "approve"));
        Assert.Equal("Running", blocked.GetProperty("status").GetString());
        Assert.Equal("waitEligibility", blocked.GetProperty("currentSteps")[0].GetString());
        Assert.Equal("eligibility.changed", blocked.GetProperty("waitingFor").GetString());
        Assert.Equal("Member", (await EmployeeAsync(member)).GetProperty("rank").GetString());
        Assert.Equal(JsonValueKind.Null, (await SeatOfGroupAsync(ownGroup)).GetProperty("holderId").ValueKind);

        var appoint = (await app.HistoryAsync(id)).Single(h => h.GetProperty("kind").GetString() == "activity.completed" && h.GetProperty("step").GetString() == "appoint");
        Assert.Equal("blocked", appoint.GetProperty("action").GetString());
        Assert.Contains("R13", appoint.GetProperty("data").GetProperty("blockedReason").GetString(), StringComparison.Ordinal);
        Assert.False(appoint.GetProperty("data").GetProperty("appointmentEligibility").GetProperty("eligible").GetBoolean());

        // A dispute waives it (issue 6 raises eligibility.changed for the candidate): the re-check passes and the seat is taken.
        await RecordsData.DisputeAndDecideAsync(app, violation.GetProperty("id").GetString()!, new DisputeDecision.Waive(), await app.IdOfUserAsync("supervisor"));
        await app.SignalAsync("eligibility.changed");
        var done = await app.InstanceAsync(id);
        Assert.Equal("Approved", done.GetProperty("outcome").GetString());
        Assert.Equal(member, (await SeatOfGroupAsync(ownGroup)).GetProperty("holderId").GetString());
    }

    // ---------- vacancies, 择优, expiry ----------

    [Fact]
    public async Task TwoApprovedCandidates_OneSeat_HrPicks_TheOtherKeepsWaiting_ThenExpires()
    {
        await FillVacantSeatsAsync("GroupLeader");
        var (groupA, _, _) = await NewGroupWithLeaderAsync();
        var (groupB, _, _) = await NewGroupWithLeaderAsync();
        var (groupC, _, leaderC) = await NewGroupWithLeaderAsync();
        var (a, aUser) = await NewPersonAsync("Member", groupA);
        var (b, bUser) = await NewPersonAsync("Member", groupB);

        var idA = await ApplySelfAsync(aUser, a, "GroupLeader");
        var idB = await ApplySelfAsync(bUser, b, "GroupLeader");
        foreach (var id in new[] { idA, idB })
        {
            await Ok(CompleteAsync("hr", await TaskAsync("hr", id), "approve"));
            var waiting = await Ok(CompleteAsync("supervisor", await TaskAsync("supervisor", id), "approve"));
            Assert.Equal("waitSeat", waiting.GetProperty("currentSteps")[0].GetString());
            Assert.False(string.IsNullOrEmpty(waiting.GetProperty("data").GetProperty("waitUntil").GetString()));
        }

        // A leader seat is vacated: both wake, and HR gets a 择优 task for each.
        using var hr = await LoginAsync("hr");
        var seatC = (await SeatOfGroupAsync(groupC)).GetProperty("id").GetString()!;
        await ApiAssert.JsonAsync(await hr.PostAsync($"/api/seats/{seatC}/vacate", null));
        var pickA = await TaskAsync("hr", idA);
        var pickB = await TaskAsync("hr", idB);
        Assert.Equal("pick", pickA.GetProperty("step").GetString());
        Assert.Equal("pick", pickB.GetProperty("step").GetString());

        var picked = await Ok(CompleteAsync("hr", pickA, "approve", "择优：A"));
        Assert.Equal("Approved", picked.GetProperty("outcome").GetString());
        Assert.Equal(a, (await SeatOfGroupAsync(groupC)).GetProperty("holderId").GetString());
        Assert.Equal(groupC, (await EmployeeAsync(a)).GetProperty("groupId").GetString());

        // The seat is gone: approving B's pick puts B back to waiting, with the same deadline.
        var waitUntil = (await app.InstanceAsync(idB)).GetProperty("data").GetProperty("waitUntil").GetString();
        var again = await Ok(CompleteAsync("hr", pickB, "approve"));
        Assert.Equal("Running", again.GetProperty("status").GetString());
        Assert.Equal("waitSeat", again.GetProperty("currentSteps")[0].GetString());
        Assert.Equal(waitUntil, again.GetProperty("data").GetProperty("waitUntil").GetString());
        Assert.Equal("Member", (await EmployeeAsync(b)).GetProperty("rank").GetString());

        // 90 days later (the default VacancyWait) the waiting application expires.
        app.Clock.Advance(TimeSpan.FromDays(89));
        await app.SweepAsync();
        Assert.Equal("Running", (await app.InstanceAsync(idB)).GetProperty("status").GetString());
        app.Clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        await app.SweepAsync();
        var expired = await app.InstanceAsync(idB);
        Assert.Equal("Completed", expired.GetProperty("status").GetString());
        Assert.Equal("Expired", expired.GetProperty("outcome").GetString());
        Assert.NotEmpty(leaderC);
    }

    [Fact]
    public async Task TwoPicksRacingForOneSeat_AppointOnlyOne()
    {
        await FillVacantSeatsAsync("GroupLeader");
        var (groupA, _, _) = await NewGroupWithLeaderAsync();
        var (groupB, _, _) = await NewGroupWithLeaderAsync();
        var (groupC, _, _) = await NewGroupWithLeaderAsync();
        var (a, aUser) = await NewPersonAsync("Member", groupA);
        var (b, bUser) = await NewPersonAsync("Member", groupB);
        var ids = new[] { await ApplySelfAsync(aUser, a, "GroupLeader"), await ApplySelfAsync(bUser, b, "GroupLeader") };
        foreach (var id in ids)
        {
            await Ok(CompleteAsync("hr", await TaskAsync("hr", id), "approve"));
            await Ok(CompleteAsync("supervisor", await TaskAsync("supervisor", id), "approve"));
        }

        using var hr = await LoginAsync("hr");
        await ApiAssert.JsonAsync(await hr.PostAsync($"/api/seats/{(await SeatOfGroupAsync(groupC)).GetProperty("id").GetString()}/vacate", null));
        var picks = await Task.WhenAll(ids.Select(id => TaskAsync("hr", id)));

        // Both picks at once: both appointments see the seat vacant; the seat's version lets one commit.
        var responses = await Task.WhenAll(picks.Select(p => CompleteAsync("hr", p, "approve")));
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"{(int)r.StatusCode}"));
        var outcomes = await Task.WhenAll(ids.Select(id => app.InstanceAsync(id)));
        Assert.Single(outcomes, o => o.GetProperty("outcome").GetString() == "Approved");
        var holder = (await SeatOfGroupAsync(groupC)).GetProperty("holderId").GetString();
        Assert.Contains(holder, new[] { a, b });
        var loser = holder == a ? b : a;
        Assert.Equal("Member", (await EmployeeAsync(loser)).GetProperty("rank").GetString());

        // The loser, retried if its step was rolled back, finds no seat and keeps waiting.
        var loserId = ids[holder == a ? 1 : 0];
        if ((await app.InstanceAsync(loserId)).GetProperty("currentSteps")[0].GetString() == "pick")
        {
            await Ok(CompleteAsync("hr", await TaskAsync("hr", loserId), "approve"));
        }

        Assert.Equal("waitSeat", (await app.InstanceAsync(loserId)).GetProperty("currentSteps")[0].GetString());
        Assert.Equal(1, (await ApiAssert.JsonAsync(await hr.GetAsync("/api/seats?rank=GroupLeader"))).EnumerateArray()
            .Count(s => s.GetProperty("holderId").GetString() is { } h && (h == a || h == b)));
    }

    // ---------- helpers ----------

    private async Task<DateOnly> TodayAsync()
    {
        using var client = await LoginAsync("hr");
        var system = await ApiAssert.JsonAsync(await client.GetAsync("/api/system"));
        return DateOnly.ParseExact(system.GetProperty("today").GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

    private static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private Task<HttpClient> LoginAsync(string userName) =>
        app.LoginAsync(userName, userName.StartsWith('p') ? Password : WorkflowsApp.DemoPassword);

    /// <summary>The open task of an instance in a user's inbox (demo or test user).</summary>
    private async Task<JsonElement> TaskAsync(string userName, string instanceId)
    {
        using var client = await LoginAsync(userName);
        var inbox = await ApiAssert.JsonAsync(await client.GetAsync("/api/tasks?status=Open"));
        return inbox.EnumerateArray().Single(t => t.GetProperty("instanceId").GetString() == instanceId);
    }

    /// <summary>Records a violation through POST /api/violations as <paramref name="recorder"/> (demo or test user).</summary>
    private async Task<JsonElement> RecordAsync(string recorder, string employeeId, string occurredOn, string ruleCode = "R06")
    {
        using var client = await LoginAsync(recorder);
        return await ApiAssert.JsonAsync(await client.PostAsJsonAsync("/api/violations",
            new { employeeId, ruleCode, occurredOn, description = "测试记录 / test record" }), HttpStatusCode.Created);
    }

    /// <summary>The user name of the manager seat's holder: authority is the seat, not the demo account's rank label.</summary>
    private async Task<string> ManagerUserAsync()
    {
        using var hr = await LoginAsync("hr");
        var seat = (await ApiAssert.JsonAsync(await hr.GetAsync("/api/seats?rank=Manager"))).EnumerateArray().Single();
        var holder = seat.GetProperty("holderId").GetString() ?? (await NewPersonAsync("Manager", null)).Id;
        return (await EmployeeAsync(holder)).GetProperty("userName").GetString()!;
    }

    private Task<int> InstanceCountAsync() => app.WithDbAsync(db => db.Instances.CountAsync());

    private static Task<HttpResponseMessage> ApplyAsync(HttpClient client, string candidateId, string targetRank, string channel) =>
        client.PostAsJsonAsync("/api/promotions", new { candidateId, targetRank, channel, statement = "申请晋升 / applying" });

    private async Task<string> ApplySelfAsync(string userName, string candidateId, string targetRank)
    {
        using var client = await LoginAsync(userName);
        var instance = await ApiAssert.JsonAsync(await ApplyAsync(client, candidateId, targetRank, "Self"), HttpStatusCode.Created);
        Assert.Equal("Running", instance.GetProperty("status").GetString());
        return instance.GetProperty("id").GetString()!;
    }

    private async Task<HttpResponseMessage> CompleteAsync(string userName, JsonElement task, string action, string? comment = null, object? data = null)
    {
        using var client = await LoginAsync(userName);
        return await client.PostAsJsonAsync($"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { action, comment, data });
    }

    private static async Task<JsonElement> Ok(Task<HttpResponseMessage> response) => await ApiAssert.JsonAsync(await response);

    private async Task<JsonElement> GateSnapshotAsync(string instanceId)
    {
        var gate = (await app.HistoryAsync(instanceId)).Last(h => h.GetProperty("kind").GetString() == "activity.completed" && h.GetProperty("step").GetString() == "gate");
        return gate.GetProperty("data").GetProperty("eligibility");
    }

    private async Task<JsonElement> EmployeeAsync(string id)
    {
        using var hr = await LoginAsync("hr");
        return await ApiAssert.JsonAsync(await hr.GetAsync($"/api/employees/{id}"));
    }

    private async Task<JsonElement> SeatOfGroupAsync(string groupId)
    {
        using var hr = await LoginAsync("hr");
        var seats = await ApiAssert.JsonAsync(await hr.GetAsync("/api/seats?rank=GroupLeader"));
        return seats.EnumerateArray().Single(s => s.GetProperty("groupId").GetString() == groupId);
    }

    /// <summary>A new group; its leader seat stays vacant.</summary>
    private async Task<string> NewGroupAsync()
    {
        using var hr = await LoginAsync("hr");
        var group = await ApiAssert.JsonAsync(await hr.PostAsJsonAsync("/api/groups", new { name = "组" + Guid.NewGuid().ToString("N")[..8] }), HttpStatusCode.Created);
        return group.GetProperty("id").GetString()!;
    }

    /// <summary>A new group with a new leader holding its seat: (groupId, leader's user name, leader's id).</summary>
    private async Task<(string GroupId, string LeaderUser, string LeaderId)> NewGroupWithLeaderAsync()
    {
        var groupId = await NewGroupAsync();
        var (leaderId, leaderUser) = await NewPersonAsync("GroupLeader", groupId);
        return (groupId, leaderUser, leaderId);
    }

    /// <summary>A new employee created by HR (user names start with "p": they log in with <see cref="Password"/>).</summary>
    private async Task<(string Id, string UserName)> NewPersonAsync(string rank, string? groupId)
    {
        using var hr = await LoginAsync("hr");
        var userName = "p" + Guid.NewGuid().ToString("N")[..10];
        var created = await ApiAssert.JsonAsync(await hr.PostAsJsonAsync("/api/employees",
            new { userName, name = "测试" + userName, password = Password, rank, groupId }), HttpStatusCode.Created);
        return (created.GetProperty("id").GetString()!, userName);
    }

    /// <summary>Every vacant seat of <paramref name="rank"/> gets a new holder, so "no vacancy" holds for the test.</summary>
    private async Task FillVacantSeatsAsync(string rank)
    {
        using var hr = await LoginAsync("hr");
        var vacant = await ApiAssert.JsonAsync(await hr.GetAsync($"/api/seats?rank={rank}&vacant=true"));
        foreach (var seat in vacant.EnumerateArray())
        {
            await NewPersonAsync(rank, seat.GetProperty("groupId").GetString());
        }
    }
}

public sealed class PromotionApiTests_Sqlite(SqliteApp app) : PromotionApiTests(app), IClassFixture<SqliteApp>;

/// <summary>The same on SQLite through the EF Core step store, the one PostgreSQL uses.</summary>
public sealed class PromotionApiTests_SqliteEfCore(SqliteEfCoreApp app) : PromotionApiTests(app), IClassFixture<SqliteEfCoreApp>;

public sealed class PromotionApiTests_Postgres : PromotionApiTests, IClassFixture<PostgresApp>
{
    public PromotionApiTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}

internal static class PromotionTestExtensions
{
    /// <summary>The id of a demo or test user, by asking the API as that user.</summary>
    public static async Task<string> IdOfUserAsync(this WorkflowsApp app, string userName)
    {
        using var client = await app.LoginAsync(userName, userName.StartsWith('p') ? "Test@2026x" : WorkflowsApp.DemoPassword);
        return (await ApiAssert.JsonAsync(await client.GetAsync("/api/me"))).GetProperty("id").GetString()!;
    }
}
