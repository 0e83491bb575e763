using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Definitions.Engine;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Runtime;
using Workflows.Tests.Infrastructure;
using Workflows.Tests.Web;

namespace Workflows.Tests.Runtime;

/// <summary>
/// HR's history search (<c>GET /api/instances</c>, the History page) against a scene with known answers: 600 instances,
/// starts that tie (the id decides), an actor whose entries come in another order than the starts and hundreds of whose
/// entries share one instant (a chunk of the actor's index all at one time), and a member who sees only some of them.
/// Every page is compared with the answer worked out here from the scene: the order, the total, deep pages, the page
/// past the last, and what a member may see.
/// </summary>
public abstract class InstanceSearchTests(WorkflowsApp app)
{
    private const int Count = 600;
    private const string ActorA = "s20-actor-a", ActorB = "s20-actor-b", Nobody = "s20-nobody", Alpha = "s20.alpha", Beta = "s20.beta";

    [Fact]
    public async Task SearchByActor_EveryPage_IsTheKnownAnswer_ForHr()
    {
        var scene = await SceneAsync();
        using var hr = await app.LoginAsync("hr");
        foreach (var pageSize in new[] { 50, 7, 200 })
        {
            await AssertEveryPageAsync(hr, $"actorId={ActorA}", pageSize, scene.Where(i => i.Actors.Contains(ActorA)));
        }

        await AssertEveryPageAsync(hr, $"actorId={ActorB}", 50, scene.Where(i => i.Actors.Contains(ActorB)));
        await AssertEveryPageAsync(hr, $"actorId={ActorA}&type={Alpha}&status=Completed", 50,
            scene.Where(i => i.Actors.Contains(ActorA) && i.Type == Alpha && i.Status == InstanceStatus.Completed));
        var (from, to) = (Local(scene[100].StartedAt), Local(scene[400].StartedAt));
        await AssertEveryPageAsync(hr, $"actorId={ActorA}&from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}", 50,
            scene.Where(i => i.Actors.Contains(ActorA) && Local(i.StartedAt) >= from && Local(i.StartedAt) <= to));
        await AssertEveryPageAsync(hr, $"actorId={Nobody}", 50, []);
    }

    [Fact]
    public async Task SearchByTypeStatusAndDates_EveryPage_IsTheKnownAnswer_ForHr()
    {
        var scene = await SceneAsync();
        using var hr = await app.LoginAsync("hr");
        await AssertEveryPageAsync(hr, $"type={Beta}&status=Completed", 50, scene.Where(i => i.Type == Beta && i.Status == InstanceStatus.Completed));
        await AssertEveryPageAsync(hr, $"type={Beta}&status=Completed", 9, scene.Where(i => i.Type == Beta && i.Status == InstanceStatus.Completed));
        var (from, to) = (Local(scene[50].StartedAt), Local(scene[500].StartedAt));
        await AssertEveryPageAsync(hr, $"type={Alpha}&from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}", 50,
            scene.Where(i => i.Type == Alpha && Local(i.StartedAt) >= from && Local(i.StartedAt) <= to));
        await AssertEveryPageAsync(hr, $"type={Alpha}&status=Cancelled", 50, []);
    }

    [Fact]
    public async Task Search_ForAMember_FindsOnlyWhatTheyMaySee_InTheSameOrder()
    {
        var scene = await SceneAsync();
        var member = await app.IdOfAsync("member2b");
        using var client = await app.LoginAsync("member2b");
        var visible = scene.Where(i => i.SubjectId == member || i.Actors.Contains(member)).ToList();
        await AssertEveryPageAsync(client, $"actorId={ActorA}", 50, visible.Where(i => i.Actors.Contains(ActorA)));
        await AssertEveryPageAsync(client, $"actorId={ActorA}", 200, visible.Where(i => i.Actors.Contains(ActorA)));
        await AssertEveryPageAsync(client, $"actorId={ActorB}&type={Beta}", 50, visible.Where(i => i.Actors.Contains(ActorB) && i.Type == Beta));
        await AssertEveryPageAsync(client, $"type={Alpha}&status=Completed", 50, visible.Where(i => i.Type == Alpha && i.Status == InstanceStatus.Completed));
    }

    [Fact]
    public async Task Search_CountsAndReadsAPage_InOneStatement_AndAnActorsPageInTwo()
    {
        var scene = await SceneAsync();
        using var counter = new CommandCounter(app.ConnectionString);
        async Task<(int Commands, SearchPage Page)> CountedAsync(InstanceSearch search, int page)
        {
            await using var scope = app.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<WorkflowDbContext>();
            var clock = scope.ServiceProvider.GetRequiredService<DepartmentClock>();
            counter.Reset();
            counter.Listening = true;
            var found = await search.FindAsync(db, db.Instances.AsNoTracking(), clock, everyInstance: true, page, 50, CancellationToken.None);
            counter.Listening = false;
            return (counter.Count, found);
        }

        var beta = Expected(scene.Where(i => i.Type == Beta && i.Status == InstanceStatus.Completed));
        var (commands, page) = await CountedAsync(new InstanceSearch(Beta, InstanceStatus.Completed), 3);
        Assert.Equal(1, commands);
        Assert.Equal(beta.Count, page.Total);
        Assert.Equal(beta.Skip(100).Take(50), page.Rows.Select(r => r.Id));

        // ActorB's few entries are read in one chunk; the page and the count in a second statement.
        var byB = Expected(scene.Where(i => i.Actors.Contains(ActorB)));
        (commands, page) = await CountedAsync(new InstanceSearch(ActorIds: [ActorB]), 1);
        Assert.Equal(2, commands);
        Assert.Equal(byB.Count, page.Total);
        Assert.Equal(byB.Take(50), page.Rows.Select(r => r.Id));
    }

    [Fact]
    public async Task HistoryPage_PastTheLastPage_ShowsTheLastPage()
    {
        var scene = await SceneAsync();
        var beta = Expected(scene.Where(i => i.Type == Beta && i.Status == InstanceStatus.Completed));
        using var hr = await WebSession.SignInAsync(app, "hr");
        var (status, body) = await hr.GetAsync($"/History?type={Beta}&status=Completed&p=99");
        Assert.Equal(HttpStatusCode.OK, status);
        var lastPage = beta.Skip((beta.Count - 1) / 25 * 25).ToList();
        Assert.All(lastPage, id => Assert.Contains(id, body, StringComparison.Ordinal));
        Assert.DoesNotContain(beta[0], body, StringComparison.Ordinal);
    }

    private sealed record Planned(string Id, string Type, InstanceStatus Status, string SubjectId, DateTimeOffset StartedAt, List<string> Actors);

    /// <summary>Newest first, ties by id (ids are GUIDs: every collation orders them as their characters do).</summary>
    private static List<string> Expected(IEnumerable<Planned> matching) =>
        [.. matching.OrderByDescending(i => i.StartedAt).ThenBy(i => i.Id, StringComparer.Ordinal).Select(i => i.Id)];

    private static DateOnly Local(DateTimeOffset at) => DateOnly.FromDateTime(at.ToOffset(TimeSpan.FromHours(8)).DateTime);

    /// <summary>Every page of <paramref name="filter"/>, one past the last and two far ones (the deepest an offset holds, and beyond): rows, order and total as worked out.</summary>
    private static async Task AssertEveryPageAsync(HttpClient client, string filter, int pageSize, IEnumerable<Planned> matching)
    {
        var expected = Expected(matching);
        var pages = Math.Max(1, (expected.Count + pageSize - 1) / pageSize);
        foreach (var page in Enumerable.Range(1, pages + 1).Append(int.MaxValue / pageSize).Append(1_000_000_000))
        {
            var response = await client.GetAsync($"/api/instances?{filter}&page={page}&pageSize={pageSize}");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{filter}, page {page} of {pageSize}: {response.StatusCode}");
            var body = await ApiAssert.JsonAsync(response);
            var ids = body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()).ToList();
            var want = page > pages ? [] : expected.Skip((page - 1) * pageSize).Take(pageSize).ToList();
            Assert.True(want.SequenceEqual(ids), $"{filter}, page {page} of {pageSize}: expected [{string.Join(", ", want)}], got [{string.Join(", ", ids)}]");
            Assert.Equal(expected.Count, body.GetProperty("total").GetInt32());
        }
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<WorkflowsApp, Task<List<Planned>>> Scenes = new();

    /// <summary>The scene of this host, written once: the class's tests share it and only read.</summary>
    private Task<List<Planned>> SceneAsync() => Scenes.GetValue(app, CreateSceneAsync);

    /// <summary>
    /// The scene, written as the bench writes a company (rows, not the runner), a year back from the fake now. Every fifth
    /// instance starts at the same instant as the one before it. ActorA acts on all but every thirteenth: on the even ones
    /// hours to days after the start, so in another order than the starts (on every tenth twice), on the odd ones all at one
    /// instant after every start (more entries than a chunk of the walk); ActorB on every eleventh. The member is the
    /// subject of every fourth and acted on every seventh.
    /// </summary>
    private static async Task<List<Planned>> CreateSceneAsync(WorkflowsApp app)
    {
        var member = await app.IdOfAsync("member2b");
        // A state the API can read back, from an instance the runner started (not of the scene's types or people).
        var real = await app.StartAsync("test.three-approvals", "member1a");
        var state = await app.WithDbAsync(async db => (await db.Instances.SingleAsync(i => i.Id == real)).StateJson);
        var first = app.Clock.GetUtcNow().AddDays(-400);
        var plans = new List<Planned>();
        for (var k = 0; k < Count; k++)
        {
            var started = k % 5 == 1 ? plans[k - 1].StartedAt : first.AddHours(13 * k);
            var actors = new List<string>();
            if (k % 13 != 12)
            {
                actors.Add(ActorA);
            }

            if (k % 11 == 0)
            {
                actors.Add(ActorB);
            }

            if (k % 7 == 0)
            {
                actors.Add(member);
            }

            plans.Add(new Planned(Guid.NewGuid().ToString(), k % 3 == 0 ? Alpha : Beta, k % 4 == 3 ? InstanceStatus.Running : InstanceStatus.Completed,
                k % 4 == 0 ? member : "s20-subject", started, actors));
        }

        var bulkInstant = plans.Max(p => p.StartedAt).AddDays(30);
        await app.WithDbAsync(async db =>
        {
            for (var k = 0; k < Count; k++)
            {
                var p = plans[k];
                db.Instances.Add(new WorkflowInstance
                {
                    Id = p.Id, Number = 50_000_000 + k, Type = p.Type, DesignName = "test.three-approvals", DesignVersion = 1, Status = p.Status,
                    Outcome = p.Status == InstanceStatus.Completed ? "Approved" : null, SubjectId = p.SubjectId, StartedBy = p.SubjectId,
                    StartedAt = p.StartedAt, CompletedAt = p.Status == InstanceStatus.Completed ? p.StartedAt.AddDays(60) : null, StateJson = state,
                });
                var seq = 0;
                void Entry(DateTimeOffset at, string? actor, string kind) =>
                    db.History.Add(new HistoryEntry { InstanceId = p.Id, Seq = ++seq, At = at, Kind = kind, ActorId = actor, Action = actor is null ? null : "approve" });
                Entry(p.StartedAt, null, "instance.started");
                var byA = p.Actors.Contains(ActorA);
                if (byA && k % 2 == 1)
                {
                    Entry(bulkInstant, ActorA, "task.completed");
                }
                else if (byA)
                {
                    Entry(p.StartedAt.AddHours(k * 37 % 50 * 3), ActorA, "task.completed");
                    if (k % 10 == 0)
                    {
                        Entry(p.StartedAt.AddDays(40), ActorA, "task.completed");
                    }
                }

                if (k % 11 == 0)
                {
                    Entry(p.StartedAt.AddHours(5), ActorB, "task.completed");
                }

                if (k % 7 == 0)
                {
                    Entry(p.StartedAt.AddHours(1), member, "task.completed");
                }
            }

            await db.SaveChangesAsync();
            return 0;
        });

        return plans;
    }
}

public sealed class InstanceSearchTests_Sqlite(SqliteApp app) : InstanceSearchTests(app), IClassFixture<SqliteApp>;

public sealed class InstanceSearchTests_Postgres : InstanceSearchTests, IClassFixture<PostgresApp>
{
    public InstanceSearchTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
