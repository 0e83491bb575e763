using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Definitions.Roster;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Roster;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Roster;

/// <summary>
/// The roster endpoints through HTTP and <see cref="RosterService"/> through the host's own scopes, on each
/// database lane. The tests of a class share one database and one clock: each uses its own dates (April 2026
/// onwards, one day or pair of days per test), and a test that needs a started shift puts it just after the
/// current fake time and advances the clock a little, which no other test's dates reach.
/// </summary>
public abstract class RosterApiTests(WorkflowsApp app)
{
    [Fact]
    public async Task CreateAssignAndList_ReturnsShiftsByGroupDateAndEmployee_InDateAndStartOrder()
    {
        using var leader1 = await app.LoginAsync("leader1");
        using var supervisor = await app.LoginAsync("supervisor");
        var (g1, g2) = (await GroupIdAsync("一组"), await GroupIdAsync("二组"));
        var member1a = await EmployeeIdAsync("member1a");

        var response = await leader1.PostAsJsonAsync("/api/shifts", new { groupId = g1, date = "2026-04-02", start = "14:00", end = "22:00", minStaff = 2 });
        var late = await ApiAssert.JsonAsync(response, HttpStatusCode.Created);
        Assert.Equal($"/api/shifts/{Id(late)}", response.Headers.Location?.OriginalString);
        Assert.Equal(g1, late.GetProperty("groupId").GetString());
        Assert.Equal("2026-04-02", late.GetProperty("date").GetString());
        Assert.Equal("14:00", late.GetProperty("start").GetString());
        Assert.Equal("22:00", late.GetProperty("end").GetString());
        Assert.Equal(2, late.GetProperty("minStaff").GetInt32());
        Assert.Equal(0, late.GetProperty("assigneeIds").GetArrayLength());
        Assert.Equal("2026-04-02T14:00:00+08:00", late.GetProperty("startsAt").GetString());

        var early = await CreateShiftAsync(leader1, g1, "2026-04-02", "06:00", "14:00");
        var previous = await CreateShiftAsync(leader1, g1, "2026-04-01", "22:00", "06:00");
        var otherGroup = await CreateShiftAsync(supervisor, g2, "2026-04-02", "08:00", "16:00");
        Assert.Equal("2026-04-02T06:00:00+08:00", previous.GetProperty("endsAt").GetString());

        var assigned = await ApiAssert.JsonAsync(await AssignAsync(leader1, Id(early), member1a), HttpStatusCode.Created);
        Assert.Equal([member1a], Assignees(assigned));

        // Any signed-in colleague reads the roster.
        using var member = await app.LoginAsync("member1b");
        Assert.Equal([Id(previous), Id(early), Id(late)], Ids(await ApiAssert.JsonAsync(
            await member.GetAsync($"/api/shifts?groupId={g1}&from=2026-04-01&to=2026-04-02"))));
        Assert.Equal([Id(early), Id(otherGroup), Id(late)], Ids(await ApiAssert.JsonAsync(
            await member.GetAsync("/api/shifts?from=2026-04-02&to=2026-04-02"))));
        Assert.Equal([Id(early)], Ids(await ApiAssert.JsonAsync(
            await member.GetAsync($"/api/shifts?employeeId={member1a}&from=2026-04-01&to=2026-04-02"))));
        Assert.Empty(Ids(await ApiAssert.JsonAsync(await member.GetAsync($"/api/shifts?groupId={g2}&employeeId={member1a}&from=2026-04-01&to=2026-04-02"))));

        var one = await ApiAssert.JsonAsync(await member.GetAsync($"/api/shifts/{Id(early)}"));
        Assert.Equal([member1a], Assignees(one));
        await ApiAssert.ProblemAsync(await member.GetAsync("/api/shifts/no-such-shift"), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await member.GetAsync("/api/shifts?from=2026-04-03&to=2026-04-01"), HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await member.GetAsync("/api/shifts?from=2026-13-01"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Assign_Returns422_WhenItOverlapsAnotherShift_IncludingAnOvernightShiftIntoTheMorning()
    {
        using var leader1 = await app.LoginAsync("leader1");
        var g1 = await GroupIdAsync("一组");
        var member1a = await EmployeeIdAsync("member1a");
        var night = await CreateShiftAsync(leader1, g1, "2026-04-10", "22:00", "06:00");
        var earlyMorning = await CreateShiftAsync(leader1, g1, "2026-04-11", "05:00", "13:00");
        var evening = await CreateShiftAsync(leader1, g1, "2026-04-10", "18:00", "23:00");
        var morning = await CreateShiftAsync(leader1, g1, "2026-04-11", "06:00", "14:00");
        await ApiAssert.JsonAsync(await AssignAsync(leader1, Id(night), member1a), HttpStatusCode.Created);
        var before = await RowCountsAsync();

        var problem = await ApiAssert.ProblemAsync(await AssignAsync(leader1, Id(earlyMorning), member1a), (HttpStatusCode)422);
        Assert.Contains("时间重叠的班次", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("DoubleBooking", problem.GetProperty("violations")[0].GetProperty("rule").GetString());
        await ApiAssert.ProblemAsync(await AssignAsync(leader1, Id(evening), member1a), (HttpStatusCode)422);
        Assert.Equal(before, await RowCountsAsync());

        // Back-to-back is not an overlap: the night ends at 06:00 and the morning starts then.
        await ApiAssert.JsonAsync(await AssignAsync(leader1, Id(morning), member1a), HttpStatusCode.Created);
        Assert.Equal([Id(night), Id(morning)], Ids(await ApiAssert.JsonAsync(
            await leader1.GetAsync($"/api/shifts?employeeId={member1a}&from=2026-04-10&to=2026-04-11"))));
    }

    [Fact]
    public async Task Assign_Returns422_WhenShiftHasStarted_AndCreate_Returns422_ForAShiftInThePast()
    {
        using var leader1 = await app.LoginAsync("leader1");
        var g1 = await GroupIdAsync("一组");
        var member1c = await EmployeeIdAsync("member1c");
        var (date, start) = SoonAfterNow(TimeSpan.FromMinutes(30));
        var soon = await CreateShiftAsync(leader1, g1, date, start, "23:59");

        app.Clock.Advance(TimeSpan.FromMinutes(31));
        var before = await RowCountsAsync();
        var problem = await ApiAssert.ProblemAsync(await AssignAsync(leader1, Id(soon), member1c), (HttpStatusCode)422);
        Assert.Contains("已经开始", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await ApiAssert.ProblemAsync(await leader1.PostAsJsonAsync("/api/shifts", new { groupId = g1, date, start, end = "23:59", minStaff = 1 }), (HttpStatusCode)422);
        Assert.Equal(before, await RowCountsAsync());
    }

    [Fact]
    public async Task Assign_Answers409_WhenAlreadyAssigned_404_ForUnknownShift_422_ForUnknownOrOutsideEmployee()
    {
        using var leader1 = await app.LoginAsync("leader1");
        var g1 = await GroupIdAsync("一组");
        var member1d = await EmployeeIdAsync("member1d");
        var shift = await CreateShiftAsync(leader1, g1, "2026-04-15", "08:00", "16:00");
        await ApiAssert.JsonAsync(await AssignAsync(leader1, Id(shift), member1d), HttpStatusCode.Created);
        var before = await RowCountsAsync();

        await ApiAssert.ProblemAsync(await AssignAsync(leader1, Id(shift), member1d), HttpStatusCode.Conflict);
        await ApiAssert.ProblemAsync(await AssignAsync(leader1, "no-such-shift", member1d), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await AssignAsync(leader1, Id(shift), "no-such-employee"), (HttpStatusCode)422);
        await ApiAssert.ProblemAsync(await AssignAsync(leader1, Id(shift), await EmployeeIdAsync("gm")), (HttpStatusCode)422);
        var missing = await ApiAssert.ProblemAsync(await leader1.PostAsJsonAsync($"/api/shifts/{Id(shift)}/assignments", new { }), HttpStatusCode.BadRequest);
        Assert.True(missing.GetProperty("errors").TryGetProperty("employeeId", out _));
        Assert.Equal(before, await RowCountsAsync());
    }

    [Fact]
    public async Task Authorization_OnlyTheGroupsLeader_Supervisor_Manager_AndHR_ArrangeAGroupsShifts()
    {
        var g1 = await GroupIdAsync("一组");
        var member1b = await EmployeeIdAsync("member1b");
        using var leader1 = await app.LoginAsync("leader1");
        var shift = await CreateShiftAsync(leader1, g1, "2026-04-20", "08:00", "16:00");
        var before = await RowCountsAsync();

        using var leader2 = await app.LoginAsync("leader2");
        using var member = await app.LoginAsync("member1a");
        using var gm = await app.LoginAsync("gm");
        var body = new { groupId = g1, date = "2026-04-20", start = "16:00", end = "20:00", minStaff = 1 };
        await ApiAssert.ProblemAsync(await leader2.PostAsJsonAsync("/api/shifts", body), HttpStatusCode.Forbidden);
        await ApiAssert.ProblemAsync(await member.PostAsJsonAsync("/api/shifts", body), HttpStatusCode.Forbidden);
        await ApiAssert.ProblemAsync(await gm.PostAsJsonAsync("/api/shifts", body), HttpStatusCode.Forbidden);
        await ApiAssert.ProblemAsync(await AssignAsync(leader2, Id(shift), member1b), HttpStatusCode.Forbidden);
        await ApiAssert.ProblemAsync(await AssignAsync(member, Id(shift), member1b), HttpStatusCode.Forbidden);
        Assert.Equal(before, await RowCountsAsync());

        foreach (var (user, start) in new[] { ("supervisor", "16:00"), ("manager", "17:00"), ("hr", "18:00") })
        {
            using var client = await app.LoginAsync(user);
            await ApiAssert.JsonAsync(await client.PostAsJsonAsync("/api/shifts", body with { start = start }), HttpStatusCode.Created);
        }

        using var supervisor = await app.LoginAsync("supervisor");
        await ApiAssert.JsonAsync(await AssignAsync(supervisor, Id(shift), member1b), HttpStatusCode.Created);
    }

    [Fact]
    public async Task CreateShift_RefusesBadInput_WithFieldErrors_AndWritesNothing()
    {
        using var leader1 = await app.LoginAsync("leader1");
        var g1 = await GroupIdAsync("一组");
        var before = await RowCountsAsync();

        var missing = await ApiAssert.ProblemAsync(await leader1.PostAsJsonAsync("/api/shifts", new { }), HttpStatusCode.BadRequest);
        foreach (var field in new[] { "groupId", "date", "start", "end", "minStaff" })
        {
            Assert.True(missing.GetProperty("errors").TryGetProperty(field, out _), $"errors.{field} expected");
        }

        var valid = new { groupId = g1, date = "2026-04-25", start = "08:00", end = "16:00", minStaff = 1 };
        await FieldErrorAsync(leader1, valid with { start = "8am" }, "start");
        await FieldErrorAsync(leader1, valid with { end = "25:00" }, "end");
        await FieldErrorAsync(leader1, valid with { start = "08:00:00" }, "start");
        await FieldErrorAsync(leader1, valid with { date = "2026-02-30" }, "date");
        await FieldErrorAsync(leader1, valid with { minStaff = -1 }, "minStaff");
        await ApiAssert.ProblemAsync(await leader1.PostAsJsonAsync("/api/shifts", valid with { groupId = "no-such-group" }), (HttpStatusCode)422);
        await ApiAssert.ProblemAsync(await leader1.PostAsync("/api/shifts", new StringContent("{\"groupId\":", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await leader1.PostAsync("/api/shifts", new StringContent("{\"minStaff\":\"many\"}", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        Assert.Equal(before, await RowCountsAsync());
    }

    [Fact]
    public async Task ApplyAsync_Cover_MovesTheShiftToTheCounterpart()
    {
        var (a, b) = (await EmployeeIdAsync("member2a"), await EmployeeIdAsync("member2b"));
        var shift = await ShiftWithAsync("二组", "2026-05-01", "08:00", "16:00", 1, a);
        var change = new RosterChange.Cover(a, b, Id(shift));

        Assert.IsType<CoverageResult.Ok>(await InScopeAsync((roster, _) => roster.CheckAsync(change, default)));
        Assert.Equal([a], await AssigneesAsync(shift));

        var result = await InScopeAsync(async (roster, db) =>
        {
            var r = await roster.ApplyAsync(change, default);
            await db.SaveChangesAsync();
            return r;
        });

        var ok = Assert.IsType<CoverageResult.Ok>(result);
        Assert.Equal([b], ok.ChangedShifts.Single().AssigneeIds);
        Assert.Equal([b], await AssigneesAsync(shift));
    }

    [Fact]
    public async Task ApplyAsync_Swap_ExchangesTheTwoShifts()
    {
        var (a, b, c) = (await EmployeeIdAsync("member2a"), await EmployeeIdAsync("member2b"), await EmployeeIdAsync("member2c"));
        var early = await ShiftWithAsync("二组", "2026-05-03", "06:00", "14:00", 2, a, c);
        var late = await ShiftWithAsync("二组", "2026-05-03", "14:00", "22:00", 1, b);

        var result = await InScopeAsync(async (roster, db) =>
        {
            var r = await roster.ApplyAsync(new RosterChange.Swap(a, b, Id(early), Id(late)), default);
            await db.SaveChangesAsync();
            return r;
        });

        Assert.IsType<CoverageResult.Ok>(result);
        Assert.Equal(new[] { b, c }.Order(StringComparer.Ordinal), await AssigneesAsync(early));
        Assert.Equal([a], await AssigneesAsync(late));
    }

    [Fact]
    public async Task ApplyAsync_RefusesBelowMinimumStaff_AndLeavesTheRosterUntouched()
    {
        var (a, b) = (await EmployeeIdAsync("member2a"), await EmployeeIdAsync("member2b"));
        var understaffed = await ShiftWithAsync("二组", "2026-05-05", "08:00", "16:00", 2, a);

        var violations = await RejectedAfterSaveAsync(new RosterChange.Cover(a, b, Id(understaffed)));

        Assert.Contains(violations, v => v.Rule == CoverageRule.BelowMinimumStaff);
        Assert.Equal([a], await AssigneesAsync(understaffed));
    }

    [Fact]
    public async Task ApplyAsync_RefusesDoubleBooking_ByAnOvernightShift_AndLeavesTheRosterUntouched()
    {
        var (a, b) = (await EmployeeIdAsync("member2a"), await EmployeeIdAsync("member2b"));
        var night = await ShiftWithAsync("二组", "2026-05-07", "22:00", "06:00", 1, b);
        var morning = await ShiftWithAsync("二组", "2026-05-08", "05:00", "13:00", 1, a);

        var violations = await RejectedAfterSaveAsync(new RosterChange.Cover(a, b, Id(morning)));

        Assert.Contains(violations, v => v.Rule == CoverageRule.DoubleBooking && v.EmployeeId == b);
        Assert.Equal([a], await AssigneesAsync(morning));
        Assert.Equal([b], await AssigneesAsync(night));
    }

    [Fact]
    public async Task ApplyAsync_RefusesAStartedShift()
    {
        var (a, b) = (await EmployeeIdAsync("member3a"), await EmployeeIdAsync("member3b"));
        var (date, start) = SoonAfterNow(TimeSpan.FromMinutes(20));
        var shift = await ShiftWithAsync("三组", date, start, "23:59", 1, a);
        app.Clock.Advance(TimeSpan.FromMinutes(21));

        var violations = await RejectedAfterSaveAsync(new RosterChange.Cover(a, b, Id(shift)));

        Assert.Contains(violations, v => v.Rule == CoverageRule.ShiftAlreadyStarted);
        Assert.Equal([a], await AssigneesAsync(shift));
    }

    [Fact]
    public async Task ApplyAsync_TwoConcurrentCoversOfOneShift_OnlyOneCommits()
    {
        var (a, b, c) = (await EmployeeIdAsync("member3a"), await EmployeeIdAsync("member3b"), await EmployeeIdAsync("member3c"));
        var shift = await ShiftWithAsync("三组", "2026-05-12", "08:00", "16:00", 1, a);

        // Each alone passes; together b and c would both take a's one place.
        var winners = await ApplyConcurrentlyAsync(new RosterChange.Cover(a, b, Id(shift)), new RosterChange.Cover(a, c, Id(shift)));

        var winner = Assert.Single(winners);
        Assert.Equal([winner.CounterpartId], await AssigneesAsync(shift));
    }

    [Fact]
    public async Task ApplyAsync_TwoConcurrentCoversGivingOnePersonOverlappingShifts_OnlyOneCommits()
    {
        var (a, b, c) = (await EmployeeIdAsync("member3a"), await EmployeeIdAsync("member3b"), await EmployeeIdAsync("member3c"));
        var day = await ShiftWithAsync("三组", "2026-05-14", "08:00", "16:00", 1, a);
        var overlapping = await ShiftWithAsync("三组", "2026-05-14", "12:00", "20:00", 1, b);

        // The two changes share no shift; only c's schedule ties them, and c must not end up on both.
        var winners = await ApplyConcurrentlyAsync(new RosterChange.Cover(a, c, Id(day)), new RosterChange.Cover(b, c, Id(overlapping)));

        var winner = Assert.Single(winners);
        var (won, lost, lostKeeper) = winner.RequesterId == a ? (day, overlapping, b) : (overlapping, day, a);
        Assert.Equal([c], await AssigneesAsync(won));
        Assert.Equal([lostKeeper], await AssigneesAsync(lost));
    }

    [Fact]
    public async Task ApplyAsync_InsideCallerTransactions_TwoConflictingCoversRacing_LeaveExactlyOneApplied()
    {
        var (a, b, c) = (await EmployeeIdAsync("member1a"), await EmployeeIdAsync("member1b"), await EmployeeIdAsync("member1c"));
        var day = await ShiftWithAsync("一组", "2026-05-20", "08:00", "16:00", 1, a);
        var overlapping = await ShiftWithAsync("一组", "2026-05-20", "15:00", "23:00", 1, b);
        RosterChange[] changes = [new RosterChange.Cover(a, c, Id(day)), new RosterChange.Cover(b, c, Id(overlapping))];

        // As the swap workflow will: its own transaction, apply, save, commit. Which one loses, and how, depends
        // on the provider (SQLite serializes writers, so the second re-checks and is refused; PostgreSQL lets
        // both read, so the second's commit hits the stamp): the roster must show exactly one change either way.
        var applied = await Task.WhenAll(changes.Select(change => Task.Run(async () =>
        {
            await using var scope = app.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<WorkflowDbContext>();
            try
            {
                await using var tx = await db.Database.BeginTransactionAsync();
                if (await scope.ServiceProvider.GetRequiredService<RosterService>().ApplyAsync(change, default) is not CoverageResult.Ok)
                {
                    return false;
                }

                await db.SaveChangesAsync();
                await tx.CommitAsync();
                return true;
            }
            catch (DbUpdateConcurrencyException)
            {
                return false;
            }
        })));

        var winner = Assert.Single(changes.Where((_, i) => applied[i]));
        var (won, lost, keeper) = winner.RequesterId == a ? (day, overlapping, b) : (overlapping, day, a);
        Assert.Equal([c], await AssigneesAsync(won));
        Assert.Equal([keeper], await AssigneesAsync(lost));
    }

    /// <summary>
    /// Both scopes check and stage their change on the same roster before either commits, then both commit at
    /// once: the optimistic tokens must let exactly one through. Returns the changes that committed.
    /// </summary>
    private async Task<List<RosterChange>> ApplyConcurrentlyAsync(RosterChange first, RosterChange second)
    {
        await using var scope1 = app.Services.CreateAsyncScope();
        await using var scope2 = app.Services.CreateAsyncScope();
        var staged = new List<(RosterChange Change, WorkflowDbContext Db)>();
        foreach (var (change, scope) in new[] { (first, scope1), (second, scope2) })
        {
            var result = await scope.ServiceProvider.GetRequiredService<RosterService>().ApplyAsync(change, default);
            Assert.IsType<CoverageResult.Ok>(result);
            staged.Add((change, scope.ServiceProvider.GetRequiredService<WorkflowDbContext>()));
        }

        var committed = await Task.WhenAll(staged.Select(async s =>
        {
            try
            {
                await s.Db.SaveChangesAsync();
                return true;
            }
            catch (DbUpdateConcurrencyException)
            {
                return false;
            }
        }));
        return [.. staged.Where((_, i) => committed[i]).Select(s => s.Change)];
    }

    /// <summary>Applies a change the rules refuse, saves the scope anyway, and returns the violations.</summary>
    private async Task<IReadOnlyList<CoverageViolation>> RejectedAfterSaveAsync(RosterChange change)
    {
        var before = await RowCountsAsync();
        var result = await InScopeAsync(async (roster, db) =>
        {
            var r = await roster.ApplyAsync(change, default);
            Assert.False(db.ChangeTracker.HasChanges(), "A refused change must stage nothing.");
            await db.SaveChangesAsync();
            return r;
        });
        Assert.Equal(before, await RowCountsAsync());
        return Assert.IsType<CoverageResult.Rejected>(result).Violations;
    }

    private async Task<T> InScopeAsync<T>(Func<RosterService, WorkflowDbContext, Task<T>> work)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<RosterService>(), scope.ServiceProvider.GetRequiredService<WorkflowDbContext>());
    }

    /// <summary>A shift of <paramref name="groupName"/> created and staffed through the API by the supervisor.</summary>
    private async Task<JsonElement> ShiftWithAsync(string groupName, string date, string start, string end, int minStaff, params string[] assignees)
    {
        using var supervisor = await app.LoginAsync("supervisor");
        var shift = await CreateShiftAsync(supervisor, await GroupIdAsync(groupName), date, start, end, minStaff);
        foreach (var employeeId in assignees)
        {
            await ApiAssert.JsonAsync(await AssignAsync(supervisor, Id(shift), employeeId), HttpStatusCode.Created);
        }

        return shift;
    }

    private async Task<string[]> AssigneesAsync(JsonElement shift)
    {
        using var client = await app.LoginAsync("supervisor");
        return Assignees(await ApiAssert.JsonAsync(await client.GetAsync($"/api/shifts/{Id(shift)}")));
    }

    /// <summary>A local date and HH:mm start just after the fake clock's current time.</summary>
    private (string Date, string Start) SoonAfterNow(TimeSpan ahead)
    {
        var clock = app.Services.GetRequiredService<DepartmentClock>();
        var at = clock.LocalNow.AddMinutes(1).Add(ahead);
        Assert.True(at.TimeOfDay < TimeSpan.FromHours(23), "The fake clock has run too late in the day for this test.");
        return (at.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), at.ToString("HH:mm", CultureInfo.InvariantCulture));
    }

    private static async Task<JsonElement> CreateShiftAsync(HttpClient client, string groupId, string date, string start, string end, int minStaff = 1) =>
        await ApiAssert.JsonAsync(await client.PostAsJsonAsync("/api/shifts", new { groupId, date, start, end, minStaff }), HttpStatusCode.Created);

    private static Task<HttpResponseMessage> AssignAsync(HttpClient client, string shiftId, string employeeId) =>
        client.PostAsJsonAsync($"/api/shifts/{shiftId}/assignments", new { employeeId });

    private static async Task FieldErrorAsync(HttpClient client, object body, string field)
    {
        var problem = await ApiAssert.ProblemAsync(await client.PostAsJsonAsync("/api/shifts", body), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors.{field} expected in {problem}");
    }

    private Task<(int Shifts, int Assignments)> RowCountsAsync() =>
        app.WithDbAsync(async db => (await db.Set<Shift>().CountAsync(), await db.Set<ShiftAssignment>().CountAsync()));

    private async Task<string> GroupIdAsync(string name)
    {
        using var client = await app.LoginAsync("hr");
        var groups = await ApiAssert.JsonAsync(await client.GetAsync("/api/groups"));
        return groups.EnumerateArray().Single(g => g.GetProperty("name").GetString() == name).GetProperty("id").GetString()!;
    }

    private async Task<string> EmployeeIdAsync(string userName)
    {
        using var client = await app.LoginAsync("hr");
        var employees = await ApiAssert.JsonAsync(await client.GetAsync("/api/employees"));
        return employees.EnumerateArray().Single(e => e.GetProperty("userName").GetString() == userName).GetProperty("id").GetString()!;
    }

    private static string Id(JsonElement shift) => shift.GetProperty("id").GetString()!;

    private static string[] Ids(JsonElement shifts) => [.. shifts.EnumerateArray().Select(Id)];

    private static string[] Assignees(JsonElement shift) => [.. shift.GetProperty("assigneeIds").EnumerateArray().Select(e => e.GetString()!)];
}

public sealed class RosterApiTests_Sqlite(SqliteApp app) : RosterApiTests(app), IClassFixture<SqliteApp>;

public sealed class RosterApiTests_Postgres : RosterApiTests, IClassFixture<PostgresApp>
{
    public RosterApiTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
