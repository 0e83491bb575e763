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
            var connection = db.Database.GetDbConnection();
            await using var command = connection.CreateCommand();
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            var sql = new StringBuilder();
            var expected = 0;
            foreach (var type in InsertOrder)
            {
                foreach (var entry in entries.Where(e => e.State == EntityState.Added && e.Metadata.ClrType == type))
                {
                    AppendInsert(sql, command, entry, postgres);
                    expected++;
                }
            }

            var bumped = new List<(EntityEntry Entry, long Version)>();
            foreach (var entry in entries.Where(e => e.State == EntityState.Modified))
            {
                bumped.Add((entry, AppendUpdate(sql, command, entry, postgres)));
                expected++;
            }

            command.CommandText = sql.ToString();
            int affected;
            await db.Database.OpenConnectionAsync(ct);
            try
            {
                affected = await command.ExecuteNonQueryAsync(ct);
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

    /// <summary>An entity type's INSERT statement head and its properties with their converters, built once per model.</summary>
    private sealed record InsertShape(string Head, IProperty[] Properties, ValueConverter?[] Converters);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<IEntityType, InsertShape> Shapes = new();

    private static InsertShape ShapeOf(IEntityType type) => Shapes.GetOrAdd(type, t =>
    {
        var properties = t.GetProperties().ToArray();
        var head = $"INSERT INTO \"{t.GetTableName()}\" ({string.Join(", ", properties.Select(p => $"\"{Column(p)}\""))}) VALUES (";
        return new InsertShape(head, properties, [.. properties.Select(p => p.GetTypeMapping().Converter)]);
    });

    private static void AppendInsert(StringBuilder sql, DbCommand command, EntityEntry entry, bool postgres)
    {
        var shape = ShapeOf(entry.Metadata);
        sql.Append(shape.Head);
        for (var i = 0; i < shape.Properties.Length; i++)
        {
            sql.Append(i == 0 ? "" : ", ").Append(Parameter(command, shape.Converters[i], entry.Property(shape.Properties[i]).CurrentValue, postgres));
        }

        sql.Append(");\n");
    }

    /// <returns>The version the row has after the update.</returns>
    private static long AppendUpdate(StringBuilder sql, DbCommand command, EntityEntry entry, bool postgres)
    {
        var table = entry.Metadata.GetTableName()!;
        var read = (long)entry.Property(nameof(IVersioned.Version)).OriginalValue!;
        var changed = entry.Properties.Where(p => p.IsModified && p.Metadata.Name != nameof(IVersioned.Version)).Select(p => p.Metadata).ToList();
        var key = entry.Metadata.FindPrimaryKey()!.Properties.Single();
        sql.Append("UPDATE \"").Append(table).Append("\" SET ")
            .AppendJoin(", ", changed.Select(p => $"\"{Column(p)}\" = {Parameter(command, p, entry.Property(p.Name).CurrentValue, postgres)}"))
            .Append(changed.Count > 0 ? ", " : "")
            .Append("\"Version\" = ").Append(Parameter(command, (ValueConverter?)null, read + 1, postgres))
            .Append(" WHERE \"").Append(Column(key)).Append("\" = ").Append(Parameter(command, key, entry.Property(key.Name).CurrentValue, postgres))
            .Append(" AND \"Version\" = ").Append(Parameter(command, (ValueConverter?)null, read, postgres))
            .Append(";\n");
        return read + 1;
    }

    private static string Column(IProperty property) =>
        property.GetColumnName(StoreObjectIdentifier.Table(property.DeclaringType.GetTableName()!, null))!;

    private static string Parameter(DbCommand command, IProperty? property, object? value, bool postgres) =>
        Parameter(command, property?.GetTypeMapping().Converter, value, postgres);

    private static string Parameter(DbCommand command, ValueConverter? converter, object? value, bool postgres)
    {
        if (value is not null && converter is not null)
        {
            value = converter.ConvertToProvider(value);
        }

        if (postgres && value is DateTimeOffset instant)
        {
            // timestamptz takes UTC only.
            value = instant.ToUniversalTime();
        }

        var parameter = command.CreateParameter();
        parameter.ParameterName = "@p" + command.Parameters.Count;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter.ParameterName;
    }
}
