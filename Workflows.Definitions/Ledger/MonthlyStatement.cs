using Workflows.Definitions.Violations;

namespace Workflows.Definitions.Ledger;

/// <summary>The kind of a statement line (docs/api.md §Ledger).</summary>
public enum StatementLineKind
{
    Penalty,
    Reward,
    Adjustment,
}

/// <summary>
/// One line of a monthly statement. See <see cref="MonthlyStatement"/> for the sign convention.
/// </summary>
/// <param name="Amount">Penalty and Reward: a magnitude, never negative. Adjustment: signed
/// (negative refunds a penalty, e.g. after a dispute reduced or waived it in a closed month).</param>
/// <param name="Note">A penalty's rule code and date, a reward's reason, an adjustment's note.</param>
/// <param name="SourceId">The reward's or adjustment's id; for a penalty, the violation's id.</param>
/// <param name="PenaltyStatus">A penalty's violation status (reduced, under dispute…), for the host to say beside the note.</param>
public sealed record StatementLine(StatementLineKind Kind, string? ViolationId, decimal Amount, string Note, string? SourceId = null, ViolationStatus? PenaltyStatus = null)
{
    /// <summary>The line's effect on what the employee owes the fund: penalty +, reward −, adjustment as is.</summary>
    public decimal SignedAmount => Kind switch
    {
        StatementLineKind.Penalty => Amount,
        StatementLineKind.Reward => -Amount,
        StatementLineKind.Adjustment => Amount,
        _ => throw new InvalidOperationException($"Unknown line kind {Kind}."),
    };
}

/// <summary>A violation as the ledger sees it.</summary>
/// <param name="ChargedIn">The month whose statement carries the penalty: normally the month it occurred
/// in (see <see cref="MonthlyStatement.ChargeMonth"/>).</param>
public sealed record ViolationCharge(
    string ViolationId,
    string RuleCode,
    DateOnly OccurredOn,
    ViolationStatus Status,
    decimal PenaltyAmount,
    LedgerMonth ChargedIn);

/// <summary>A reward (奖励) recorded by the supervisor or the manager.</summary>
public sealed record RewardEntry(string Id, DateOnly AwardedOn, decimal Amount, string Reason);

/// <summary>A correction posted to a month's statement (e.g. a dispute decided after its month closed).</summary>
/// <param name="Amount">Signed: negative refunds (reduces what the employee owes the fund).</param>
public sealed record LedgerAdjustment(string Id, LedgerMonth PostedTo, string? ViolationId, decimal Amount, string Note);

/// <summary>
/// An employee's 乐捐 statement for one month (docs/domain.md §The ledger and month close): penalty, reward and adjustment lines and the total.
/// </summary>
/// <remarks>
/// <para><b>Sign convention (Decision).</b> Amounts are CNY. Penalty and reward lines carry positive
/// magnitudes; adjustment lines are signed. <see cref="Total"/> is what the employee owes the
/// department fund for the month: <c>Total = Penalties − Rewards + Adjustments</c>, i.e. the sum of the
/// lines' <see cref="StatementLine.SignedAmount"/>. A negative total means the fund owes the employee.</para>
/// <para><b>Waived violations</b> get no line (their amount is 0 and they no longer count); a reduced one
/// appears with its reduced amount; one under dispute still appears with its current amount.</para>
/// <para><b>Open and closed months.</b> <see cref="Calculate"/> works from current facts and is used for
/// an open month and at month close. A closed statement is a stored snapshot and is never recalculated:
/// a later change (a dispute decided after close) reaches the ledger as a <see cref="LedgerAdjustment"/>
/// posted to the next open month, so the closed month's figures never move.</para>
/// </remarks>
public sealed record MonthlyStatement(
    string EmployeeId,
    LedgerMonth Month,
    IReadOnlyList<StatementLine> Lines)
{
    // Summed once, when the statement is made, with checked sums: a statement whose stored lines overflow is refused
    // where it is loaded (AmountOverflowException), never half-way through showing it.

    /// <summary>Sum of the penalty lines.</summary>
    public decimal Penalties { get; } = Sum(Lines, EmployeeId, Month, StatementLineKind.Penalty);

    /// <summary>Sum of the reward lines.</summary>
    public decimal Rewards { get; } = Sum(Lines, EmployeeId, Month, StatementLineKind.Reward);

    /// <summary>Sum of the (signed) adjustment lines.</summary>
    public decimal Adjustments { get; } = Sum(Lines, EmployeeId, Month, StatementLineKind.Adjustment);

    /// <summary>What the employee owes the fund for the month: penalties − rewards + adjustments.</summary>
    public decimal Total { get; } = MoneySum.Of(Lines.Select(l => l.SignedAmount), Describe(EmployeeId, Month));

    /// <summary>
    /// The statement of <paramref name="employeeId"/> for <paramref name="month"/> from that employee's
    /// facts; facts of other months are ignored, so callers may pass more than the month's.
    /// Lines come in the order penalties (by date), rewards (by date), adjustments.
    /// </summary>
    public static MonthlyStatement Calculate(
        string employeeId,
        LedgerMonth month,
        IEnumerable<ViolationCharge> violations,
        IEnumerable<RewardEntry> rewards,
        IEnumerable<LedgerAdjustment> adjustments)
    {
        var penaltyLines = violations
            .Where(v => v.ChargedIn == month && v.Status.Counts())
            .OrderBy(v => v.OccurredOn).ThenBy(v => v.ViolationId, StringComparer.Ordinal)
            .Select(v => new StatementLine(StatementLineKind.Penalty, v.ViolationId, v.PenaltyAmount,
                FormattableString.Invariant($"{v.RuleCode} {v.OccurredOn:yyyy-MM-dd}"),
                v.ViolationId, v.Status));
        var rewardLines = rewards
            .Where(r => month.Contains(r.AwardedOn))
            .OrderBy(r => r.AwardedOn).ThenBy(r => r.Id, StringComparer.Ordinal)
            .Select(r => new StatementLine(StatementLineKind.Reward, null, r.Amount, r.Reason, r.Id));
        var adjustmentLines = adjustments
            .Where(a => a.PostedTo == month)
            .OrderBy(a => a.Id, StringComparer.Ordinal)
            .Select(a => new StatementLine(StatementLineKind.Adjustment, a.ViolationId, a.Amount, a.Note, a.Id));

        return new MonthlyStatement(employeeId, month, [.. penaltyLines, .. rewardLines, .. adjustmentLines]);
    }

    /// <summary>
    /// The month whose statement carries a violation's penalty: the month it occurred in, unless that
    /// month is already closed (a violation recorded late), in which case the first open month after
    /// <paramref name="lastClosedMonth"/> — a closed statement never changes.
    /// </summary>
    public static LedgerMonth ChargeMonth(DateOnly occurredOn, LedgerMonth? lastClosedMonth)
    {
        var month = LedgerMonth.Of(occurredOn);
        return lastClosedMonth is { } closed && month <= closed ? closed.Next() : month;
    }

    private static decimal Sum(IReadOnlyList<StatementLine> lines, string employeeId, LedgerMonth month, StatementLineKind kind) =>
        MoneySum.Of(lines.Where(l => l.Kind == kind).Select(l => l.Amount), Describe(employeeId, month));

    private static AmountSum Describe(string employeeId, LedgerMonth month) => new(month, employeeId);
}

/// <summary>One month of the department fund (信息部内部).</summary>
/// <param name="PenaltiesCollected">Penalty lines of the month.</param>
/// <param name="Adjustments">Signed adjustments posted to the month (refunds are negative).</param>
/// <param name="RewardsPaid">Reward lines of the month.</param>
/// <param name="Net">PenaltiesCollected + Adjustments − RewardsPaid.</param>
/// <param name="Balance">The fund after this month: the opening balance plus every month's net so far.</param>
public sealed record FundMonth(LedgerMonth Month, decimal PenaltiesCollected, decimal Adjustments, decimal RewardsPaid, decimal Net, decimal Balance);

/// <summary>The department fund by month, from the employees' statements (docs/domain.md §The ledger and month close).</summary>
public static class DepartmentFund
{
    /// <summary>
    /// Month-by-month totals over <paramref name="statements"/> (any employees, any months), in month order,
    /// with a running balance. Months without statements are not listed.
    /// </summary>
    public static IReadOnlyList<FundMonth> Summarize(IEnumerable<MonthlyStatement> statements, decimal openingBalance = 0m)
    {
        var balance = openingBalance;
        var months = new List<FundMonth>();
        foreach (var group in statements.GroupBy(s => s.Month).OrderBy(g => g.Key))
        {
            var what = new AmountSum(group.Key, null);
            var penalties = MoneySum.Of(group.Select(s => s.Penalties), what);
            var adjustments = MoneySum.Of(group.Select(s => s.Adjustments), what);
            var rewards = MoneySum.Of(group.Select(s => s.Rewards), what);
            var net = MoneySum.Add(MoneySum.Add(penalties, adjustments, what), -rewards, what);
            balance = MoneySum.Add(balance, net, what);
            months.Add(new FundMonth(group.Key, penalties, adjustments, rewards, net, balance));
        }

        return months;
    }
}
