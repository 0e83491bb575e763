using Microsoft.EntityFrameworkCore;
using Workflows.Host.Ledger;
using Workflows.Tests.Infrastructure;
using static Workflows.Tests.Violations.RecordsData;

namespace Workflows.Tests.Ledger;

/// <summary>Two closes of one month at the same time: one writes, the other answers "already closed".</summary>
public abstract class ConcurrentCloseTests(WorkflowsApp app)
{
    [Fact]
    public async Task CloseMonth_WritesOnce_WhenTwoClosesRace()
    {
        var member = await NewMemberAsync(app);
        for (var day = 1; day <= 5; day++)
        {
            await RecordAsync(app, "leader1", member, $"2026-02-0{day}", "R13", day);
        }

        using var first = await app.LoginAsync("hr");
        using var second = await app.LoginAsync("hr");
        var responses = await Task.WhenAll(first.PostAsync("/api/months/2026-02/close", null), second.PostAsync("/api/months/2026-02/close", null));
        var summaries = await Task.WhenAll(responses.Select(r => ApiAssert.JsonAsync(r)));
        Assert.Single(summaries, s => !s.GetProperty("alreadyClosed").GetBoolean());
        Assert.All(summaries, s => Assert.Equal(summaries[0].GetProperty("total").GetDecimal(), s.GetProperty("total").GetDecimal()));

        Assert.Equal(1, await app.WithDbAsync(db => db.Set<MonthClosing>().CountAsync()));
        var lines = await app.WithDbAsync(db => db.Set<ClosedStatementLine>().Where(l => l.EmployeeId == member).ToListAsync());
        Assert.Equal(5, lines.Count);
        Assert.Equal(15m, lines.Sum(l => l.Amount));
    }
}

public sealed class ConcurrentCloseTests_Sqlite(SqliteApp app) : ConcurrentCloseTests(app), IClassFixture<SqliteApp>;

public sealed class ConcurrentCloseTests_Postgres : ConcurrentCloseTests, IClassFixture<PostgresApp>
{
    public ConcurrentCloseTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
