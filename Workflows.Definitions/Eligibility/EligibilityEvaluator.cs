using System.Globalization;
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
    ConsideredReason ReasonCode,
    string Reason);

/// <summary>
/// The explained answer (<c>GET /api/eligibility</c>, docs/api.md §Violations and eligibility), stored as a snapshot in workflow history.
/// </summary>
/// <param name="Eligible">True when <see cref="Reasons"/> is empty.</param>
/// <param name="WindowMonths">Null when the target rank has no window (Member is never a target).</param>
/// <param name="WindowStart">First day of the window, inclusive; null with <see cref="WindowMonths"/>.</param>
/// <param name="WindowEnd">Last day of the window, inclusive: the application date.</param>
/// <param name="EarliestEligibleOn">Null when eligible, and when waiting cannot help (a rank problem).</param>
/// <param name="Considered">Every violation of the candidate, ordered by date, with whether it counts and why.</param>
/// <param name="Reasons">Every unmet requirement, in words (English / 中文).</param>
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
    IReadOnlyList<string> Reasons,
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
        var reasons = new List<string>();
        var rankProblem = false;

        if (query.CurrentRank is null)
        {
            rankProblem = true;
            reasons.Add("The employee has no rank: outside the department's ladder / 该员工不在信息部职级序列中");
        }

        var months = CleanRecordWindow.MonthsFor(query.TargetRank);
        if (months is null)
        {
            rankProblem = true;
            reasons.Add($"{query.TargetRank} is not a promotion target / {query.TargetRank} 不是晋升目标职级");
        }
        else if (query.CurrentRank is { } current && query.TargetRank <= current)
        {
            rankProblem = true;
            reasons.Add($"Target rank {query.TargetRank} is not above the current rank {current} / 目标职级必须高于当前职级");
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
            var list = string.Join(", ", blocking.Select(b => $"{b.RuleCode} on {b.OccurredOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}"));
            reasons.Add($"{blocking.Count} violation(s) in the {w.Months}-month clean-record window {Iso(w.Start)}..{Iso(w.End)}: {list} / 申请日之前{w.Months}个月内有违纪违规记录");
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
        var (code, text) = v switch
        {
            _ when !v.Status.Counts() => (ConsideredReason.Waived, "waived / 已豁免"),
            _ when v.OccurredOn > asOf => (ConsideredReason.AfterApplicationDate, "after the application date / 在申请日之后"),
            _ when window is { } w && v.OccurredOn < w.Start => (ConsideredReason.BeforeWindow, $"outside the window (before {Iso(w.Start)}) / 在考察期之外"),
            _ when window is { } w => (ConsideredReason.InsideWindow, $"inside the window {Iso(w.Start)}..{Iso(w.End)} / 在考察期内"),
            // No window (the target is not a promotion target): nothing can be judged against it.
            _ => (ConsideredReason.NoWindow, "no clean-record window applies / 无考察期"),
        };

        return new ConsideredViolation(v.Id, v.RuleCode, v.OccurredOn, v.Status, code == ConsideredReason.InsideWindow, code, text);
    }

    private static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
