using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using SQLitePCL;
using Workflows.Host.Data;

namespace Workflows.Host.Runtime.Store.Sqlite;

/// <summary>
/// The step store for SQLite, which has one writer at a time. Its steps run one after another on a single connection it
/// keeps open for the life of the host (the <em>writer</em>), so that:
/// <list type="bullet">
/// <item>steps of this process queue in order on a semaphore instead of sleeping in SQLite's busy handler (1, 2, 5,
/// 10 ms …) when the file is locked a moment longer; other processes on the file still meet the lock and the busy
/// timeout;</item>
/// <item>its statements (the loads, the org lookups, the row writes, <c>BEGIN IMMEDIATE</c>/<c>COMMIT</c>) are prepared
/// once (<see cref="SqlitePrepared"/>). A pooled connection cannot keep them: EF Core defines its SQL functions on each
/// connection object it creates, Microsoft.Data.Sqlite defines them again on the native handle at every open, and
/// SQLite expires every prepared statement of a handle whose functions are redefined. The writer is opened once, so
/// that happens once.</item>
/// </list>
/// The writer is created by EF Core (through a context of the store's own), so it carries EF Core's functions and
/// foreign-key setting like any other connection. A step lends it to the request's context
/// (<c>SetDbConnection</c>), so the activities' queries and <c>SaveChanges</c> run in the step's transaction, and
/// gives the context its own connection string back when the step ends.
/// </summary>
public sealed class SqliteStepStore(Platform.DatabaseInfo database) : IStepStore, IDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly EfCore.EfCoreStepStore outsideSteps = new();
    private SqliteWorkflowDbContext? writerContext;
    private SqliteConnection? writer;

    public async Task<StoreStep> BeginAsync(WorkflowDbContext db, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        var lent = false;
        var connectionString = db.Database.GetConnectionString();
        var behavior = db.Database.AutoTransactionBehavior;
        try
        {
            var connection = Writer();
            db.Database.SetDbConnection(connection, contextOwnsConnection: false);
            lent = true;
            // EF Core does not see the step's transaction: it must not start one of its own inside it.
            db.Database.AutoTransactionBehavior = AutoTransactionBehavior.Never;
            var prepared = SqlitePrepared.Of(connection);
            prepared.Execute("BEGIN IMMEDIATE", []);
            return new SqliteStep(this, db, prepared, connection, connectionString, behavior);
        }
        catch
        {
            if (lent)
            {
                GiveBack(db, connectionString, behavior);
            }

            gate.Release();
            throw;
        }
    }

    /// <summary>On the writer inside a step, as kept statements; anywhere else as the EF Core store asks them.</summary>
    public Task<List<string>> HoldersAsync(WorkflowDbContext db, Holders lookup, string argument, CancellationToken ct)
    {
        if (writer is null || !ReferenceEquals(db.Database.GetDbConnection(), writer))
        {
            return outsideSteps.HoldersAsync(db, lookup, argument, ct);
        }

        var sql = lookup switch
        {
            Holders.Role => "SELECT ur.\"UserId\" FROM \"AspNetUserRoles\" AS ur JOIN \"AspNetRoles\" AS r ON r.\"Id\" = ur.\"RoleId\" WHERE r.\"Name\" = ?1",
            Holders.Seat => "SELECT \"HolderId\" FROM \"Seats\" WHERE \"Rank\" = ?1 AND \"HolderId\" IS NOT NULL",
            Holders.LeaderOfGroup => "SELECT \"HolderId\" FROM \"Seats\" WHERE \"Rank\" = 'GroupLeader' AND \"GroupId\" = ?1 AND \"HolderId\" IS NOT NULL",
            Holders.LeaderOfGroupOf => "SELECT s.\"HolderId\" FROM \"Seats\" AS s WHERE s.\"Rank\" = 'GroupLeader' AND s.\"HolderId\" IS NOT NULL " +
                "AND s.\"GroupId\" = (SELECT u.\"GroupId\" FROM \"AspNetUsers\" AS u WHERE u.\"Id\" = ?1 LIMIT 1)",
            _ => throw new ArgumentOutOfRangeException(nameof(lookup), lookup, "Unknown lookup."),
        };
        return Task.FromResult(SqlitePrepared.Of(writer).QueryAll(sql, [argument], row => row.Text(0)!));
    }

    /// <summary>On the writer inside a step, one kept statement per id; anywhere else as the EF Core store asks.</summary>
    public Task<List<Contact>> ContactsAsync(WorkflowDbContext db, IReadOnlyList<string> ids, CancellationToken ct)
    {
        if (writer is null || !ReferenceEquals(db.Database.GetDbConnection(), writer))
        {
            return outsideSteps.ContactsAsync(db, ids, ct);
        }

        var prepared = SqlitePrepared.Of(writer);
        var contacts = new List<Contact>(ids.Count);
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            var contact = prepared.QueryFirst(
                "SELECT \"Id\", \"Name\", \"Email\", \"Language\", \"EmailOff\", \"DigestOff\" FROM \"AspNetUsers\" WHERE \"Id\" = ?1",
                [id], row => new Contact(row.Text(0)!, row.Text(1)!, row.Text(2), row.Text(3), row.Int64(4) != 0, row.Int64(5) != 0));
            if (contact is not null)
            {
                contacts.Add(contact);
            }
        }

        return Task.FromResult(contacts);
    }

    /// <summary>
    /// <c>ANALYZE</c> on the writer, between steps, reading at most <c>analysis_limit</c> rows of each index (set on every
    /// connection, <see cref="SqlitePragmas"/>), so it takes milliseconds on a large file. <c>PRAGMA optimize</c> would be
    /// SQLite's gentler advice, but it skips tables by heuristics and may leave a young table without statistics.
    /// </summary>
    public async Task KeepStatisticsAsync(CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            SqlitePrepared.Of(Writer()).Execute("ANALYZE", []);
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose()
    {
        writer?.Dispose();
        writerContext?.Dispose();
        gate.Dispose();
    }

    /// <summary>The writer, opened at the first step (after the migrations: a schema change would expire its statements).</summary>
    private SqliteConnection Writer()
    {
        if (writer is { State: ConnectionState.Open })
        {
            return writer;
        }

        writer?.Dispose();
        writerContext?.Dispose();
        writerContext = new SqliteWorkflowDbContext(new DbContextOptionsBuilder<SqliteWorkflowDbContext>().UseSqlite(database.ConnectionString).Options);
        // Opened through EF Core: foreign keys on, EF Core's functions defined on the handle, once.
        writerContext.Database.OpenConnection();
        writer = (SqliteConnection)writerContext.Database.GetDbConnection();
        SqlitePragmas.Apply(writer);
        return writer;
    }

    private static void GiveBack(WorkflowDbContext db, string? connectionString, AutoTransactionBehavior behavior)
    {
        db.Database.AutoTransactionBehavior = behavior;
        db.Database.SetDbConnection(null, contextOwnsConnection: true);
        db.Database.SetConnectionString(connectionString);
    }

    private sealed class SqliteStep(
        SqliteStepStore store, WorkflowDbContext db, SqlitePrepared prepared, SqliteConnection connection, string? connectionString, AutoTransactionBehavior behavior)
        : StoreStep
    {
        private readonly SqliteRows rows = new(db);
        private bool open = true;

        public override Task<TaskForCompletion?> LoadTaskAsync(string taskId, string actorId, CancellationToken ct)
        {
            var tasks = RowShape.Of(db, typeof(WorkflowTask));
            var instances = RowShape.Of(db, typeof(WorkflowInstance));
            var sql = $"SELECT {tasks.Columns("t")}, {instances.Columns("i")}, " +
                "EXISTS (SELECT 1 FROM \"TaskCandidates\" AS c WHERE c.\"TaskId\" = t.\"Id\" AND c.\"EmployeeId\" = ?2) " +
                "FROM \"Tasks\" AS t JOIN \"Instances\" AS i ON i.\"Id\" = t.\"InstanceId\" WHERE t.\"Id\" = ?1";
            var loaded = prepared.QueryFirst(sql, [taskId, actorId], row =>
                new TaskForCompletion(
                    tasks.Read<WorkflowTask>(row, 0),
                    instances.Read<WorkflowInstance>(row, tasks.Count),
                    row.Int64(tasks.Count + instances.Count) != 0));
            if (loaded is not null)
            {
                rows.Load(loaded.Task);
                rows.Load(loaded.Instance);
            }

            return Task.FromResult(loaded);
        }

        public override Task<WorkflowInstance?> LoadInstanceAsync(string instanceId, CancellationToken ct)
        {
            var instances = RowShape.Of(db, typeof(WorkflowInstance));
            var instance = prepared.QueryFirst($"SELECT {instances.Columns("i")} FROM \"Instances\" AS i WHERE i.\"Id\" = ?1", [instanceId],
                row => instances.Read<WorkflowInstance>(row, 0));
            return Task.FromResult(instance is null ? null : rows.Load(instance));
        }

        public override void Add(object row) => rows.Add(row);

        public override Task CancelTimersAsync(string instanceId, DateTimeOffset now, CancellationToken ct)
        {
            var timers = RowShape.Of(db, typeof(WorkflowTimer));
            prepared.Execute(
                "UPDATE \"Timers\" SET \"CancelledAt\" = ?2 WHERE \"InstanceId\" = ?1 AND \"FiredAt\" IS NULL AND \"CancelledAt\" IS NULL",
                [instanceId, timers.ToProvider(nameof(WorkflowTimer.CancelledAt), now)]);
            return Task.CompletedTask;
        }

        public override Task CloseCandidatesAsync(string taskId, CancellationToken ct)
        {
            prepared.Execute("UPDATE \"TaskCandidates\" SET \"Closed\" = 1 WHERE \"TaskId\" = ?1 AND NOT \"Closed\"", [taskId]);
            return Task.CompletedTask;
        }

        public override void RemoveAdded(Predicate<object> match) => rows.RemoveAdded(match);

        public override async Task CommitAsync(CancellationToken ct)
        {
            rows.Write(prepared);
            if (db.ChangeTracker.HasChanges())
            {
                await db.SaveChangesAsync(ct);
            }

            prepared.Execute("COMMIT", []);
            End();
        }

        public override ValueTask DisposeAsync()
        {
            if (!open)
            {
                return ValueTask.CompletedTask;
            }

            try
            {
                // A failed statement may already have ended the transaction (SQLite rolls back on some errors).
                if (connection.Handle is { } handle && raw.sqlite3_get_autocommit(handle) == 0)
                {
                    prepared.Execute("ROLLBACK", []);
                }
            }
            finally
            {
                End();
            }

            return ValueTask.CompletedTask;
        }

        private void End()
        {
            open = false;
            try
            {
                GiveBack(db, connectionString, behavior);
            }
            finally
            {
                store.gate.Release();
            }
        }
    }
}

/// <summary>
/// Per-connection SQLite settings, applied once per native handle: NORMAL sync is durable in WAL mode across
/// application crashes (only an OS crash can lose the last commits). The WAL is checkpointed every 10,000 pages (about
/// 40 MB) instead of SQLite's 1,000: a step dirties about a dozen pages, mostly the same b-tree edges, so rarer
/// checkpoints copy far fewer pages and stop stalling every ~80th commit; the WAL file is cut back to 64 MB after a
/// checkpoint (ADR 0007).
/// </summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    public static readonly SqlitePragmas Instance = new();

    /// <summary>The native handles already set up: Microsoft.Data.Sqlite pools them, and pragmas outlive a pooled open.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, object> Applied = [];

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    public static void Apply(DbConnection connection)
    {
        if (connection is SqliteConnection { Handle: { } handle })
        {
            if (Applied.TryGetValue(handle, out _))
            {
                return;
            }

            Applied.AddOrUpdate(handle, Applied);
        }

        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA wal_autocheckpoint=10000; PRAGMA journal_size_limit=67108864; PRAGMA analysis_limit=1000;";
        command.ExecuteNonQuery();
    }
}
