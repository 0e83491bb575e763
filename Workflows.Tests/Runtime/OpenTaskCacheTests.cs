using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Host.Runtime;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Runtime;

/// <summary>
/// The rows a step committed for the task it opened (<see cref="OpenTaskCache"/>, SQLite only) decide its completion only
/// while they are what the database holds; changed behind the cache, the completion is answered from the database.
/// </summary>
public sealed class OpenTaskCacheTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private const string Design = "test.three-approvals";

    private OpenTaskCache Cache => app.Services.GetRequiredService<OpenTaskCache>();

    [Fact]
    public async Task AStepKeepsTheTaskItOpened_AndOneCompletionTakesIt()
    {
        var id = await app.StartAsync(Design, "member1a");
        var first = (await app.TaskInInboxAsync("leader1", id)).GetProperty("id").GetString()!;

        var kept = Cache.Take(first);
        Assert.NotNull(kept);
        Assert.Equal(id, kept.Instance.Id);
        Assert.Equal([await app.IdOfAsync("leader1")], kept.Candidates);
        Assert.Null(Cache.Take(first));

        // Taken above, so this completion reads the database; the task it opens is kept in turn.
        using var leader = await app.LoginAsync("leader1");
        await ApiAssert.JsonAsync(await leader.PostAsJsonAsync($"/api/tasks/{first}/complete", new { action = "approve" }));
        var second = (await app.TaskInInboxAsync("supervisor", id)).GetProperty("id").GetString()!;
        Assert.Equal("second", Cache.Take(second)?.Task.Step);
    }

    [Fact]
    public async Task ATaskClaimedBehindTheCache_IsRefusedAsTheDatabaseHasIt()
    {
        var id = await app.StartAsync(Design, "member1b");
        var task = (await app.TaskInInboxAsync("leader1", id)).GetProperty("id").GetString()!;
        var other = await app.IdOfAsync("supervisor");

        // Another process claims the task: the cached rows no longer match the database.
        await app.WithDbAsync(db => db.Tasks.Where(t => t.Id == task)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.AssigneeId, other).SetProperty(t => t.Version, t => t.Version + 1)));

        using var leader = await app.LoginAsync("leader1");
        var problem = await ApiAssert.ProblemAsync(await leader.PostAsJsonAsync($"/api/tasks/{task}/complete", new { action = "approve" }), HttpStatusCode.Conflict);

        Assert.Equal("Another approver has claimed this task.", problem.GetProperty("detail").GetString());
        Assert.Equal("first", (await app.InstanceAsync(id)).GetProperty("currentSteps")[0].GetString());
        Assert.DoesNotContain(await app.HistoryAsync(id), h => h.GetProperty("kind").GetString() == "task.completed");
    }

    [Fact]
    public async Task AnInstanceChangedBehindTheCache_IsCompletedFromTheDatabasesRows()
    {
        var id = await app.StartAsync(Design, "member2a");
        var task = (await app.TaskInInboxAsync("leader2", id)).GetProperty("id").GetString()!;

        // Another process records something on the instance (its version moves on, as every write does).
        await app.WithDbAsync(db => db.Instances.Where(i => i.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.HasIncident, true).SetProperty(i => i.Version, i => i.Version + 1)));

        using var leader = await app.LoginAsync("leader2");
        await ApiAssert.JsonAsync(await leader.PostAsJsonAsync($"/api/tasks/{task}/complete", new { action = "approve" }));

        // Decided on the database's row: the step resolved the incident flag it could only have seen there.
        var row = await app.WithDbAsync(db => db.Instances.AsNoTracking().SingleAsync(i => i.Id == id));
        Assert.False(row.HasIncident);
        Assert.Equal("second", row.CurrentStep);
        Assert.Single(await app.HistoryAsync(id), h => h.GetProperty("kind").GetString() == "task.completed");
    }

    [Fact]
    public async Task AnActivity_NeverRunsOnCachedRowsThatChanged()
    {
        // HR's approval runs an activity. The task is claimed behind the cache and the activity would fail: decided on
        // the cached rows, the activity would run and leave an incident; proved stale first, the answer is the claim.
        var id = await app.StartAsync(Design, "member2b");
        await CompleteAsync("leader2", id);
        await CompleteAsync("supervisor", id);
        var hrTask = (await app.TaskInInboxAsync("hr", id)).GetProperty("id").GetString()!;
        var other = await app.IdOfAsync("supervisor");
        await app.WithDbAsync(db => db.Tasks.Where(t => t.Id == hrTask)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.AssigneeId, other).SetProperty(t => t.Version, t => t.Version + 1)));

        app.Faults.Fail = true;
        try
        {
            using var hr = await app.LoginAsync("hr");
            var problem = await ApiAssert.ProblemAsync(await hr.PostAsJsonAsync($"/api/tasks/{hrTask}/complete", new { action = "approve" }), HttpStatusCode.Conflict);
            Assert.Equal("Another approver has claimed this task.", problem.GetProperty("detail").GetString());
        }
        finally
        {
            app.Faults.Fail = false;
        }

        var instance = await app.InstanceAsync(id);
        Assert.False(instance.GetProperty("hasIncident").GetBoolean());
        Assert.Equal(0, instance.GetProperty("incidents").GetArrayLength());
    }

    private async Task CompleteAsync(string user, string instanceId)
    {
        var task = (await app.TaskInInboxAsync(user, instanceId)).GetProperty("id").GetString();
        using var client = await app.LoginAsync(user);
        await ApiAssert.JsonAsync(await client.PostAsJsonAsync($"/api/tasks/{task}/complete", new { action = "approve" }));
    }
}
