using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Host.Data;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Runtime;

/// <summary>
/// The SQLite schema the migrations leave, where it goes beyond what EF Core's model can say: these shapes exist for
/// the cost of a step (bench), and an EF Core table rebuild in a later migration would silently undo them.
/// </summary>
public sealed class SchemaTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private async Task<string> SqlOfAsync(string name)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WorkflowDbContext>();
        return await db.Database.SqlQueryRaw<string>("SELECT sql AS \"Value\" FROM sqlite_master WHERE name = {0}", name).SingleAsync();
    }

    [Fact]
    public async Task TaskCandidates_IsAWithoutRowIdTable_WithItsTaskIndex()
    {
        Assert.EndsWith("WITHOUT ROWID", (await SqlOfAsync("TaskCandidates")).TrimEnd());
        Assert.Contains("\"TaskId\"", await SqlOfAsync("IX_TaskCandidates_TaskId"));
    }

    [Fact]
    public async Task HistoryActorIndex_HoldsOnlyRowsWithAnActor()
    {
        Assert.EndsWith("WHERE \"ActorId\" IS NOT NULL", (await SqlOfAsync("IX_History_ActorId_At")).TrimEnd());
    }
}
