using Microsoft.EntityFrameworkCore;
using Workflows.Host.Data;

namespace Workflows.Host.Runtime.Store.Sqlite;

/// <summary>
/// The runner's own rows of one step on SQLite: the instance and task it loaded (with their values as read) and the rows
/// the step adds (tasks, candidates, timers, history, incidents). EF Core does not track them; <see cref="Write"/>
/// writes them with statements kept on the writer connection. Domain rows changed by activities stay with EF Core's
/// change tracker. EF Core's change tracking of these rows was the largest managed cost of a step (ADR 0007).
/// </summary>
internal sealed class SqliteRows(DbContext db)
{
    private const int MaxRowsPerInsert = 32;

    private static readonly Type[] InsertOrder =
        [typeof(WorkflowInstance), typeof(WorkflowTask), typeof(TaskCandidate), typeof(WorkflowTimer), typeof(HistoryEntry), typeof(Incident),
         typeof(Notifications.Notification), typeof(Notifications.NotificationDelivery)];

    private readonly List<object> added = [];
    private readonly List<(object Row, RowShape Shape, object?[] AsRead)> loaded = [];

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

    /// <summary>
    /// One INSERT for the new rows of each type and one UPDATE per changed loaded row, each matching only the version it
    /// was read with; a row that no longer matches is a <see cref="DbUpdateConcurrencyException"/>, as EF Core raises
    /// it, and the caller rolls the step back.
    /// </summary>
    public void Write(SqlitePrepared prepared)
    {
        var expected = 0;
        var affected = 0;
        var ofType = new List<object>(4);
        try
        {
            foreach (var type in InsertOrder)
            {
                ofType.Clear();
                foreach (var row in added)
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
                    var (sql, values) = RowShape.Of(db, type).Insert(chunk);
                    affected += prepared.Execute(sql, values);
                    expected += chunk.Count;
                }
            }

            if (expected != added.Count)
            {
                throw new InvalidOperationException("The runner writes only its own row types.");
            }

            var bumped = new List<(object Row, RowShape Shape, long Version)>(loaded.Count);
            foreach (var (row, shape, asRead) in loaded)
            {
                if (shape.Update(row, asRead) is var (sql, values))
                {
                    affected += prepared.Execute(sql, values);
                    expected++;
                    bumped.Add((row, shape, shape.VersionOf(asRead) + 1));
                }
            }

            if (affected != expected)
            {
                throw new DbUpdateConcurrencyException($"Another step changed this instance or task at the same time ({affected} of {expected} rows written).");
            }

            foreach (var (row, shape, version) in bumped)
            {
                shape.SetVersion(row, version);
            }
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            throw new DbUpdateException("Writing the step failed: " + ex.Message, ex);
        }

        Saved();
    }

    /// <summary>After a write: the written rows are now the rows as read.</summary>
    private void Saved()
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
