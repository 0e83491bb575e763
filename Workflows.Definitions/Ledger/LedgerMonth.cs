using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Workflows.Definitions.Ledger;

/// <summary>A calendar month of the 乐捐 ledger, written <c>yyyy-MM</c> (docs/api.md §Conventions), also in JSON.</summary>
[JsonConverter(typeof(LedgerMonthJsonConverter))]
public readonly record struct LedgerMonth : IComparable<LedgerMonth>
{
    public LedgerMonth(int year, int month)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(year, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(year, 9999);
        ArgumentOutOfRangeException.ThrowIfLessThan(month, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(month, 12);
        Year = year;
        Month = month;
    }

    public int Year { get; }

    public int Month { get; }

    /// <summary>The first day of the month.</summary>
    public DateOnly FirstDay => new(Year, Month, 1);

    /// <summary>The last day of the month.</summary>
    public DateOnly LastDay => new(Year, Month, DateTime.DaysInMonth(Year, Month));

    /// <summary>The month <paramref name="date"/> falls in.</summary>
    public static LedgerMonth Of(DateOnly date) => new(date.Year, date.Month);

    /// <summary>Parses <c>yyyy-MM</c> exactly (e.g. <c>2026-02</c>).</summary>
    /// <exception cref="FormatException">Not a <c>yyyy-MM</c> month.</exception>
    public static LedgerMonth Parse(string text) =>
        TryParse(text, out var month) ? month : throw new FormatException($"'{text}' is not a month in the form yyyy-MM.");

    /// <summary>Parses <c>yyyy-MM</c> exactly; false for anything else (API: 400 for an impossible month).</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out LedgerMonth month)
    {
        month = default;
        if (text is null || !DateOnly.TryParseExact(text, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return false;
        }

        month = Of(date);
        return true;
    }

    public LedgerMonth Next() => Of(FirstDay.AddMonths(1));

    public LedgerMonth Previous() => Of(FirstDay.AddMonths(-1));

    public bool Contains(DateOnly date) => date.Year == Year && date.Month == Month;

    public int CompareTo(LedgerMonth other) => (Year, Month).CompareTo((other.Year, other.Month));

    public static bool operator <(LedgerMonth left, LedgerMonth right) => left.CompareTo(right) < 0;

    public static bool operator >(LedgerMonth left, LedgerMonth right) => left.CompareTo(right) > 0;

    public static bool operator <=(LedgerMonth left, LedgerMonth right) => left.CompareTo(right) <= 0;

    public static bool operator >=(LedgerMonth left, LedgerMonth right) => left.CompareTo(right) >= 0;

    /// <summary><c>yyyy-MM</c>.</summary>
    public override string ToString() => $"{Year:D4}-{Month:D2}";
}

/// <summary>Reads and writes <see cref="LedgerMonth"/> as the JSON string <c>"yyyy-MM"</c>.</summary>
public sealed class LedgerMonthJsonConverter : JsonConverter<LedgerMonth>
{
    public override LedgerMonth Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && LedgerMonth.TryParse(reader.GetString(), out var month)
            ? month
            : throw new JsonException("A month must be a string in the form yyyy-MM.");

    public override void Write(Utf8JsonWriter writer, LedgerMonth value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
