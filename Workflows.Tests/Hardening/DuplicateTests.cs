using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Tests.Disputes;
using Workflows.Tests.Infrastructure;
using Workflows.Tests.Proofs;
using Workflows.Tests.Web;
using static Workflows.Tests.Violations.RecordsData;

namespace Workflows.Tests.Hardening;

/// <summary>
/// Duplicate filings (docs/domain.md §Limits): one running promotion per candidate, one running swap per requester's shift, one
/// dispute per violation — enforced by the database, answered 409 naming the running instance — and an
/// <c>Idempotency-Key</c> (or a form's hidden key) that makes a repeated request create nothing.
/// </summary>
public abstract partial class DuplicateTests(WorkflowsApp app)
{
    private const string MemberPassword = "Test@2026x";

    private static object Promotion(string candidateId, string channel = "Self") =>
        new { candidateId, targetRank = "GroupLeader", channel, statement = "我申请 / I apply" };

    private async Task<(string Id, string UserName)> NewMemberWithNameAsync()
    {
        var id = await NewMemberAsync(app);
        using var hr = await app.LoginAsync("hr");
        return (id, (await ApiAssert.JsonAsync(await hr.GetAsync($"/api/employees/{id}"))).GetProperty("userName").GetString()!);
    }

    private async Task<long> InstancesOfAsync(string subjectId, string type) =>
        await app.WithDbAsync(db => db.Instances.LongCountAsync(i => i.SubjectId == subjectId && i.Type == type));

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(6)]
    public async Task Promotion_FiledConcurrently_RunsOnce_TheOthersAre409NamingIt(int copies)
    {
        var (member, userName) = await NewMemberWithNameAsync();
        using var self = await app.LoginAsync(userName, MemberPassword);
        var answers = await Task.WhenAll(Enumerable.Range(0, copies).Select(_ => self.PostAsJsonAsync("/api/promotions", Promotion(member))));
        var created = Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Created);
        var id = (await ApiAssert.JsonAsync(created, HttpStatusCode.Created)).GetProperty("id").GetString();
        foreach (var conflict in answers.Where(a => a != created))
        {
            var problem = await ApiAssert.ProblemAsync(conflict, HttpStatusCode.Conflict);
            Assert.Equal(id, problem.GetProperty("instanceId").GetString());
        }

        Assert.Equal(1, await InstancesOfAsync(member, "promotion"));

        // Later filings too, whoever files and through whichever channel: the leader's nomination of the same candidate.
        var later = await ApiAssert.ProblemAsync(await self.PostAsJsonAsync("/api/promotions", Promotion(member)), HttpStatusCode.Conflict);
        Assert.Equal(id, later.GetProperty("instanceId").GetString());
        using var leader = await app.LoginAsync("leader1");
        var nominated = await ApiAssert.ProblemAsync(await leader.PostAsJsonAsync("/api/promotions", Promotion(member, "DepartmentRecommendation")), HttpStatusCode.Conflict);
        Assert.Equal(id, nominated.GetProperty("instanceId").GetString());
        Assert.Equal(1, await InstancesOfAsync(member, "promotion"));

        // Once it is no longer running, the candidate may file again.
        await ApiAssert.JsonAsync(await self.PostAsJsonAsync($"/api/instances/{id}/withdraw", new { reason = "改日再申请" }));
        await ApiAssert.JsonAsync(await self.PostAsJsonAsync("/api/promotions", Promotion(member)), HttpStatusCode.Created);
    }

    [Fact]
    public async Task ShiftSwap_OfOneShift_RunsOnce_SwapOrCover_ConcurrentOrLater()
    {
        var (member, userName) = await NewMemberWithNameAsync();
        var colleague = await NewMemberAsync(app);
        var third = await NewMemberAsync(app);
        using var leader = await app.LoginAsync("leader1");
        var group = await GroupIdAsync(leader, "一组");
        var shift = (await ApiAssert.JsonAsync(await leader.PostAsJsonAsync("/api/shifts",
            new { groupId = group, date = "2026-05-11", start = "09:00", end = "17:00", minStaff = 0 }), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        await ApiAssert.JsonAsync(await leader.PostAsJsonAsync($"/api/shifts/{shift}/assignments", new { employeeId = member }), HttpStatusCode.Created);

        using var requester = await app.LoginAsync(userName, MemberPassword);
        var answers = await Task.WhenAll(
            requester.PostAsJsonAsync("/api/shift-swaps", new { shiftId = shift, counterpartId = colleague, reason = "看病" }),
            requester.PostAsJsonAsync("/api/shift-swaps", new { shiftId = shift, counterpartId = third, reason = "看病" }),
            requester.PostAsJsonAsync("/api/shift-swaps", new { shiftId = shift, counterpartId = colleague, reason = "家事" }));
        var created = Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Created);
        var id = (await ApiAssert.JsonAsync(created, HttpStatusCode.Created)).GetProperty("id").GetString();
        foreach (var conflict in answers.Where(a => a != created))
        {
            Assert.Equal(id, (await ApiAssert.ProblemAsync(conflict, HttpStatusCode.Conflict)).GetProperty("instanceId").GetString());
        }

        var later = await ApiAssert.ProblemAsync(await requester.PostAsJsonAsync("/api/shift-swaps", new { shiftId = shift, counterpartId = third, reason = "再来" }),
            HttpStatusCode.Conflict);
        Assert.Equal(id, later.GetProperty("instanceId").GetString());
        Assert.Equal(1, await InstancesOfAsync(member, "shift-swap"));
    }

    /// <summary>Disputes of one violation filed at once: one runs, the others are 409 naming it, and no refused or
    /// cancelled instance is left behind.</summary>
    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    public async Task Dispute_FiledConcurrently_RunsOnce_AndLeavesNoRefusedInstance(int copies)
    {
        var team = await DisputeTeam.CreateAsync(app);
        using var hr = await app.LoginAsync("hr");
        var violation = await DisputeCalls.RecordAsync(hr, team.Member.Id, "2026-03-01", 20m);
        using var member = await team.LoginAsync(team.Member);
        var answers = await Task.WhenAll(Enumerable.Range(0, copies).Select(_ => DisputeCalls.DisputeAsync(member, violation)));
        var created = Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Created);
        var id = (await ApiAssert.JsonAsync(created, HttpStatusCode.Created)).GetProperty("id").GetString();
        foreach (var conflict in answers.Where(a => a != created))
        {
            Assert.Equal(id, (await ApiAssert.ProblemAsync(conflict, HttpStatusCode.Conflict)).GetProperty("instanceId").GetString());
        }

        var instances = await app.WithDbAsync(db => db.Instances.AsNoTracking().Where(i => i.SubjectId == team.Member.Id).Select(i => new { i.Status, i.Outcome }).ToListAsync());
        var only = Assert.Single(instances);
        Assert.Equal("Running", only.Status.ToString());
        Assert.Null(only.Outcome);
    }

    /// <summary>Every creating POST with an <c>Idempotency-Key</c>: sent twice, and twice at once, it answers the first
    /// answer again (status and body) and creates one row; the same key with another body is a 422.</summary>
    [Theory]
    [InlineData("/api/groups")]
    [InlineData("/api/employees")]
    [InlineData("/api/violations")]
    [InlineData("/api/rewards")]
    [InlineData("/api/promotions")]
    [InlineData("/api/shifts")]
    public async Task IdempotencyKey_RepeatedOrConcurrent_CreatesOnce_AndAnswersTheSame(string route)
    {
        var (caller, body, other) = await CreatingRequestAsync(route);
        using var client = await app.LoginAsync(caller);
        var key = "k-" + Guid.NewGuid().ToString("N");
        var before = await TableCounts.AllAsync(app);
        var answers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SendAsync(client, route, body, key)));
        var again = await SendAsync(client, route, body, key);
        var first = answers[0];
        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.All(answers.Append(again), a => Assert.Equal((first.Status, first.Body, first.Location), (a.Status, a.Body, a.Location)));
        var after = await TableCounts.AllAsync(app);
        var table = route switch
        {
            "/api/groups" => "\"Groups\"",
            "/api/employees" => "\"AspNetUsers\"",
            "/api/violations" => "\"Violations\"",
            "/api/rewards" => "\"Rewards\"",
            "/api/promotions" => "\"Instances\"",
            _ => "\"Shifts\"",
        };
        Assert.Equal(before[table] + 1, after[table]);
        Assert.Equal(before["\"IdempotencyRecords\""] + 1, after["\"IdempotencyRecords\""]);

        var changed = await SendAsync(client, route, other, key);
        Assert.Equal((HttpStatusCode)422, changed.Status);
        Assert.Contains("different request", changed.Body, StringComparison.Ordinal);

        // Another caller's key is theirs: the same key from someone else is a new request (refused or created, never the replay).
        using var someoneElse = await app.LoginAsync(caller == "hr" ? "manager" : "hr");
        var foreign = await SendAsync(someoneElse, route, body, key);
        Assert.NotEqual(first.Body, foreign.Body);
    }

    [Theory]
    [InlineData(65)]
    [InlineData(1000)]
    public async Task IdempotencyKey_OverItsLimit_Is400_AndWritesNothing(int length)
    {
        using var hr = await app.LoginAsync("hr");
        var before = await TableCounts.AllAsync(app);
        var answer = await SendAsync(hr, "/api/groups", $"{{\"name\":\"组{Guid.NewGuid():N}\"}}", new string('k', length));
        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("", TableCounts.Diff(before, await TableCounts.AllAsync(app)));
    }

    [Fact]
    public async Task IdempotencyKey_IsForgottenAfter24Hours()
    {
        using var hr = await app.LoginAsync("hr");
        var key = Guid.NewGuid().ToString("N");
        var body = $"{{\"name\":\"组{Guid.NewGuid():N}\"}}";
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(hr, "/api/groups", body, key)).Status);
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(hr, "/api/groups", body, key)).Status);
        app.Clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1));
        using var again = await app.LoginAsync("hr");
        var later = await SendAsync(again, "/api/groups", body, key);
        Assert.Equal(HttpStatusCode.Conflict, later.Status); // the group's name is taken: the request ran again
    }

    /// <summary>The web forms carry a key: the same form submitted twice (a double click, a refresh) files once and both
    /// answers go to the one application.</summary>
    [Fact]
    public async Task WebForm_SubmittedTwice_FilesOnce()
    {
        var (member, userName) = await NewMemberWithNameAsync();
        using var web = await WebSession.SignInAsync(app, userName, MemberPassword);
        var (_, form) = await web.GetAsync("/Promotions/New");
        var key = KeyField().Match(form).Groups[1].Value;
        Assert.NotEmpty(key);
        Dictionary<string, string> Fields() => new()
        {
            ["CandidateId"] = member, ["TargetRank"] = "GroupLeader", ["Channel"] = "Self", ["Statement"] = "希望承担更多责任", ["__IdempotencyKey"] = key,
        };
        var answers = await Task.WhenAll(web.PostFormAsync("/Promotions/New", form, Fields()), web.PostFormAsync("/Promotions/New", form, Fields()));
        using var refresh = await web.PostFormAsync("/Promotions/New", form, Fields());
        var id = await app.WithDbAsync(db => db.Instances.Where(i => i.SubjectId == member).Select(i => i.Id).SingleAsync());
        foreach (var answer in answers.Append(refresh))
        {
            Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
            Assert.Equal($"/Instances/{id}", answer.Headers.Location!.OriginalString);
        }
    }

    private async Task<(string Caller, string Body, string Other)> CreatingRequestAsync(string route)
    {
        var member = await NewMemberAsync(app);
        using var hr = await app.LoginAsync("hr");
        var group = await GroupIdAsync(hr, "一组");
        var unique = Guid.NewGuid().ToString("N")[..8];
        return route switch
        {
            "/api/groups" => ("hr", $"{{\"name\":\"组{unique}\"}}", $"{{\"name\":\"另{unique}\"}}"),
            "/api/employees" => ("hr",
                $"{{\"userName\":\"i{unique}\",\"name\":\"测试\",\"password\":\"Pass@2026x\",\"rank\":\"Member\",\"groupId\":\"{group}\"}}",
                $"{{\"userName\":\"j{unique}\",\"name\":\"测试\",\"password\":\"Pass@2026x\",\"rank\":\"Member\",\"groupId\":\"{group}\"}}"),
            "/api/violations" => ("leader1",
                $"{{\"employeeId\":\"{member}\",\"ruleCode\":\"R02\",\"occurredOn\":\"2026-03-01\",\"description\":\"x\"}}",
                $"{{\"employeeId\":\"{member}\",\"ruleCode\":\"R03\",\"occurredOn\":\"2026-03-01\",\"description\":\"x\"}}"),
            "/api/rewards" => ("supervisor", $"{{\"employeeId\":\"{member}\",\"amount\":10,\"reason\":\"r\"}}", $"{{\"employeeId\":\"{member}\",\"amount\":11,\"reason\":\"r\"}}"),
            "/api/promotions" => ("leader1",
                $"{{\"candidateId\":\"{member}\",\"targetRank\":\"GroupLeader\",\"channel\":\"DepartmentRecommendation\",\"statement\":\"s\"}}",
                $"{{\"candidateId\":\"{member}\",\"targetRank\":\"GroupLeader\",\"channel\":\"DepartmentRecommendation\",\"statement\":\"t\"}}"),
            "/api/shifts" => ("leader1", $"{{\"groupId\":\"{group}\",\"date\":\"2026-06-01\",\"start\":\"10:00\",\"end\":\"11:00\",\"minStaff\":0}}",
                $"{{\"groupId\":\"{group}\",\"date\":\"2026-06-10\",\"start\":\"08:00\",\"end\":\"09:00\",\"minStaff\":0}}"),
            _ => throw new ArgumentOutOfRangeException(nameof(route)),
        };
    }

    /// <summary>The hourly housekeeping keeps the idempotency table to a day of keys, and is harmless when run twice.</summary>
    [Fact]
    public async Task Housekeeping_ForgetsKeysAfterTheirDay_AndKeepsTodays()
    {
        var caller = await app.IdOfAsync("member1a");
        var now = app.Clock.GetUtcNow();
        var tag = Guid.NewGuid().ToString("N");
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Workflows.Host.Data.WorkflowDbContext>();
            db.Add(new Workflows.Host.Platform.IdempotencyRecord { CallerId = caller, Key = "api:old-" + tag, RequestHash = "h", CreatedAt = now.AddHours(-25) });
            db.Add(new Workflows.Host.Platform.IdempotencyRecord { CallerId = caller, Key = "api:new-" + tag, RequestHash = "h", CreatedAt = now.AddHours(-1) });
            db.Add(new Workflows.Host.Auth.RevokedSession { SessionId = "old-" + tag, UserId = caller, RevokedAt = now.AddDays(-30), ExpiresAt = now.AddMinutes(-1) });
            db.Add(new Workflows.Host.Auth.RevokedSession { SessionId = "new-" + tag, UserId = caller, RevokedAt = now, ExpiresAt = now.AddDays(1) });
            await db.SaveChangesAsync();
        }

        for (var run = 0; run < 2; run++)
        {
            await using var scope = app.Services.CreateAsyncScope();
            var purged = await scope.ServiceProvider.GetRequiredService<Workflows.Host.Platform.Housekeeping>().PurgeAsync(CancellationToken.None);
            Assert.True(run == 0 ? purged >= 2 : purged == 0, $"run {run} purged {purged}");
        }

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Workflows.Host.Data.WorkflowDbContext>();
            var keys = await db.Set<Workflows.Host.Platform.IdempotencyRecord>().Where(r => r.Key.EndsWith(tag)).Select(r => r.Key).ToListAsync();
            Assert.Equal(["api:new-" + tag], keys);
            var sessions = await db.Set<Workflows.Host.Auth.RevokedSession>().Where(r => r.SessionId.EndsWith(tag)).Select(r => r.SessionId).ToListAsync();
            Assert.Equal(["new-" + tag], sessions);
        }
    }

    private static async Task<(HttpStatusCode Status, string Body, string? Location)> SendAsync(HttpClient client, string route, string body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, route) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.Location?.OriginalString);
    }

    [GeneratedRegex("name=\"__IdempotencyKey\" value=\"([0-9a-f]+)\"")]
    private static partial Regex KeyField();
}

public sealed class DuplicateTests_Sqlite(SqliteApp app) : DuplicateTests(app), IClassFixture<SqliteApp>;

public sealed class DuplicateTests_Postgres : DuplicateTests, IClassFixture<PostgresApp>
{
    public DuplicateTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
