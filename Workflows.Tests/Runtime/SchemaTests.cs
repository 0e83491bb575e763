using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Host.Data;
using Workflows.Host.Runtime;
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
        Assert.EndsWith("WHERE \"ActorId\" IS NOT NULL", (await SqlOfAsync("IX_History_ActorId_At_InstanceId")).TrimEnd());
    }

    [Fact]
    public async Task Inbox_ReadsTheIndexOfOpenCandidateRows_OnceStatisticsSayHowFewTheyAre()
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WorkflowDbContext>();
        Assert.EndsWith("WHERE NOT \"Closed\"", (await SqlOfAsync("IX_TaskCandidates_Open")).TrimEnd());

        // The hourly housekeeping leaves the planner statistics of the tables; without them SQLite cannot tell the two
        // indexes that start with the employee apart.
        await scope.ServiceProvider.GetRequiredService<Workflows.Host.Platform.Housekeeping>().PurgeAsync(CancellationToken.None);
        Assert.True(await db.Database.SqlQueryRaw<int>("SELECT COUNT(*) AS \"Value\" FROM sqlite_stat1 WHERE tbl = 'TaskCandidates'").SingleAsync() > 0);

        // A company's figures: 2.3 million candidate rows, 115 per person, of which about 2 open. The query the inbox
        // sends must be one the partial index can answer (its condition word for word), and the planner must take it.
        var sql = TasksApi.InboxQuery(db, "someone").ToQueryString();
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(db.Database.GetConnectionString());
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = connection.CreateCommand();
        command.Transaction = (Microsoft.Data.Sqlite.SqliteTransaction)transaction;
        command.CommandText = """
            DELETE FROM sqlite_stat1 WHERE tbl = 'TaskCandidates';
            INSERT INTO sqlite_stat1 VALUES ('TaskCandidates', 'TaskCandidates', '2300000 115 1'),
                ('TaskCandidates', 'IX_TaskCandidates_Open', '20000 2 1'), ('TaskCandidates', 'IX_TaskCandidates_TaskId', '2300000 1');
            ANALYZE sqlite_schema;
            """;
        await command.ExecuteNonQueryAsync();
        command.CommandText = "EXPLAIN QUERY PLAN " + string.Join('\n', sql.Split('\n').Where(line => !line.StartsWith(".param", StringComparison.Ordinal)));
        foreach (var line in sql.Split('\n').Where(line => line.StartsWith(".param set ", StringComparison.Ordinal)))
        {
            var parts = line.Split(' ', 4);
            command.Parameters.AddWithValue(parts[2], parts[3].Trim().Trim('\''));
        }

        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(3));
            }
        }

        await transaction.RollbackAsync();
        Assert.Contains(plan, step => step.Contains("IX_TaskCandidates_Open", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RuntimeRows_MakeTheirIdWhenFirstRead_AndEfCoreInsertsIt()
    {
        // The ids are made lazily (RowIds); EF Core must go through the property, or a row it inserts would have no id.
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WorkflowDbContext>();
        foreach (var type in new[] { typeof(WorkflowInstance), typeof(WorkflowTask), typeof(WorkflowTimer), typeof(Incident), typeof(PendingSignal) })
        {
            Assert.Null(db.Model.FindEntityType(type)!.FindProperty("Id")!.FieldInfo);
        }

        var instance = new WorkflowInstance { Type = "schema-test", DesignName = "schema-test", SubjectId = "s", StartedBy = "s", StartedAt = DateTimeOffset.UtcNow };
        db.Instances.Add(instance);
        await db.SaveChangesAsync();
        var incident = new Incident { InstanceId = instance.Id, Operation = "schema test", Error = "none", OccurredAt = DateTimeOffset.UtcNow };
        db.Incidents.Add(incident);
        await db.SaveChangesAsync();

        Assert.Equal(36, instance.Id.Length);
        Assert.Equal(instance.Id, await db.Instances.Where(i => i.Type == "schema-test").Select(i => i.Id).SingleAsync());
        Assert.Equal(incident.Id, await db.Incidents.Where(i => i.InstanceId == instance.Id).Select(i => i.Id).SingleAsync());
        Assert.NotEqual(new WorkflowTask().Id, new WorkflowTask().Id);
    }
}
