using System.Globalization;

namespace Workflows.Definitions.Ledger;

/// <summary>
/// The bounds every amount of money passes before it is written (docs/domain.md §Limits): penalties, rewards and a dispute's
/// reduced amount are yuan above 0, at most <see cref="Maximum"/> (configurable, <see cref="DefaultMaximum"/> by
/// default), with at most two decimals. One definition, asked by every path that stores an amount.
/// </summary>
public sealed record MoneyBounds(decimal Maximum)
{
    public const decimal DefaultMaximum = 100_000m;

    public static readonly MoneyBounds Default = new(DefaultMaximum);

    /// <summary>Why <paramref name="amount"/> may not be stored, in English and Chinese; null when it may.</summary>
    public string? Check(decimal amount)
    {
        if (amount <= 0)
        {
            return $"The amount must be more than 0 (got {Text(amount)}) / 金额必须大于0";
        }

        if (amount > Maximum)
        {
            return $"The amount can be at most {Text(Maximum)} yuan (got {Text(amount)}) / 金额不能超过{Text(Maximum)}元";
        }

        return decimal.Round(amount, 2) != amount
            ? $"The amount has at most 2 decimals (got {Text(amount)}) / 金额最多两位小数"
            : null;
    }

    private static string Text(decimal amount) => amount.ToString("0.##############################", CultureInfo.InvariantCulture);
}

/// <summary>
/// A sum of stored amounts that does not fit in a <see cref="decimal"/>. Only data written before the bounds existed
/// can get there (the largest sum of bounded amounts is far below the limit); the API answers it as a problem and the
/// pages say it in words, instead of failing the request.
/// </summary>
public sealed class AmountOverflowException(string what)
    : OverflowException($"The stored amounts of {what} add up to more than can be computed; a record holds an amount far beyond the bounds. Ask HR to correct it.");

/// <summary>Checked sums of money: an overflow is an <see cref="AmountOverflowException"/> naming what was summed.</summary>
public static class MoneySum
{
    public static decimal Add(decimal a, decimal b, string what)
    {
        try
        {
            return a + b;
        }
        catch (OverflowException)
        {
            throw new AmountOverflowException(what);
        }
    }

    public static decimal Of(IEnumerable<decimal> amounts, string what)
    {
        var sum = 0m;
        foreach (var amount in amounts)
        {
            sum = Add(sum, amount, what);
        }

        return sum;
    }
}
