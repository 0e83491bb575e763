using Microsoft.EntityFrameworkCore;
using Workflows.Definitions.Ledger;
using Workflows.Host.Violations;
using Workflows.Tests.Infrastructure;
using static Workflows.Tests.Violations.RecordsData;
using Workflows.Definitions.Disputes;

namespace Workflows.Tests.Ledger;

/// <summary>
/// What happens after a month is closed: late records go to the next open month, and a dispute decided on a frozen
/// penalty posts an adjustment. One scenario per test, each in one story, because closing is global to the database.
/// </summary>
public abstract class ClosedMonthTests(WorkflowsApp app)
{
    [Fact]
    public async Task ClosedMonth_NeverChanges_LateRecordsAndDisputeEffectsGoToTheNextOpenMonth()
    {
        var member = await NewMemberAsync(app, "三组");
        var frozen = (await RecordAsync(app, "leader3", member, "2026-02-05", "R06", 20m)).GetProperty("id").GetString()!;
        var waivedBeforeClose = (await RecordAsync(app, "leader3", member, "2026-02-06", "R07", 25m)).GetProperty("id").GetString()!;
        var untouched = (await RecordAsync(app, "leader3", member, "2026-02-07", "R08", 10m)).GetProperty("id").GetString()!;
        var supervisorId = await IdOfAsync(app, "supervisor");

        // Decided while February is open: nothing stored, the open statement just loses the line.
        var early = Assert.IsType<DisputeResolution.Resolved>(await DisputeAndDecideAsync(app, waivedBeforeClose, new DisputeDecision.Waive(), supervisorId));
        Assert.Null(early.AdjustmentAmount);
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<Workflows.Host.Ledger.LedgerAdjustment>().CountAsync(a => a.ViolationId == waivedBeforeClose)));

        using var hr = await app.LoginAsync("hr");
        var open = System.Text.Json.JsonDocument.Parse(await StatementJsonAsync(hr, member, "2026-02")).RootElement;
        Assert.Equal("Open", open.GetProperty("status").GetString());
        Assert.Equal([frozen, untouched], open.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("violationId").GetString()));
        await ApiAssert.JsonAsync(await hr.PostAsync("/api/months/2026-02/close", null));
        var closed = await StatementJsonAsync(hr, member, "2026-02");
        var closedStatement = System.Text.Json.JsonDocument.Parse(closed).RootElement;
        Assert.Equal("Closed", closedStatement.GetProperty("status").GetString());
        Assert.Equal(30m, closedStatement.GetProperty("total").GetDecimal()); // 20 + 10; the waived 25 is gone

        // A violation dated in February, recorded after the close, is charged to March.
        var late = (await RecordAsync(app, "leader3", member, "2026-02-20", "R02", 30m)).GetProperty("id").GetString()!;
        Assert.Equal(closed, await StatementJsonAsync(hr, member, "2026-02"));
        var march = Assert.Single((await ApiAssert.JsonAsync(await hr.GetAsync($"/api/statements?employeeId={member}&month=2026-03"))).EnumerateArray());
        Assert.Equal("Open", march.GetProperty("status").GetString());
        var line = Assert.Single(march.GetProperty("lines").EnumerateArray());
        Assert.Equal(late, line.GetProperty("violationId").GetString());
        Assert.Equal(30m, march.GetProperty("total").GetDecimal());

        // The dispute window: open 7 days after the close, a penalty in an open month is always disputable.
        Assert.Equal(new DateOnly(2026, 3, 9), Assert.IsType<DisputeAdmission.Open>(await AdmissionAsync(frozen)).OpenUntil);
        Assert.Null(Assert.IsType<DisputeAdmission.Open>(await AdmissionAsync(late)).OpenUntil);

        // Reduced after the close: February keeps its 30, March gets an adjustment of −15.
        var reduced = Assert.IsType<DisputeResolution.Resolved>(await DisputeAndDecideAsync(app, frozen, new DisputeDecision.Reduce(5m), supervisorId));
        Assert.Equal(-15m, reduced.AdjustmentAmount);
        Assert.Equal(closed, await StatementJsonAsync(hr, member, "2026-02"));
        march = Assert.Single((await ApiAssert.JsonAsync(await hr.GetAsync($"/api/statements?employeeId={member}&month=2026-03"))).EnumerateArray());
        var adjustment = march.GetProperty("lines").EnumerateArray().Single(l => l.GetProperty("kind").GetString() == "Adjustment");
        Assert.Equal(frozen, adjustment.GetProperty("violationId").GetString());
        Assert.Equal(-15m, adjustment.GetProperty("amount").GetDecimal());
        Assert.Equal(15m, march.GetProperty("total").GetDecimal()); // 30 − 15

        // The window of an undisputed February penalty: still open on the 7th day after the close, shut on the 8th.
        // (The clock only moves forward, so this is the last step of the story.)
        app.Clock.Advance(TimeSpan.FromDays(7));
        Assert.IsType<DisputeAdmission.Open>(await AdmissionAsync(untouched));
        Assert.IsType<DisputeAdmission.Open>(await AdmissionAsync(late));
        app.Clock.Advance(TimeSpan.FromDays(1));
        var refused = Assert.IsType<DisputeAdmission.Refused>(await AdmissionAsync(untouched));
        Assert.Equal(DisputeRefusal.WindowClosed, refused.Refusal);
        Assert.IsType<DisputeAdmission.Open>(await AdmissionAsync(late)); // in March, still open
        Assert.Equal(DisputeRefusal.AlreadyDisputed, Assert.IsType<DisputeAdmission.Refused>(await AdmissionAsync(frozen)).Refusal);
    }

    private async Task<DisputeAdmission> AdmissionAsync(string violationId)
    {
        DisputeAdmission? admission = null;
        await InScopeAsync(app, async (db, ledger) =>
            admission = await ledger.CheckDisputeAsync(await db.Set<Violation>().SingleAsync(v => v.Id == violationId), CancellationToken.None));
        return admission!;
    }

    private static async Task<string> StatementJsonAsync(HttpClient client, string employeeId, string month) =>
        Assert.Single((await ApiAssert.JsonAsync(await client.GetAsync($"/api/statements?employeeId={employeeId}&month={month}"))).EnumerateArray()).GetRawText();
}

public sealed class ClosedMonthTests_Sqlite(SqliteApp app) : ClosedMonthTests(app), IClassFixture<SqliteApp>;

public sealed class ClosedMonthTests_Postgres : ClosedMonthTests, IClassFixture<PostgresApp>
{
    public ClosedMonthTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
