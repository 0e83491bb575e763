using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Definitions.Engine;
using Workflows.Host.Data;
using Workflows.Host.Runtime;
using Workflows.Host.Runtime.Store;
using Workflows.Host.Runtime.Store.Sqlite;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Runtime;

/// <summary>
/// The SQLite store's statements prepared once per native connection handle (<see cref="SqlitePrepared"/>) and the rows it
/// reads back through the EF model's mapping (<see cref="RowShape"/>).
/// </summary>
public sealed class PreparedStatementTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("workflows-prepared-").FullName;

    private string ConnectionString => $"Data Source={Path.Combine(folder, "p.db")}";

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    [Fact]
    public void Statements_SurviveThePooledConnection_AndANewHandleAfterThePoolIsCleared()
    {
        using (var setup = Open())
        {
            Assert.Equal(0, SqlitePrepared.Of(setup).Execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, at INTEGER, ok INTEGER, score REAL)", []));
        }

        for (var i = 1; i <= 3; i++)
        {
            // A new SqliteConnection borrows the pooled handle: the statement prepared last time is used again.
            using var connection = Open();
            Assert.Equal(1, SqlitePrepared.Of(connection).Execute("INSERT INTO t (id, name, at, ok, score) VALUES (?1, ?2, ?3, ?4, ?5)", [i, "名字 " + i, (long)i * 1000, i % 2 == 0, 0.5 * i]));
        }

        SqliteConnection.ClearAllPools();
        GC.Collect();
        GC.WaitForPendingFinalizers();

        using var fresh = Open();
        var prepared = SqlitePrepared.Of(fresh);
        Assert.Equal(1, prepared.Execute("INSERT INTO t (id, name, at, ok, score) VALUES (?1, ?2, ?3, ?4, ?5)", [4, null, null, true, null]));
        Assert.Equal(2, prepared.Execute("UPDATE t SET name = ?1 WHERE id > ?2", ["changed", 2]));
        var row = prepared.QueryFirst("SELECT name, at, ok, score FROM t WHERE id = ?1", [2], r => (r.Text(0), r.Value(1), r.Int64(2), r.Value(3)));
        Assert.Equal(("名字 2", (object?)2000L, 1L, (object?)1.0), row);
        Assert.True(prepared.QueryFirst("SELECT at, score FROM t WHERE id = ?1", [4], r => r.IsNull(0) && r.Value(1) is null && r.Text(0) is null));
        Assert.Null(prepared.QueryFirst<string>("SELECT name FROM t WHERE id = ?1", [99], r => r.Text(0)!));
    }

    [Fact]
    public void KeptStatements_BindEmptyTextAsText_AndANullAfterAValueAsNull()
    {
        using var connection = Open();
        var prepared = SqlitePrepared.Of(connection);
        prepared.Execute("CREATE TABLE w (id INTEGER PRIMARY KEY, name TEXT)", []);
        const string Insert = "INSERT INTO w (id, name) VALUES (?1, ?2)";

        prepared.Execute(Insert, [1, "组长 a"]);
        prepared.Execute(Insert, [2, ""]);
        prepared.Execute(Insert, [3, null]);

        var rows = prepared.QueryAll("SELECT name, typeof(name) FROM w ORDER BY id", [], r => (r.Text(0), r.Text(1)));
        Assert.Equal([("组长 a", "text"), ("", "text"), (null, "null")], rows);
    }

    [Fact]
    public void AConstraintViolation_IsASqliteException_WithItsExtendedCode_AndTheStatementStaysUsable()
    {
        using var connection = Open();
        var prepared = SqlitePrepared.Of(connection);
        prepared.Execute("CREATE TABLE u (k TEXT PRIMARY KEY)", []);
        prepared.Execute("INSERT INTO u (k) VALUES (?1)", ["a"]);

        var error = Assert.Throws<SqliteException>(() => prepared.Execute("INSERT INTO u (k) VALUES (?1)", ["a"]));
        Assert.Equal(1555, error.SqliteExtendedErrorCode);
        Assert.True(DbErrors.IsConflict(new DbUpdateException("x", error)));

        Assert.Equal(1, prepared.Execute("INSERT INTO u (k) VALUES (?1)", ["b"]));
        Assert.Throws<ArgumentException>(() => prepared.Execute("INSERT INTO u (k) VALUES (?1)", [Guid.NewGuid()]));
        Assert.Throws<ArgumentException>(() => prepared.Execute("SELECT 1; SELECT 2", []));
        Assert.Throws<SqliteException>(() => prepared.Execute("SELEC nonsense", []));
    }

    [Fact]
    public void RunsInsideTheConnectionsTransaction_AndRollsBackWithIt()
    {
        using var connection = Open();
        var prepared = SqlitePrepared.Of(connection);
        prepared.Execute("CREATE TABLE v (k TEXT)", []);
        using (var tx = connection.BeginTransaction())
        {
            prepared.Execute("INSERT INTO v (k) VALUES (?1)", ["gone"]);
            tx.Rollback();
        }

        Assert.Equal(0L, prepared.QueryFirst("SELECT count(*) FROM v", [], r => r.Int64(0)));
    }

    [Fact]
    public async Task RowShape_ReadsBackEveryMappedColumn_WithTheModelsConverters()
    {
        var options = new DbContextOptionsBuilder<SqliteWorkflowDbContext>().UseSqlite(ConnectionString).Options;
        await using var db = new SqliteWorkflowDbContext(options);
        await db.Database.EnsureCreatedAsync();
        var instance = new WorkflowInstance
        {
            Type = "promotion", DesignName = "d", DesignVersion = 3, Status = InstanceStatus.Faulted, Outcome = null, SubjectId = "s", StartedBy = "b",
            StartedAt = new DateTimeOffset(2026, 3, 2, 9, 30, 0, TimeSpan.FromHours(8)), CompletedAt = null, CurrentStep = "x", StepVisit = 2,
            WaitingFor = "seat.vacated", StateJson = "{\"a\":\"中文\"}", HistoryCount = 7, ActiveTimers = 1, HasIncident = true, Version = 5,
        };
        db.Instances.Add(instance);
        await db.SaveChangesAsync();

        await db.Database.OpenConnectionAsync();
        var shape = RowShape.Of(db.Model.FindEntityType(typeof(WorkflowInstance))!);
        var read = SqlitePrepared.Of((SqliteConnection)db.Database.GetDbConnection())
            .QueryFirst($"SELECT {shape.Columns("i")} FROM \"Instances\" AS i WHERE i.\"Id\" = ?1", [instance.Id], row => shape.Read<WorkflowInstance>(row, 0))!;

        Assert.Equivalent(instance, read, strict: true);
        Assert.Equal(instance.StartedAt.Offset, read.StartedAt.Offset);
    }
}

/// <summary>
/// The SQLite store's writer connection through the host's own contexts: its kept statements are never prepared again
/// from one step to the next (EF Core's SQL functions are defined on it once, when it opens), EF Core's functions,
/// aggregates and collation work inside a step, and after the step the request's context is on a connection of its own.
/// </summary>
public sealed class WriterConnectionTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    [Fact]
    public async Task KeptStatements_AreNotPreparedAgain_AcrossSteps_AndEfCoresSqlFunctionsWorkInAStep()
    {
        var store = Assert.IsType<SqliteStepStore>(app.Services.GetRequiredService<IStepStore>());
        SqliteConnection? writer = null;
        for (var round = 0; round < 5; round++)
        {
            await using var scope = app.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<WorkflowDbContext>();
            // A query before the step: the context has opened (and closed) a pooled connection of its own.
            Assert.True(await db.Tasks.CountAsync() >= 0);
            await using (var step = await store.BeginAsync(db, TestContext.Current.CancellationToken))
            {
                var connection = Assert.IsType<SqliteConnection>(db.Database.GetDbConnection());
                writer ??= connection;
                Assert.Same(writer, connection);
                var prepared = SqlitePrepared.Of(connection);
                Assert.Equal(0, prepared.Reprepared("BEGIN IMMEDIATE"));

                // ef_compare, ef_sum and the EF_DECIMAL collation: SQLite refuses a query naming an undefined one.
                var violations = db.Set<Workflows.Host.Violations.Violation>();
                Assert.True(await violations.CountAsync(v => v.PenaltyAmount > 1_000_000m) >= 0);
                Assert.True(await violations.SumAsync(v => v.PenaltyAmount) >= 0m);
                await violations.OrderBy(v => v.PenaltyAmount).Select(v => v.Id).Take(1).ToListAsync();
                Assert.Equal(0, prepared.Reprepared("BEGIN IMMEDIATE"));
            }

            if (round == 1)
            {
                // Pooled handles come and go (other test classes clear every pool); the writer is not one of them.
                SqliteConnection.ClearAllPools();
            }

            Assert.NotSame(writer, db.Database.GetDbConnection());
            Assert.True(await db.Tasks.CountAsync() >= 0);
        }
    }
}
