using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Definitions.Engine;
using Workflows.Host.Runtime;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Promotion;

/// <summary>
/// A vacancy wakes only whom it concerns (docs/domain.md §What every workflow shares): the applications waiting for a seat of that rank; a seat change
/// of another rank — a new group's leader seat included — wakes nobody, and a wake that changes nothing writes nothing.
/// </summary>
public abstract class VacancyWakeTests(WorkflowsApp app)
{
    private const string Password = "Test@2026x";

    [Fact]
    public async Task FiftyUnrelatedSeatChanges_LeaveAWaitingApplicationsHistoryAlone_ARelevantOneWakesIt()
    {
        await FillVacantSeatsAsync("Supervisor");
        var groupId = await NewGroupAsync();
        await NewPersonAsync("GroupLeader", groupId);
        var (a, aUser) = await NewPersonAsync("Member", groupId);
        var waited = await WaitingForASupervisorSeatAsync(aUser, a);
        var rows = await HistoryCountAsync(waited);
        var version = await VersionAsync(waited);
        var signals = await VacancySignalsAsync();

        // 50 seat changes of another rank: 25 new groups (each with its vacant leader seat), 25 of those seats filled and vacated again.
        using (var hr = await LoginAsync("hr"))
        {
            for (var i = 0; i < 25; i++)
            {
                var group = await NewGroupAsync();
                var (leader, _) = await NewPersonAsync("GroupLeader", group);
                var seat = (await ApiAssert.JsonAsync(await hr.GetAsync("/api/seats?rank=GroupLeader"))).EnumerateArray()
                    .Single(s => s.GetProperty("holderId").GetString() == leader).GetProperty("id").GetString();
                await ApiAssert.JsonAsync(await hr.PostAsync($"/api/seats/{seat}/vacate", null));
            }
        }

        await app.SweepAsync();
        Assert.Equal(signals + 50, await VacancySignalsAsync());

        // Compared with an application that waited through none of them: the same history, and no version moved.
        var (b, bUser) = await NewPersonAsync("Member", groupId);
        var fresh = await WaitingForASupervisorSeatAsync(bUser, b);
        Assert.Equal(rows, await HistoryCountAsync(waited));
        Assert.Equal(await HistoryCountAsync(fresh), await HistoryCountAsync(waited));
        Assert.Equal(version, await VersionAsync(waited));
        Assert.DoesNotContain(await app.HistoryAsync(waited), h => h.GetProperty("kind").GetString() == "signal.received");

        // A supervisor seat opens: both wake, and HR gets a 择优 task for each.
        using (var hr = await LoginAsync("hr"))
        {
            await ApiAssert.JsonAsync(await hr.PostAsJsonAsync("/api/seats", new { rank = "Supervisor" }), HttpStatusCode.Created);
        }

        foreach (var id in new[] { waited, fresh })
        {
            Assert.Equal("pick", (await TaskAsync("hr", id)).GetProperty("step").GetString());
            Assert.Contains(await app.HistoryAsync(id), h => h.GetProperty("kind").GetString() == "signal.received");
        }
    }

    [Fact]
    public async Task AWakeThatChangesNothing_WritesNothing()
    {
        await FillVacantSeatsAsync("Supervisor");
        var groupId = await NewGroupAsync();
        await NewPersonAsync("GroupLeader", groupId);
        var (a, aUser) = await NewPersonAsync("Member", groupId);
        var waiting = await WaitingForASupervisorSeatAsync(aUser, a);
        var rows = await HistoryCountAsync(waiting);
        var version = await VersionAsync(waiting);
        var timers = await app.WithDbAsync(db => db.Timers.Where(t => t.InstanceId == waiting).Select(t => new { t.Id, t.CancelledAt }).ToListAsync());

        // Delivered straight to it while no supervisor seat is vacant: it would only go back to waiting, so nothing is kept.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var runner = scope.ServiceProvider.GetRequiredService<WorkflowRunner>();
            var data = WorkflowVariables.Of(("seatId", "elsewhere"), ("rank", "Supervisor"));
            Assert.False(await runner.DeliverSignalAsync(waiting, "seat.vacated", data, CancellationToken.None));
        }

        Assert.Equal(rows, await HistoryCountAsync(waiting));
        Assert.Equal(version, await VersionAsync(waiting));
        Assert.Equal(timers.Count, await app.WithDbAsync(db => db.Timers.CountAsync(t => t.InstanceId == waiting)));
        Assert.All(await app.WithDbAsync(db => db.Timers.Where(t => t.InstanceId == waiting).ToListAsync()),
            t => Assert.Equal(timers.Single(x => x.Id == t.Id).CancelledAt, t.CancelledAt));
        var instance = await app.InstanceAsync(waiting);
        Assert.Equal("waitSeat", instance.GetProperty("currentSteps")[0].GetString());
        Assert.Equal("seat.vacated", instance.GetProperty("waitingFor").GetString());
    }

    [Fact]
    public async Task ALeaderSeat_WakesItsOwnGroupsCandidatesFirst_AndOnlyApplicationsForGroupLeader()
    {
        await FillVacantSeatsAsync("GroupLeader");
        await FillVacantSeatsAsync("Supervisor");
        var groupA = await NewGroupAsync();
        var (leaderA, _) = await NewPersonAsync("GroupLeader", groupA);
        var groupB = await NewGroupAsync();
        var (leaderB, _) = await NewPersonAsync("GroupLeader", groupB);
        var (a, aUser) = await NewPersonAsync("Member", groupA);
        var (b, bUser) = await NewPersonAsync("Member", groupB);
        var (s, sUser) = await NewPersonAsync("Member", groupA);
        var forA = await WaitingForALeaderSeatAsync(aUser, a);
        var forB = await WaitingForALeaderSeatAsync(bUser, b);
        var forSupervisor = await WaitingForASupervisorSeatAsync(sUser, s);

        // Group B's leader seat is vacant (set aside without a signal, so the audience can be asked directly).
        await app.WithDbAsync(async db =>
        {
            var seat = await db.Seats.SingleAsync(x => x.HolderId == leaderB);
            seat.Vacate(app.Clock.GetUtcNow());
            return await db.SaveChangesAsync();
        });

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Workflows.Host.Data.WorkflowDbContext>();
        var audience = scope.ServiceProvider.GetServices<ISignalAudience>().Single(x => x.Signal == "seat.vacated");
        var waiting = new[] { forA, forSupervisor, forB };
        Assert.Equal([forB, forA], await audience.SelectAsync(db, waiting, WorkflowVariables.Of(("rank", "GroupLeader"), ("groupId", groupB)), CancellationToken.None));
        Assert.Equal([forA, forB], await audience.SelectAsync(db, waiting, WorkflowVariables.Of(("rank", "GroupLeader"), ("groupId", groupA)), CancellationToken.None));
        // No supervisor seat is vacant: a supervisor vacancy that was taken again concerns nobody.
        Assert.Empty(await audience.SelectAsync(db, waiting, WorkflowVariables.Of(("rank", "Supervisor")), CancellationToken.None));
        Assert.NotEmpty(leaderA);
    }

    // ---------- helpers ----------

    /// <summary>A member's application to GroupLeader, approved; with no vacant leader seat it waits.</summary>
    private async Task<string> WaitingForALeaderSeatAsync(string userName, string candidateId)
    {
        string id;
        using (var client = await LoginAsync(userName))
        {
            id = (await ApiAssert.JsonAsync(await client.PostAsJsonAsync("/api/promotions",
                new { candidateId, targetRank = "GroupLeader", channel = "Self", statement = "申请" }), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        }

        await CompleteOkAsync("hr", await TaskAsync("hr", id), "approve");
        await CompleteOkAsync("supervisor", await TaskAsync("supervisor", id), "approve");
        Assert.Equal("waitSeat", (await app.InstanceAsync(id)).GetProperty("currentSteps")[0].GetString());
        return id;
    }

    private Task<HttpClient> LoginAsync(string userName) =>
        app.LoginAsync(userName, userName.StartsWith('p') ? Password : WorkflowsApp.DemoPassword);

    /// <summary>A member's skip-level application to Supervisor, approved all the way; with no vacant supervisor seat it waits.</summary>
    private async Task<string> WaitingForASupervisorSeatAsync(string userName, string candidateId)
    {
        string id;
        using (var client = await LoginAsync(userName))
        {
            id = (await ApiAssert.JsonAsync(await client.PostAsJsonAsync("/api/promotions", new
            {
                candidateId, targetRank = "Supervisor", channel = "Self", statement = "越级", justification = "突出贡献 / outstanding contribution",
            }), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        }

        await CompleteOkAsync("hr", await TaskAsync("hr", id), "approve");
        await CompleteOkAsync("hr", await TaskAsync("hr", id), "approve");
        await CompleteOkAsync("manager", await TaskAsync("manager", id), "approve");
        await CompleteOkAsync("gm", await TaskAsync("gm", id), "approve");
        var instance = await app.InstanceAsync(id);
        Assert.Equal("waitSeat", instance.GetProperty("currentSteps")[0].GetString());
        return id;
    }

    private Task<int> VacancySignalsAsync() => app.WithDbAsync(db => db.Signals.CountAsync(s => s.Name == "seat.vacated"));

    private Task<int> HistoryCountAsync(string instanceId) => app.WithDbAsync(db => db.History.CountAsync(h => h.InstanceId == instanceId));

    private Task<long> VersionAsync(string instanceId) => app.WithDbAsync(db => db.Instances.Where(i => i.Id == instanceId).Select(i => i.Version).SingleAsync());

    private async Task<JsonElement> TaskAsync(string userName, string instanceId)
    {
        using var client = await LoginAsync(userName);
        var inbox = await ApiAssert.JsonAsync(await client.GetAsync("/api/tasks?status=Open"));
        return inbox.EnumerateArray().Single(t => t.GetProperty("instanceId").GetString() == instanceId);
    }

    private async Task CompleteOkAsync(string userName, JsonElement task, string action)
    {
        using var client = await LoginAsync(userName);
        await ApiAssert.JsonAsync(await client.PostAsJsonAsync($"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { action }));
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

public sealed class VacancyWakeTests_Sqlite(SqliteApp app) : VacancyWakeTests(app), IClassFixture<SqliteApp>;

public sealed class VacancyWakeTests_Postgres : VacancyWakeTests, IClassFixture<PostgresApp>
{
    public VacancyWakeTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
