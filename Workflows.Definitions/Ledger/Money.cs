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

    /// <summary>Which bound <paramref name="amount"/> breaks, or null when it may be stored.</summary>
    public AmountProblem? Check(decimal amount)
    {
        if (amount <= 0)
        {
            return new AmountProblem(AmountRule.NotPositive, amount, Maximum);
        }

        if (amount > Maximum)
        {
            return new AmountProblem(AmountRule.AboveMaximum, amount, Maximum);
        }

        return decimal.Round(amount, 2) != amount ? new AmountProblem(AmountRule.TooManyDecimals, amount, Maximum) : null;
    }
}

/// <summary>Which money bound an amount breaks (docs/domain.md §Limits).</summary>
public enum AmountRule
{
    /// <summary>0 or less.</summary>
    NotPositive,

    /// <summary>More than the configured maximum.</summary>
    AboveMaximum,

    /// <summary>More than two decimals.</summary>
    TooManyDecimals,
}

/// <summary>An amount that may not be stored: the rule it breaks, the amount given and the maximum in force.</summary>
public sealed record AmountProblem(AmountRule Rule, decimal Amount, decimal Maximum);
/// <summary>
/// A sum of stored amounts that does not fit in a <see cref="decimal"/>. Only data written before the bounds existed
/// can get there (the largest sum of bounded amounts is far below the limit); the API answers it as a problem and the
/// pages say it in words, instead of failing the request.
/// </summary>
/// <param name="Sum">What was summed: the host says it in words.</param>
public sealed class AmountOverflowException(AmountSum sum)
    : OverflowException($"The stored amounts of {sum} add up to more than can be computed.")
{
    public AmountSum Sum { get; } = sum;
}

/// <summary>What a checked sum of money was adding up: a statement (an employee's month) or the fund's month.</summary>
/// <param name="EmployeeId">The employee whose statement it is; null for the department fund.</param>
public sealed record AmountSum(LedgerMonth Month, string? EmployeeId)
{
    public override string ToString() => EmployeeId is null ? $"the department fund in {Month}" : $"the statement of {Month} of employee {EmployeeId}";
}

/// <summary>Checked sums of money: an overflow is an <see cref="AmountOverflowException"/> naming what was summed.</summary>
public static class MoneySum
{
    public static decimal Add(decimal a, decimal b, AmountSum what)
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

    public static decimal Of(IEnumerable<decimal> amounts, AmountSum what)
    {
        var sum = 0m;
        foreach (var amount in amounts)
        {
            sum = Add(sum, amount, what);
        }

        return sum;
    }
}
