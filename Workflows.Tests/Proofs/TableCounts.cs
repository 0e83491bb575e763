using Microsoft.EntityFrameworkCore;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Proofs;

/// <summary>Row counts of every table of the application's model: what a refused request must leave unchanged.</summary>
public static class TableCounts
{
    public static Task<SortedDictionary<string, long>> AllAsync(WorkflowsApp app) => app.WithDbAsync(async db =>
    {
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var tables = db.Model.GetEntityTypes()
            .Where(t => t.GetTableName() is not null && t.GetViewName() is null)
            .Select(t => (Schema: t.GetSchema(), Table: t.GetTableName()!))
            .Distinct();
        foreach (var (schema, table) in tables)
        {
            var name = schema is null ? $"\"{table}\"" : $"\"{schema}\".\"{table}\"";
#pragma warning disable EF1002 // table names come from the model, not from input
            counts[name] = await db.Database.SqlQueryRaw<long>($"SELECT COUNT(*) AS \"Value\" FROM {name}").SingleAsync();
#pragma warning restore EF1002
        }

        return counts;
    });

    /// <summary>The tables whose counts differ, for a readable failure.</summary>
    public static string Diff(IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after) =>
        string.Join(", ", before.Keys.Union(after.Keys)
            .Where(k => before.GetValueOrDefault(k) != after.GetValueOrDefault(k))
            .Select(k => $"{k}: {before.GetValueOrDefault(k)} → {after.GetValueOrDefault(k)}"));
}
