using System.Net;
using Microsoft.EntityFrameworkCore;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Runtime;

/// <summary>
/// A design's <c>onWithdraw</c> activity runs inside the withdraw's transaction: its effects commit with the withdrawal,
/// and when it fails nothing is withdrawn (the instance keeps running, with an incident).
/// </summary>
public abstract class WithdrawHookTests(WorkflowsApp app)
{
    [Fact]
    public async Task Withdraw_RunsTheHookInItsTransaction_AndRollsBackWhenTheHookFails()
    {
        var id = await app.StartAsync("test.withdraw-hook", "member3c");
        using var starter = await app.LoginAsync("member3c");
        bool MarkerExists(Workflows.Host.Data.WorkflowDbContext db) => db.Groups.Any(g => g.Name == FlakyActivity.MarkerName(id));

        app.Faults.Fail = true;
        try
        {
            await ApiAssert.ProblemAsync(await starter.PostAsync($"/api/instances/{id}/withdraw", null), HttpStatusCode.ServiceUnavailable);
        }
        finally
        {
            app.Faults.Fail = false;
        }

        var failed = await app.InstanceAsync(id);
        Assert.Equal("Running", failed.GetProperty("status").GetString());
        Assert.True(failed.GetProperty("hasIncident").GetBoolean());
        Assert.False(await app.WithDbAsync(db => Task.FromResult(MarkerExists(db))));
        Assert.Equal(1, await app.WithDbAsync(db => db.Tasks.CountAsync(t => t.InstanceId == id && t.Status == Workflows.Host.Runtime.TaskState.Open)));

        var withdrawn = await ApiAssert.JsonAsync(await starter.PostAsync($"/api/instances/{id}/withdraw", null));
        Assert.Equal("Withdrawn", withdrawn.GetProperty("outcome").GetString());
        Assert.True(await app.WithDbAsync(db => Task.FromResult(MarkerExists(db))));
        var hook = (await app.HistoryAsync(id)).Last(h => h.GetProperty("kind").GetString() == "activity.completed");
        Assert.Equal("onWithdraw", hook.GetProperty("comment").GetString());
        Assert.Equal("test.flaky", hook.GetProperty("data").GetProperty("activity").GetString());
    }
}

public sealed class WithdrawHookTests_Sqlite(SqliteApp app) : WithdrawHookTests(app), IClassFixture<SqliteApp>;

/// <summary>The same on SQLite through the EF Core step store, the one PostgreSQL uses.</summary>
public sealed class WithdrawHookTests_SqliteEfCore(SqliteEfCoreApp app) : WithdrawHookTests(app), IClassFixture<SqliteEfCoreApp>;

public sealed class WithdrawHookTests_Postgres : WithdrawHookTests, IClassFixture<PostgresApp>
{
    public WithdrawHookTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
