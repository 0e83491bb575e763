using Workflows.Definitions.Ledger;
using Workflows.Definitions.Violations;

namespace Workflows.Definitions.Disputes;

/// <summary>The supervisor's decision on a penalty dispute (docs/domain.md §Penalty disputes).</summary>
public abstract record DisputeDecision
{
    private DisputeDecision()
    {
    }

    /// <summary>The violation stands as recorded.</summary>
    public sealed record Uphold : DisputeDecision;

    /// <summary>The violation stands (still counts) with a lower penalty.</summary>
    public sealed record Reduce(decimal NewAmount) : DisputeDecision;

    /// <summary>The violation is lifted: it no longer counts and its amount becomes 0.</summary>
    public sealed record Waive : DisputeDecision;

    /// <summary>
    /// What the decision does to a violation now <c>UnderDispute</c> with penalty
    /// <paramref name="currentAmount"/>, whose charged month is closed or not.
    /// </summary>
    /// <remarks>
    /// When the month is open the statement is recalculated from the violation's new amount and no
    /// adjustment is needed; when it is closed the closed statement stays as it is and the change reaches
    /// the ledger as an adjustment of <see cref="DisputeResolution.Resolved.Delta"/> (negative for a
    /// reduction or waiver) in the next open month.
    /// </remarks>
    /// <param name="bounds">The money bounds of docs/domain.md §Limits a reduced amount must keep (default: <see cref="MoneyBounds.Default"/>).</param>
    public DisputeResolution Resolve(ViolationStatus currentStatus, decimal currentAmount, bool monthClosed, MoneyBounds? bounds = null)
    {
        if (currentStatus != ViolationStatus.UnderDispute)
        {
            return new DisputeResolution.Invalid("status", new DecisionProblem.NotUnderDispute(currentStatus));
        }

        var (status, amount) = this switch
        {
            Uphold => (ViolationStatus.Upheld, currentAmount),
            Waive => (ViolationStatus.Waived, 0m),
            Reduce reduce => (ViolationStatus.Reduced, reduce.NewAmount),
            _ => throw new InvalidOperationException($"Unknown decision {GetType().Name}."),
        };

        if (this is Reduce)
        {
            // Above 0 like every amount (docs/domain.md §Limits): lifting the whole penalty is a waiver, not a reduction to 0.
            if ((bounds ?? MoneyBounds.Default).Check(amount) is { } wrong)
            {
                return new DisputeResolution.Invalid("amount", new DecisionProblem.Amount(wrong));
            }

            if (amount >= currentAmount)
            {
                return new DisputeResolution.Invalid("amount", new DecisionProblem.NotBelowCurrent(amount, currentAmount));
            }
        }

        var delta = amount - currentAmount;
        return new DisputeResolution.Resolved(status, amount, delta, monthClosed && delta != 0 ? delta : null);
    }
}

/// <summary>The effect of a <see cref="DisputeDecision"/>.</summary>
public abstract record DisputeResolution
{
    private DisputeResolution()
    {
    }

    /// <param name="NewStatus">Upheld, Reduced or Waived.</param>
    /// <param name="NewAmount">The violation's penalty from now on (0 when waived).</param>
    /// <param name="Delta">NewAmount − the old amount: 0 or negative.</param>
    /// <param name="AdjustmentAmount">The adjustment line to post to the next open month when the violation's
    /// month is already closed; null when none is needed (open month, or nothing changed).</param>
    public sealed record Resolved(ViolationStatus NewStatus, decimal NewAmount, decimal Delta, decimal? AdjustmentAmount) : DisputeResolution;

    /// <summary>The decision cannot be applied; <paramref name="Field"/> names the offending input.</summary>
    public sealed record Invalid(string Field, DecisionProblem Problem) : DisputeResolution;
}

/// <summary>Why a dispute decision cannot be applied.</summary>
public abstract record DecisionProblem
{
    private DecisionProblem()
    {
    }

    /// <summary>The violation is not under dispute (it is <paramref name="Status"/>).</summary>
    public sealed record NotUnderDispute(ViolationStatus Status) : DecisionProblem;

    /// <summary>The reduced amount breaks a money bound.</summary>
    public sealed record Amount(AmountProblem Problem) : DecisionProblem;

    /// <summary>The reduced amount <paramref name="NewAmount"/> is not below the current penalty.</summary>
    public sealed record NotBelowCurrent(decimal NewAmount, decimal Current) : DecisionProblem;
}
