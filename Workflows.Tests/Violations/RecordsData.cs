using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Definitions.Ledger;
using Workflows.Host.Data;
using Workflows.Host.Ledger;
using Workflows.Host.Violations;
using Workflows.Tests.Infrastructure;
using Workflows.Definitions.Disputes;

namespace Workflows.Tests.Violations;

/// <summary>Builds the data a records or ledger test needs through the API, fresh for each test.</summary>
public static class RecordsData
{
    public static async Task<string> GroupIdAsync(HttpClient client, string name)
    {
        var groups = await ApiAssert.JsonAsync(await client.GetAsync("/api/groups"));
        return groups.EnumerateArray().Single(g => g.GetProperty("name").GetString() == name).GetProperty("id").GetString()!;
    }

    /// <summary>A new Member of <paramref name="group"/>, created by HR; returns the id.</summary>
    public static async Task<string> NewMemberAsync(WorkflowsApp app, string group = "一组")
    {
        using var hr = await app.LoginAsync("hr");
        var userName = "m" + Guid.NewGuid().ToString("N")[..10];
        var created = await hr.PostAsJsonAsync("/api/employees",
            new { userName, name = "测试" + userName, password = "Test@2026x", rank = "Member", groupId = await GroupIdAsync(hr, group) });
        return (await ApiAssert.JsonAsync(created, HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }

    public static async Task<string> IdOfAsync(WorkflowsApp app, string userName)
    {
        using var client = await app.LoginAsync(userName);
        return (await ApiAssert.JsonAsync(await client.GetAsync("/api/me"))).GetProperty("id").GetString()!;
    }

    /// <summary>Records a violation as <paramref name="recorder"/> and returns it.</summary>
    public static async Task<JsonElement> RecordAsync(WorkflowsApp app, string recorder, string employeeId, string occurredOn,
        string ruleCode = "R06", decimal? penaltyAmount = null)
    {
        using var client = await app.LoginAsync(recorder);
        var response = await client.PostAsJsonAsync("/api/violations",
            new { employeeId, ruleCode, occurredOn, description = "测试记录 / test record", penaltyAmount });
        return await ApiAssert.JsonAsync(response, HttpStatusCode.Created);
    }

    public static async Task<JsonElement> RewardAsync(WorkflowsApp app, string employeeId, decimal amount, string awardedOn, string by = "supervisor")
    {
        using var client = await app.LoginAsync(by);
        var response = await client.PostAsJsonAsync("/api/rewards", new { employeeId, amount, reason = "表现突出 / outstanding", awardedOn });
        return await ApiAssert.JsonAsync(response, HttpStatusCode.Created);
    }

    /// <summary>Rows a refused request must not touch.</summary>
    public static Task<(int Violations, int Changes, int Rewards, int Closings, int Lines, int Adjustments)> LedgerRowsAsync(WorkflowsApp app) =>
        app.WithDbAsync(async db => (
            await db.Set<Violation>().CountAsync(),
            await db.Set<ViolationChange>().CountAsync(),
            await db.Set<Reward>().CountAsync(),
            await db.Set<MonthClosing>().CountAsync(),
            await db.Set<ClosedStatementLine>().CountAsync(),
            await db.Set<Workflows.Host.Ledger.LedgerAdjustment>().CountAsync()));

    /// <summary>Runs <paramref name="work"/> in a DI scope with the host's DbContext and LedgerService, as a workflow
    /// activity gets them.</summary>
    public static async Task InScopeAsync(WorkflowsApp app, Func<WorkflowDbContext, LedgerService, Task> work)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await work(scope.ServiceProvider.GetRequiredService<WorkflowDbContext>(), scope.ServiceProvider.GetRequiredService<LedgerService>());
    }

    /// <summary>Does to a violation what the dispute workflow will: opens a dispute and decides it through the entity
    /// and the ledger service, saved together.</summary>
    public static async Task<DisputeResolution> DisputeAndDecideAsync(WorkflowsApp app, string violationId, DisputeDecision decision, string deciderId)
    {
        DisputeResolution? result = null;
        await InScopeAsync(app, async (db, ledger) =>
        {
            var violation = await db.Set<Violation>().SingleAsync(v => v.Id == violationId);
            var instance = "dispute-" + Guid.NewGuid().ToString("N")[..8];
            Assert.Null(violation.OpenDispute(instance, violation.EmployeeId, app.Clock.GetUtcNow()));
            result = await ledger.DecideDisputeAsync(violation, decision, deciderId, instance, CancellationToken.None);
            await db.SaveChangesAsync();
        });
        return result!;
    }
}
