using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Proofs;

/// <summary>The kinds of caller the authorization matrix asks about, each a demo account (anonymous has none).</summary>
public enum Caller
{
    Anonymous,
    Subject,
    SameGroupMember,
    OtherGroupMember,
    Leader,
    OtherLeader,
    Supervisor,
    Manager,
    HR,
    GeneralManager,
    SeniorLeadership,
}

/// <summary>
/// A realistic department state built once per host through the API: 刘洋 (member1a, the subject) has a promotion
/// application waiting for HR, a shift swap waiting for 黄磊 (member1b), a violation recorded by 周婷 (leader1) under
/// dispute at the supervisor, another undisputed violation, a dispute to withdraw, and a March statement. Every text
/// carries <see cref="Marker"/>, so an answer that leaks any of it is caught.
/// </summary>
public sealed record Scene(
    IReadOnlyDictionary<Caller, string> Ids,
    string Group1Id,
    string PromotionId,
    string PromotionTaskId,
    string SwapId,
    string SwapTaskId,
    string DisputedViolationId,
    string DisputeId,
    string DisputeTaskId,
    string UndisputedViolationId,
    string WithdrawableDisputeId,
    string SpareShiftOfSubject,
    string VacantSeatId)
{
    public const string Marker = "SCENE-机密-7f3a";

    public static readonly IReadOnlyDictionary<Caller, string?> UserNames = new Dictionary<Caller, string?>
    {
        [Caller.Anonymous] = null,
        [Caller.Subject] = "member1a",
        [Caller.SameGroupMember] = "member1b",
        [Caller.OtherGroupMember] = "member2a",
        [Caller.Leader] = "leader1",
        [Caller.OtherLeader] = "leader2",
        [Caller.Supervisor] = "supervisor",
        [Caller.Manager] = "manager",
        [Caller.HR] = "hr",
        [Caller.GeneralManager] = "gm",
        [Caller.SeniorLeadership] = "leadership",
    };

    private static readonly ConcurrentDictionary<WorkflowsApp, Lazy<Task<Scene>>> Built = new();

    public string Id(Caller caller) => Ids[caller];

    public static Task<Scene> OfAsync(WorkflowsApp app) =>
        Built.GetOrAdd(app, a => new Lazy<Task<Scene>>(() => BuildAsync(a))).Value;

    public static async Task<HttpClient> ClientAsync(WorkflowsApp app, Caller caller, bool fresh = false) =>
        UserNames[caller] is { } user ? (fresh ? await app.FreshLoginAsync(user) : await app.LoginAsync(user)) : app.CreateClient();

    private static async Task<Scene> BuildAsync(WorkflowsApp app)
    {
        var ids = new Dictionary<Caller, string>();
        foreach (var (caller, user) in UserNames)
        {
            if (user is not null)
            {
                ids[caller] = await app.IdOfAsync(user);
            }
        }

        var subject = ids[Caller.Subject];
        using var member = await app.LoginAsync("member1a");
        using var peer = await app.LoginAsync("member1b");
        using var leader = await app.LoginAsync("leader1");
        using var hr = await app.LoginAsync("hr");
        var group1 = (await ApiAssert.JsonAsync(await hr.GetAsync("/api/groups"))).EnumerateArray()
            .Single(g => g.GetProperty("name").GetString() == "一组").GetProperty("id").GetString()!;

        // A self application for group leader: eligible (clean record so far), waiting for HR to register it.
        var promotion = await CreatedIdAsync(await member.PostAsJsonAsync("/api/promotions",
            new { candidateId = subject, targetRank = "GroupLeader", channel = "Self", statement = "我想带团队 / I want to lead " + Marker }));
        var promotionTask = await OpenTaskIdAsync(hr, promotion);

        // A swap of two group-1 shifts, waiting for the counterpart; and a spare shift of the subject's.
        var shiftA = await ShiftAsync(leader, group1, "2026-03-10", subject);
        var shiftB = await ShiftAsync(leader, group1, "2026-03-11", ids[Caller.SameGroupMember]);
        var spare = await ShiftAsync(leader, group1, "2026-03-12", subject);
        var swap = await CreatedIdAsync(await member.PostAsJsonAsync("/api/shift-swaps",
            new { shiftId = shiftA, counterpartId = ids[Caller.SameGroupMember], counterpartShiftId = shiftB, reason = "家里有事 / family matters " + Marker }));
        var swapTask = await OpenTaskIdAsync(peer, swap);

        // Violations recorded by the leader: one disputed (the review goes straight to the supervisor), one not, one to withdraw.
        var disputed = await ViolationAsync(leader, subject, "R02");
        var undisputed = await ViolationAsync(leader, subject, "R05");
        var toWithdraw = await ViolationAsync(leader, subject, "R13");
        var dispute = await CreatedIdAsync(await member.PostAsJsonAsync("/api/disputes", new { violationId = disputed, reason = "记录有误 / wrong " + Marker }));
        using var supervisor = await app.LoginAsync("supervisor");
        var disputeTask = await OpenTaskIdAsync(supervisor, dispute);
        var withdrawable = await CreatedIdAsync(await member.PostAsJsonAsync("/api/disputes", new { violationId = toWithdraw, reason = "再议 / later " + Marker }));

        var seat = (await ApiAssert.JsonAsync(await hr.PostAsJsonAsync("/api/seats", new { rank = "Supervisor" }), HttpStatusCode.Created))
            .GetProperty("id").GetString()!;

        return new Scene(ids, group1, promotion, promotionTask, swap, swapTask, disputed, dispute, disputeTask, undisputed, withdrawable, spare, seat);
    }

    private static async Task<string> CreatedIdAsync(HttpResponseMessage response) =>
        (await ApiAssert.JsonAsync(response, HttpStatusCode.Created)).GetProperty("id").GetString()!;

    private static async Task<string> OpenTaskIdAsync(HttpClient client, string instanceId)
    {
        var inbox = await ApiAssert.JsonAsync(await client.GetAsync("/api/tasks?status=Open"));
        return inbox.EnumerateArray().Single(t => t.GetProperty("instanceId").GetString() == instanceId).GetProperty("id").GetString()!;
    }

    private static async Task<string> ShiftAsync(HttpClient leader, string groupId, string date, string assignee)
    {
        var shift = await CreatedIdAsync(await leader.PostAsJsonAsync("/api/shifts", new { groupId, date, start = "09:00", end = "17:00", minStaff = 1 }));
        await ApiAssert.JsonAsync(await leader.PostAsJsonAsync($"/api/shifts/{shift}/assignments", new { employeeId = assignee }), HttpStatusCode.Created);
        return shift;
    }

    private static async Task<string> ViolationAsync(HttpClient recorder, string employeeId, string rule) =>
        await CreatedIdAsync(await recorder.PostAsJsonAsync("/api/violations",
            new { employeeId, ruleCode = rule, occurredOn = "2026-03-01", description = "抽查发现 / spot check " + Marker }));
}
