using Workflows.Definitions.Violations;

namespace Workflows.Definitions.Eligibility;

/// <summary>A violation as eligibility sees it.</summary>
public sealed record ViolationFact(string Id, string RuleCode, DateOnly OccurredOn, ViolationStatus Status);

/// <summary>The question "may this employee be promoted to that rank, as of that date?".</summary>
/// <param name="EmployeeId">The candidate.</param>
/// <param name="CurrentRank">The candidate's rank now; null for an account outside the ladder.</param>
/// <param name="TargetRank">The rank applied for.</param>
/// <param name="AsOf">The application date (department time zone).</param>
/// <param name="Violations">Every violation of the candidate, whatever its date and status.</param>
public sealed record EligibilityQuery(
    string EmployeeId,
    Rank? CurrentRank,
    Rank TargetRank,
    DateOnly AsOf,
    IReadOnlyList<ViolationFact> Violations);

/// <summary>Why a considered violation counts or not.</summary>
public enum ConsideredReason
{
    /// <summary>Counting status and dated inside the window: it blocks.</summary>
    InsideWindow,

    /// <summary>Waived: off the record.</summary>
    Waived,

    /// <summary>Dated before the window starts.</summary>
    BeforeWindow,

    /// <summary>Dated after the application date: not part of this decision (it may delay the earliest date).</summary>
    AfterApplicationDate,

    /// <summary>The target rank has no window (it is not a promotion target), so nothing is judged.</summary>
    NoWindow,
}

/// <summary>One violation in the explanation: what it is and whether it counts.</summary>
public sealed record ConsideredViolation(
    string ViolationId,
    string RuleCode,
    DateOnly OccurredOn,
    ViolationStatus Status,
    bool Counts,
    ConsideredReason ReasonCode);

/// <summary>Which eligibility requirement is unmet.</summary>
public enum EligibilityRule
{
    /// <summary>The employee has no rank: outside the department's ladder.</summary>
    NoRank,

    /// <summary>The target rank is not a promotion target (Member).</summary>
    NotAPromotionTarget,

    /// <summary>The target rank is not above the current rank.</summary>
    TargetNotAbove,

    /// <summary>Violations count inside the target rank's clean-record window.</summary>
    ViolationsInWindow,
}

/// <summary>One unmet requirement, with what the host needs to say it: the ranks, and for
/// <see cref="EligibilityRule.ViolationsInWindow"/> the window and the violations that block.</summary>
public sealed record EligibilityReason(
    EligibilityRule Rule,
    Rank? CurrentRank,
    Rank TargetRank,
    int? WindowMonths = null,
    DateOnly? WindowStart = null,
    DateOnly? WindowEnd = null,
    IReadOnlyList<ConsideredViolation>? Blocking = null);

/// <summary>
/// The explained answer (<c>GET /api/eligibility</c>, docs/api.md §Violations and eligibility), stored as a snapshot in workflow history.
/// </summary>
/// <param name="Eligible">True when <see cref="Reasons"/> is empty.</param>
/// <param name="WindowMonths">Null when the target rank has no window (Member is never a target).</param>
/// <param name="WindowStart">First day of the window, inclusive; null with <see cref="WindowMonths"/>.</param>
/// <param name="WindowEnd">Last day of the window, inclusive: the application date.</param>
/// <param name="EarliestEligibleOn">Null when eligible, and when waiting cannot help (a rank problem).</param>
/// <param name="Considered">Every violation of the candidate, ordered by date, with whether it counts and why.</param>
/// <param name="Reasons">Every unmet requirement, as codes with their arguments.</param>
/// <param name="IsSkipLevel">The target is more than one rung above the current rank (越级).</param>
public sealed record EligibilityResult(
    string EmployeeId,
    bool Eligible,
    Rank? CurrentRank,
    Rank TargetRank,
    DateOnly AsOf,
    int? WindowMonths,
    DateOnly? WindowStart,
    DateOnly WindowEnd,
    DateOnly? EarliestEligibleOn,
    IReadOnlyList<ConsideredViolation> Considered,
    IReadOnlyList<EligibilityReason> Reasons,
    string CatalogVersion,
    bool IsSkipLevel);

/// <summary>
/// The clean-record eligibility rule (docs/domain.md §Clean-record windows) with its explanation.
/// </summary>
/// <remarks>
/// Requirements, all reported when unmet: the candidate has a rank on the ladder; the target is a
/// promotion target (not Member) above the current rank; no violation counts in the target rank's
/// window. A skip-level application uses the <i>target</i> rank's window (docs/domain.md §Skip-level); whether it
/// carries a justification is the application form's concern, not eligibility's.
/// </remarks>
public static class EligibilityEvaluator
{
    public static EligibilityResult Evaluate(EligibilityQuery query, string catalogVersion)
    {
        var reasons = new List<EligibilityReason>();
        var rankProblem = false;

        if (query.CurrentRank is null)
        {
            rankProblem = true;
            reasons.Add(new(EligibilityRule.NoRank, null, query.TargetRank));
        }

        var months = CleanRecordWindow.MonthsFor(query.TargetRank);
        if (months is null)
        {
            rankProblem = true;
            reasons.Add(new(EligibilityRule.NotAPromotionTarget, query.CurrentRank, query.TargetRank));
        }
        else if (query.CurrentRank is { } current && query.TargetRank <= current)
        {
            rankProblem = true;
            reasons.Add(new(EligibilityRule.TargetNotAbove, current, query.TargetRank));
        }

        var window = months is { } m ? CleanRecordWindow.Ending(query.AsOf, m) : (CleanRecordWindow?)null;
        var considered = query.Violations
            .OrderBy(v => v.OccurredOn)
            .ThenBy(v => v.Id, StringComparer.Ordinal)
            .Select(v => Consider(v, query.AsOf, window))
            .ToList();

        var blocking = considered.Where(c => c.Counts).ToList();
        if (blocking.Count > 0 && window is { } w)
        {
            reasons.Add(new(EligibilityRule.ViolationsInWindow, query.CurrentRank, query.TargetRank, w.Months, w.Start, w.End, blocking));
        }

        DateOnly? earliest = null;
        if (blocking.Count > 0 && !rankProblem && window is { } win)
        {
            var countingDates = query.Violations.Where(v => v.Status.Counts()).Select(v => v.OccurredOn);
            earliest = CleanRecordWindow.EarliestEligibleDate(query.AsOf, win.Months, countingDates);
        }

        var isSkipLevel = query.CurrentRank is { } from && query.TargetRank - from > 1;

        return new EligibilityResult(
            query.EmployeeId,
            reasons.Count == 0,
            query.CurrentRank,
            query.TargetRank,
            query.AsOf,
            window?.Months,
            window?.Start,
            query.AsOf,
            earliest,
            considered,
            reasons,
            catalogVersion,
            isSkipLevel);
    }

    private static ConsideredViolation Consider(ViolationFact v, DateOnly asOf, CleanRecordWindow? window)
    {
        var code = v switch
        {
            _ when !v.Status.Counts() => ConsideredReason.Waived,
            _ when v.OccurredOn > asOf => ConsideredReason.AfterApplicationDate,
            _ when window is { } w && v.OccurredOn < w.Start => ConsideredReason.BeforeWindow,
            _ when window is not null => ConsideredReason.InsideWindow,
            // No window (the target is not a promotion target): nothing can be judged against it.
            _ => ConsideredReason.NoWindow,
        };

        return new ConsideredViolation(v.Id, v.RuleCode, v.OccurredOn, v.Status, code == ConsideredReason.InsideWindow, code);
    }
}
