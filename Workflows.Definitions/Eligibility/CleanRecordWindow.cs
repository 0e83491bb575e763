namespace Workflows.Definitions.Eligibility;

/// <summary>
/// The clean-record window before an application date (docs/domain.md §Clean-record windows): the closed date range
/// <c>[applicationDate.AddMonths(-months), applicationDate]</c>, both ends included.
/// </summary>
/// <remarks>
/// <c>DateOnly.AddMonths</c> clamps to the last day of a shorter month, so the window of
/// 2026-05-31 with 3 months starts on 2026-02-28. This is the rule (docs/domain.md §Clean-record windows), not an accident.
/// </remarks>
public readonly record struct CleanRecordWindow
{
    private CleanRecordWindow(DateOnly start, DateOnly end, int months)
    {
        Start = start;
        End = end;
        Months = months;
    }

    /// <summary>First day of the window (inclusive).</summary>
    public DateOnly Start { get; }

    /// <summary>Last day of the window (inclusive): the application date.</summary>
    public DateOnly End { get; }

    /// <summary>Length of the window in months.</summary>
    public int Months { get; }

    /// <summary>The window length for promotion to <paramref name="targetRank"/>: GroupLeader 3, Supervisor 6,
    /// Manager 12 months; null for <see cref="Rank.Member"/>, which is never a promotion target.</summary>
    public static int? MonthsFor(Rank targetRank) => targetRank switch
    {
        Rank.GroupLeader => 3,
        Rank.Supervisor => 6,
        Rank.Manager => 12,
        _ => null,
    };

    /// <summary>The window of <paramref name="months"/> months ending on <paramref name="applicationDate"/>.</summary>
    public static CleanRecordWindow Ending(DateOnly applicationDate, int months)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(months);
        return new CleanRecordWindow(applicationDate.AddMonths(-months), applicationDate, months);
    }

    /// <summary>The window for promotion to <paramref name="targetRank"/> applied for on <paramref name="applicationDate"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="targetRank"/> is not a promotion target.</exception>
    public static CleanRecordWindow For(Rank targetRank, DateOnly applicationDate) =>
        Ending(applicationDate, MonthsFor(targetRank)
            ?? throw new ArgumentOutOfRangeException(nameof(targetRank), targetRank, "Member is not a promotion target."));

    /// <summary>Whether <paramref name="date"/> lies in the window (inclusive at both ends).</summary>
    public bool Contains(DateOnly date) => Start <= date && date <= End;

    /// <summary>
    /// The smallest date <c>e &gt; applicationDate</c> whose window of <paramref name="months"/> months
    /// contains none of <paramref name="countingDates"/> (docs/domain.md §Clean-record windows).
    /// </summary>
    /// <remarks>
    /// A violation on <c>v</c> blocks exactly the dates <c>e</c> with <c>v ≤ e</c> and
    /// <c>e.AddMonths(-W) ≤ v</c>; since <c>e ↦ e.AddMonths(-W)</c> never decreases, that is the interval
    /// <c>[v, FirstDateClearOf(v) - 1]</c>. The answer is the first date after the application date
    /// outside the union of those intervals. Violations dated after the application date block too:
    /// they will be inside the window of a later date.
    /// </remarks>
    public static DateOnly EarliestEligibleDate(DateOnly applicationDate, int months, IEnumerable<DateOnly> countingDates)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(months);
        var blocks = countingDates
            .Distinct()
            .Select(v => (From: v, Until: FirstDateClearOf(v, months)))
            .OrderBy(b => b.From)
            .ToList();

        var candidate = applicationDate.AddDays(1);
        foreach (var (from, until) in blocks)
        {
            // Blocks are sorted by start; once one starts after the candidate, no later one can cover it.
            if (from > candidate)
            {
                break;
            }

            if (candidate < until)
            {
                candidate = until;
            }
        }

        return candidate;
    }

    /// <summary>The first date whose window of <paramref name="months"/> months starts after <paramref name="violationDate"/>.</summary>
    public static DateOnly FirstDateClearOf(DateOnly violationDate, int months)
    {
        // violationDate.AddMonths(W).AddMonths(-W) <= violationDate always holds (clamping only moves down),
        // and clamping can keep a few more days' windows on the same start, so step forward from there.
        var e = violationDate.AddMonths(months);
        while (e.AddMonths(-months) <= violationDate)
        {
            e = e.AddDays(1);
        }

        return e;
    }
}
