using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Workflows.Host.Data;

namespace Workflows.Host.Runtime;

/// <summary>
/// The runner's own rows of one step: the instance and task it loaded (with their values as read) and the rows the
/// step adds (tasks, candidates, timers, history, incidents). EF Core does not track them; <see cref="RuntimeWriter"/>
/// writes them. Domain rows changed by activities stay with EF Core's change tracker.
/// </summary>
internal sealed class StepRows(DbContext db)
{
    private readonly List<object> added = [];
    private readonly List<(object Row, RowShape Shape, object?[] AsRead)> loaded = [];

    public IReadOnlyList<object> Added => added;

    public IReadOnlyList<(object Row, RowShape Shape, object?[] AsRead)> Loaded => loaded;

    /// <summary>A new row, inserted when the step is saved.</summary>
    public void Add(object row) => added.Add(row);

    /// <summary>Removes new rows not yet saved (timers the same step cancels).</summary>
    public void RemoveAdded(Predicate<object> match) => added.RemoveAll(match);

    /// <summary>A loaded row: saved as an update of the columns that changed, guarded by the version it was read with.</summary>
    public T Load<T>(T row)
        where T : class, IVersioned
    {
        var shape = RowShape.Of(db, typeof(T));
        loaded.Add((row, shape, shape.Snapshot(row)));
        return row;
    }

    /// <summary>After a save: the written rows are now the rows as read.</summary>
    public void Saved()
    {
        added.Clear();
        for (var i = 0; i < loaded.Count; i++)
        {
            var (row, shape, _) = loaded[i];
            loaded[i] = (row, shape, shape.Snapshot(row));
        }
    }

    public void Clear()
    {
        added.Clear();
        loaded.Clear();
    }
}

/// <summary>
/// Writes the runner's rows of a step (<see cref="StepRows"/>): one INSERT for the new rows of each type and one UPDATE
/// per changed loaded row, each matching only the version it was read with; a row that no longer matches is a
/// <see cref="DbUpdateConcurrencyException"/>, as EF Core would raise. On SQLite every statement is prepared once per
/// connection (<see cref="SqlitePrepared"/>); on PostgreSQL they go in one batch. Then EF Core saves whatever else
/// the step changed (the activities' domain rows). It exists for speed: EF Core's change tracking and SQLite's
/// statement preparation were the largest costs of a step in the bench.
/// </summary>
internal static class RuntimeWriter
{
    private const int MaxRowsPerInsert = 32;

    private static readonly Type[] InsertOrder =
        [typeof(WorkflowInstance), typeof(WorkflowTask), typeof(TaskCandidate), typeof(WorkflowTimer), typeof(HistoryEntry), typeof(Incident)];

    public static async Task SaveAsync(WorkflowDbContext db, StepRows rows, CancellationToken ct)
    {
        var postgres = SqlitePrepared.ConnectionOf(db) is null;
        var writes = new List<(string Sql, object?[] Values)>(InsertOrder.Length + rows.Loaded.Count);
        var expected = 0;
        var ofType = new List<object>(4);
        foreach (var type in InsertOrder)
        {
            ofType.Clear();
            foreach (var row in rows.Added)
            {
                if (row.GetType() == type)
                {
                    ofType.Add(row);
                }
            }

            // The rows of one type go in one statement, in chunks well under SQLite's limit on parameters.
            for (var start = 0; start < ofType.Count; start += MaxRowsPerInsert)
            {
                var chunk = ofType.GetRange(start, Math.Min(MaxRowsPerInsert, ofType.Count - start));
                writes.Add(RowShape.Of(db, type).Insert(chunk, postgres));
                expected += chunk.Count;
            }
        }

        if (expected != rows.Added.Count)
        {
            throw new InvalidOperationException("The runner writes only its own row types.");
        }

        var bumped = new List<(object Row, RowShape Shape, long Version)>(rows.Loaded.Count);
        foreach (var (row, shape, asRead) in rows.Loaded)
        {
            if (shape.Update(row, asRead, postgres) is { } update)
            {
                writes.Add(update);
                expected++;
                bumped.Add((row, shape, shape.VersionOf(asRead) + 1));
            }
        }

        if (writes.Count > 0)
        {
            int affected;
            await db.Database.OpenConnectionAsync(ct);
            try
            {
                affected = postgres ? await ExecuteBatchAsync(db, writes, ct) : ExecutePrepared(db, writes);
            }
            catch (DbException ex)
            {
                throw new DbUpdateException("Writing the step failed: " + ex.Message, ex);
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }

            if (affected != expected)
            {
                throw new DbUpdateConcurrencyException($"Another step changed this instance or task at the same time ({affected} of {expected} rows written).");
            }

            foreach (var (row, shape, version) in bumped)
            {
                shape.SetVersion(row, version);
            }

            rows.Saved();
        }

        if (db.ChangeTracker.HasChanges())
        {
            await db.SaveChangesAsync(ct);
        }
    }

    /// <summary>SQLite: each statement prepared once per connection, run in the open transaction.</summary>
    private static int ExecutePrepared(WorkflowDbContext db, List<(string Sql, object?[] Values)> writes)
    {
        var prepared = SqlitePrepared.Of(SqlitePrepared.ConnectionOf(db)!);
        var affected = 0;
        foreach (var (sql, values) in writes)
        {
            affected += prepared.Execute(sql, values);
        }

        return affected;
    }

    /// <summary>PostgreSQL: all statements in one round trip.</summary>
    private static async Task<int> ExecuteBatchAsync(WorkflowDbContext db, List<(string Sql, object?[] Values)> writes, CancellationToken ct)
    {
        await using var batch = db.Database.GetDbConnection().CreateBatch();
        batch.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        foreach (var (sql, values) in writes)
        {
            var command = batch.CreateBatchCommand();
            command.CommandText = sql;
            foreach (var value in values)
            {
                var parameter = command.CreateParameter();
                parameter.Value = value ?? DBNull.Value;
                command.Parameters.Add(parameter);
            }

            batch.BatchCommands.Add(command);
        }

        return await batch.ExecuteNonQueryAsync(ct);
    }
}
