using Workflows.Definitions.Violations;

namespace Workflows.Definitions.Disputes;

/// <summary>Why a violation cannot be disputed now.</summary>
public enum DisputeRefusal
{
    /// <summary>The violation is under dispute, or a dispute on it was decided or withdrawn: one dispute per violation.</summary>
    AlreadyDisputed,

    /// <summary>The violation was waived without a dispute: there is nothing to dispute.</summary>
    Waived,

    /// <summary>Its month closed more than the allowed days ago.</summary>
    WindowClosed,
}

/// <summary>The answer of <see cref="DisputeWindow.Check"/>.</summary>
public abstract record DisputeAdmission
{
    private DisputeAdmission()
    {
    }

    /// <param name="OpenUntil">Last day a dispute may be opened; null while the month is still open.</param>
    public sealed record Open(DateOnly? OpenUntil) : DisputeAdmission;

    /// <summary>No dispute; for <see cref="DisputeRefusal.WindowClosed"/> the window's last day and the month's close date.</summary>
    public sealed record Refused(DisputeRefusal Refusal, DateOnly? LastDay = null, DateOnly? ClosedOn = null, int DaysAfterClose = 0) : DisputeAdmission;
}

/// <summary>
/// When an employee may dispute a violation (docs/domain.md §Penalty disputes): any time while the month carrying its
/// penalty is open, and up to <see cref="DaysAfterClose"/> days (default 7, configurable) after that
/// month is closed. One dispute per violation.
/// </summary>
/// <param name="DaysAfterClose">Days after the close date on which a dispute is still accepted; the close
/// date plus this many days is the last day (inclusive).</param>
public sealed record DisputeWindow(int DaysAfterClose = DisputeWindow.DefaultDaysAfterClose)
{
    public const int DefaultDaysAfterClose = 7;

    public int DaysAfterClose { get; } = DaysAfterClose >= 0
        ? DaysAfterClose
        : throw new ArgumentOutOfRangeException(nameof(DaysAfterClose), DaysAfterClose, "Must be 0 or more.");

    /// <param name="status">The violation's status.</param>
    /// <param name="disputedBefore">Whether a dispute was ever opened on it (also a withdrawn one, which
    /// leaves the violation <c>Active</c>).</param>
    /// <param name="monthClosedOn">The date (department time) its month was closed; null while open.</param>
    /// <param name="today">Today in the department's time zone.</param>
    public DisputeAdmission Check(ViolationStatus status, bool disputedBefore, DateOnly? monthClosedOn, DateOnly today)
    {
        if (status != ViolationStatus.Active || disputedBefore)
        {
            return new DisputeAdmission.Refused(status == ViolationStatus.Waived && !disputedBefore ? DisputeRefusal.Waived : DisputeRefusal.AlreadyDisputed);
        }

        if (monthClosedOn is not { } closedOn)
        {
            return new DisputeAdmission.Open(null);
        }

        var lastDay = closedOn.AddDays(DaysAfterClose);
        return today <= lastDay
            ? new DisputeAdmission.Open(lastDay)
            : new DisputeAdmission.Refused(DisputeRefusal.WindowClosed, lastDay, closedOn, DaysAfterClose);
    }
}
