using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Workflows.Host.Data;

namespace Workflows.Host.Runtime;

/// <summary>
/// Writes the runner's own rows of a step (the instance, tasks, candidates, timers, history,
/// incidents) as one batched command, then lets EF Core save whatever else the step changed (the
/// activities' domain rows). It exists for speed: EF's general-purpose change processing was the
/// largest cost of a step in the bench. It reads table, column and converter names from the EF model,
/// so the mapping stays in one place, and it keeps EF's guarantees: updates carry the version read
/// and a row that no longer matches is a <see cref="DbUpdateConcurrencyException"/>.
/// </summary>
internal static class RuntimeWriter
{

    private static readonly HashSet<Type> Runtime =
        [typeof(WorkflowInstance), typeof(WorkflowTask), typeof(TaskCandidate), typeof(WorkflowTimer), typeof(HistoryEntry), typeof(Incident)];

    private static readonly Type[] InsertOrder =
        [typeof(WorkflowInstance), typeof(WorkflowTask), typeof(TaskCandidate), typeof(WorkflowTimer), typeof(HistoryEntry), typeof(Incident)];

    public static async Task SaveAsync(WorkflowDbContext db, CancellationToken ct)
    {
        // One scan for changes: Entries() and HasChanges() would each scan again.
        db.ChangeTracker.DetectChanges();
        var autoDetect = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            await WriteAsync(db, ct);
        }
        finally
        {
            db.ChangeTracker.AutoDetectChangesEnabled = autoDetect;
        }
    }

    private static async Task WriteAsync(WorkflowDbContext db, CancellationToken ct)
    {
        var entries = db.ChangeTracker.Entries().Where(e => Runtime.Contains(e.Metadata.ClrType) && e.State != EntityState.Unchanged).ToList();
        if (entries.Any(e => e.Entity is HistoryEntry && e.State is EntityState.Modified or EntityState.Deleted))
        {
            throw new InvalidOperationException("History is append-only: entries are never updated or deleted.");
        }

        if (entries.Any(e => e.State is EntityState.Deleted))
        {
            throw new InvalidOperationException("The runner never deletes its rows.");
        }

        if (entries.Count > 0)
        {
            var postgres = db.Database.IsNpgsql();
            var writes = new List<Write>(entries.Count);
            foreach (var type in InsertOrder)
            {
                foreach (var entry in entries.Where(e => e.State == EntityState.Added && e.Metadata.ClrType == type))
                {
                    writes.Add(Insert(entry, postgres));
                }
            }

            var bumped = new List<(EntityEntry Entry, long Version)>();
            foreach (var entry in entries.Where(e => e.State == EntityState.Modified))
            {
                var (write, version) = Update(entry, postgres);
                writes.Add(write);
                bumped.Add((entry, version));
            }

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

            if (affected != writes.Count)
            {
                throw new DbUpdateConcurrencyException($"Another step changed this instance or task at the same time ({affected} of {writes.Count} rows written).");
            }

            foreach (var (entry, version) in bumped)
            {
                ((IVersioned)entry.Entity).Version = version;
            }

            foreach (var entry in entries)
            {
                entry.State = EntityState.Unchanged;
            }
        }

        if (db.ChangeTracker.HasChanges())
        {
            await db.SaveChangesAsync(ct);
        }
    }

    /// <summary>One row's statement, its parameters numbered from 1 ($1 on PostgreSQL, ?1 on SQLite).</summary>
    private sealed record Write(string Sql, object?[] Values);

    /// <summary>SQLite: each statement prepared once per connection (<see cref="SqlitePrepared"/>), run in the open transaction.</summary>
    private static int ExecutePrepared(WorkflowDbContext db, List<Write> writes)
    {
        var prepared = SqlitePrepared.Of((Microsoft.Data.Sqlite.SqliteConnection)db.Database.GetDbConnection());
        var affected = 0;
        foreach (var write in writes)
        {
            affected += prepared.Execute(write.Sql, write.Values);
        }

        return affected;
    }

    /// <summary>PostgreSQL: all statements in one round trip.</summary>
    private static async Task<int> ExecuteBatchAsync(WorkflowDbContext db, List<Write> writes, CancellationToken ct)
    {
        await using var batch = db.Database.GetDbConnection().CreateBatch();
        batch.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        foreach (var write in writes)
        {
            var command = batch.CreateBatchCommand();
            command.CommandText = write.Sql;
            foreach (var value in write.Values)
            {
                var parameter = command.CreateParameter();
                parameter.Value = value ?? DBNull.Value;
                command.Parameters.Add(parameter);
            }

            batch.BatchCommands.Add(command);
        }

        return await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>An entity type's INSERT statement and its properties with their converters, built once per model.</summary>
    private sealed record InsertShape(string Sql, IProperty[] Properties, ValueConverter?[] Converters);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(IEntityType Type, bool Postgres), InsertShape> Shapes = new();

    private static InsertShape ShapeOf(IEntityType type, bool postgres) => Shapes.GetOrAdd((type, postgres), key =>
    {
        var properties = key.Type.GetProperties().ToArray();
        var sql = $"INSERT INTO \"{key.Type.GetTableName()}\" ({string.Join(", ", properties.Select(p => $"\"{Column(p)}\""))}) " +
            $"VALUES ({string.Join(", ", properties.Select((_, i) => Placeholder(postgres) + (i + 1)))})";
        return new InsertShape(sql, properties, [.. properties.Select(p => p.GetTypeMapping().Converter)]);
    });

    private static string Placeholder(bool postgres) => postgres ? "$" : "?";

    private static Write Insert(EntityEntry entry, bool postgres)
    {
        var shape = ShapeOf(entry.Metadata, postgres);
        var values = new object?[shape.Properties.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Provider(shape.Converters[i], entry.Property(shape.Properties[i]).CurrentValue, postgres);
        }

        return new Write(shape.Sql, values);
    }

    /// <returns>The statement, and the version the row has after it.</returns>
    private static (Write Write, long Version) Update(EntityEntry entry, bool postgres)
    {
        var table = entry.Metadata.GetTableName()!;
        var read = (long)entry.Property(nameof(IVersioned.Version)).OriginalValue!;
        var changed = entry.Properties.Where(p => p.IsModified && p.Metadata.Name != nameof(IVersioned.Version)).Select(p => p.Metadata).ToList();
        var key = entry.Metadata.FindPrimaryKey()!.Properties.Single();
        var values = new List<object?>(changed.Count + 3);
        var sql = new StringBuilder("UPDATE \"").Append(table).Append("\" SET ");
        foreach (var property in changed)
        {
            values.Add(Provider(property.GetTypeMapping().Converter, entry.Property(property.Name).CurrentValue, postgres));
            sql.Append('"').Append(Column(property)).Append("\" = ").Append(Placeholder(postgres)).Append(values.Count).Append(", ");
        }

        values.Add(read + 1);
        sql.Append("\"Version\" = ").Append(Placeholder(postgres)).Append(values.Count);
        values.Add(Provider(key.GetTypeMapping().Converter, entry.Property(key.Name).CurrentValue, postgres));
        sql.Append(" WHERE \"").Append(Column(key)).Append("\" = ").Append(Placeholder(postgres)).Append(values.Count);
        values.Add(read);
        sql.Append(" AND \"Version\" = ").Append(Placeholder(postgres)).Append(values.Count);
        return (new Write(sql.ToString(), [.. values]), read + 1);
    }

    private static string Column(IProperty property) =>
        property.GetColumnName(StoreObjectIdentifier.Table(property.DeclaringType.GetTableName()!, null))!;

    /// <summary>A property's value as the database stores it.</summary>
    private static object? Provider(ValueConverter? converter, object? value, bool postgres)
    {
        if (value is not null && converter is not null)
        {
            value = converter.ConvertToProvider(value);
        }

        // timestamptz takes UTC only.
        return postgres && value is DateTimeOffset instant ? instant.ToUniversalTime() : value;
    }
}
