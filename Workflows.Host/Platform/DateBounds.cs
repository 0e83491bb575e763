using Microsoft.AspNetCore.Http.HttpResults;

namespace Workflows.Host.Platform;

/// <summary>
/// The dates a query filter may name. Far outside them the arithmetic of instants and clean-record windows would
/// overflow (0001-01-01 minus a month, 9999-12-31 plus a day); no record of this department lies there.
/// </summary>
public static class DateBounds
{
    public static readonly DateOnly Earliest = new(1900, 1, 1);

    public static readonly DateOnly Latest = new(2199, 12, 31);

    public static bool Contains(DateOnly date) => date >= Earliest && date <= Latest;

    public static string Message(DateOnly date) =>
        $"{date:yyyy-MM-dd} is out of range: dates run from {Earliest:yyyy-MM-dd} to {Latest:yyyy-MM-dd}.";

    /// <summary>
    /// A month parameter (<c>yyyy-MM</c>) of the API or a page, parsed and bounded one way everywhere: not a month is a
    /// 400, a month outside the date bounds a 422 (docs/api.md §Errors: months out of bounds). Null when it is fine.
    /// </summary>
    public static (int Status, string Message)? ParseMonth(string text, out Definitions.Ledger.LedgerMonth month)
    {
        if (!Definitions.Ledger.LedgerMonth.TryParse(text, out month))
        {
            return (StatusCodes.Status400BadRequest, $"'{text}' is not a month in the form yyyy-MM.");
        }

        return Contains(month.FirstDay) && Contains(month.LastDay)
            ? null
            : (StatusCodes.Status422UnprocessableEntity, $"{month} is out of range: months run from {Earliest:yyyy-MM} to {Latest:yyyy-MM}.");
    }

    /// <summary>A 400 naming every out-of-range filter, or null when all are in range (or absent).</summary>
    public static ValidationProblem? Invalid(params (string Field, DateOnly? Value)[] filters)
    {
        var errors = filters.Where(f => f.Value is { } d && !Contains(d)).ToDictionary(f => f.Field, f => new[] { Message(f.Value!.Value) });
        return errors.Count == 0 ? null : Problems.Invalid(errors);
    }
}
