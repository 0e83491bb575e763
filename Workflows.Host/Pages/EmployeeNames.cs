using Microsoft.EntityFrameworkCore;
using Workflows.Host.Data;

namespace Workflows.Host.Pages;

/// <summary>Display names for the employee ids a page shows, in one query.</summary>
public static class EmployeeNames
{
    public static async Task<IReadOnlyDictionary<string, string>> LoadAsync(WorkflowDbContext db, IEnumerable<string?> ids, CancellationToken ct)
    {
        var wanted = ids.OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        if (wanted.Count == 0)
        {
            return new Dictionary<string, string>(StringComparer.Ordinal);
        }

        return await db.Users.AsNoTracking().Where(u => wanted.Contains(u.Id))
            .ToDictionaryAsync(u => u.Id, u => u.Name, StringComparer.Ordinal, ct);
    }

    /// <summary>A sum of stored amounts too large to compute, in words, with the employee's name.</summary>
    public static async Task<string> OverflowInWordsAsync(WorkflowDbContext db, Definitions.Ledger.AmountOverflowException overflow, CancellationToken ct) =>
        Platform.Glossary.Overflow(overflow.Sum, await LoadAsync(db, [overflow.Sum.EmployeeId], ct));

    public static string NameOf(this IReadOnlyDictionary<string, string> names, string? id) =>
        id is null ? "—" : names.TryGetValue(id, out var name) ? name : id;
}
