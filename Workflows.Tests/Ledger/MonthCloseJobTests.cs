using Hangfire;
using Hangfire.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Definitions.Ledger;
using Workflows.Host.Ledger;
using Workflows.Tests.Infrastructure;
using static Workflows.Tests.Violations.RecordsData;

namespace Workflows.Tests.Ledger;

/// <summary>The recurring month close: registered at start, and idempotent when run by hand (the Hangfire server is off).
/// The clock only moves forward in this class, and only the last steps of the job story move it.</summary>
public abstract class MonthCloseJobTests(WorkflowsApp app)
{
    [Fact]
    public void MonthCloseJob_IsRegisteredAtStart_WithTheDefaultCronInTheDepartmentsTimeZone()
    {
        using var connection = app.Services.GetRequiredService<JobStorage>().GetConnection();
        var job = Assert.Single(connection.GetRecurringJobs(), j => j.Id == LedgerSetup.MonthCloseJobId);
        Assert.Equal("0 2 1 * *", job.Cron);
        Assert.Equal(typeof(MonthCloseJob), job.Job.Type);
        Assert.True(TimeZoneInfo.FindSystemTimeZoneById(job.TimeZoneId).BaseUtcOffset == TimeSpan.FromHours(8), job.TimeZoneId);
    }

    [Fact]
    public async Task MonthCloseJob_ClosesThePreviousMonthOnce_WhenRunTwice()
    {
        var member = await NewMemberAsync(app);
        await RecordAsync(app, "leader1", member, "2026-02-14", "R06", 12m);
        await RewardAsync(app, member, 2m, "2026-02-15");

        await RunJobAsync();
        var afterFirst = await LedgerRowsAsync(app);
        var closing = await app.WithDbAsync(db => db.Set<MonthClosing>().AsNoTracking().SingleAsync(m => m.Month == "2026-02"));
        Assert.Equal(LedgerService.SystemActor, closing.ClosedBy);
        Assert.Equal(2, await app.WithDbAsync(db => db.Set<ClosedStatementLine>().CountAsync(l => l.EmployeeId == member)));

        await RunJobAsync();
        Assert.Equal(afterFirst, await LedgerRowsAsync(app));
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<MonthClosing>().CountAsync(m => m.Month == "2026-03")));

        using var hr = await app.LoginAsync("hr");
        var statement = Assert.Single((await ApiAssert.JsonAsync(await hr.GetAsync($"/api/statements?employeeId={member}&month=2026-02"))).EnumerateArray());
        Assert.Equal("Closed", statement.GetProperty("status").GetString());
        Assert.Equal(10m, statement.GetProperty("total").GetDecimal());

        // Missed runs: on 1 May the job closes April, and March first, still open, in order.
        await RecordAsync(app, "leader1", member, "2026-03-02", "R01", 4m);
        app.Clock.SetUtcNow(new DateTimeOffset(2026, 4, 30, 18, 0, 0, TimeSpan.Zero)); // 2026-05-01 02:00 in Shanghai
        await RunJobAsync();
        var months = await app.WithDbAsync(db => db.Set<MonthClosing>().OrderBy(m => m.Month).Select(m => m.Month).ToListAsync());
        Assert.Equal(["2026-02", "2026-03", "2026-04"], months);
        // (Two months on, the demo bearer tokens have expired: read through the service instead.)
        await InScopeAsync(app, async (_, ledger) =>
        {
            var march = await ledger.StatementAsync(member, new LedgerMonth(2026, 3), CancellationToken.None);
            Assert.True(march.Closed);
            Assert.Equal(4m, march.Statement.Total);
        });
    }

    private async Task RunJobAsync()
    {
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<MonthCloseJob>().ClosePreviousMonthAsync(CancellationToken.None);
    }
}

public sealed class MonthCloseJobTests_Sqlite(SqliteApp app) : MonthCloseJobTests(app), IClassFixture<SqliteApp>;

public sealed class MonthCloseJobTests_Postgres : MonthCloseJobTests, IClassFixture<PostgresApp>
{
    public MonthCloseJobTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
