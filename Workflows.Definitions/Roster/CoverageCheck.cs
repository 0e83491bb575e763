namespace Workflows.Definitions.Roster;

/// <summary>A change of the roster proposed by a shift-swap request (docs/domain.md §Shift swaps and coverage).</summary>
public abstract record RosterChange
{
    private RosterChange()
    {
    }

    /// <summary>Who asks: the person giving away <see cref="RequesterShiftId"/>.</summary>
    public abstract string RequesterId { get; init; }

    /// <summary>The colleague who takes the requester's shift.</summary>
    public abstract string CounterpartId { get; init; }

    /// <summary>The requester's shift.</summary>
    public abstract string RequesterShiftId { get; init; }

    /// <summary>A cover: the requester leaves their shift and the counterpart takes it.</summary>
    public sealed record Cover(string RequesterId, string CounterpartId, string RequesterShiftId)
        : RosterChange;

    /// <summary>A swap: the requester takes the counterpart's shift and the counterpart takes the requester's.</summary>
    public sealed record Swap(string RequesterId, string CounterpartId, string RequesterShiftId, string CounterpartShiftId)
        : RosterChange;
}

/// <summary>Which coverage rule a change breaks.</summary>
public enum CoverageRule
{
    /// <summary>A shift named by the change is not in the roster given.</summary>
    ShiftNotFound,

    /// <summary>The requester and the counterpart are the same person, or a swap names one shift twice.</summary>
    SamePersonOrShift,

    /// <summary>Nothing changes on a shift that has started.</summary>
    ShiftAlreadyStarted,

    /// <summary>The requester is not assigned to the shift they give away.</summary>
    RequesterNotOnShift,

    /// <summary>In a swap, the counterpart is not assigned to the shift they give away.</summary>
    CounterpartNotOnShift,

    /// <summary>The person taking a shift is already on it.</summary>
    AlreadyOnShift,

    /// <summary>After the change, someone would be on two overlapping shifts.</summary>
    DoubleBooking,

    /// <summary>After the change, a touched shift would have fewer people than its minimum staff.</summary>
    BelowMinimumStaff,
}

/// <summary>One broken rule, with the shift and person concerned (the host says it in words).</summary>
/// <param name="Shift">The shift concerned, when it is in the roster (as it would become, for a double booking or
/// a shift below its minimum staff).</param>
/// <param name="Other">For a double booking: the other, overlapping shift.</param>
public sealed record CoverageViolation(CoverageRule Rule, string ShiftId, string? EmployeeId, ShiftSlot? Shift = null, ShiftSlot? Other = null);

/// <summary>The answer of a coverage check.</summary>
public abstract record CoverageResult
{
    private CoverageResult()
    {
    }

    /// <summary>The change may be applied; <paramref name="ChangedShifts"/> are the touched shifts as they become.</summary>
    public sealed record Ok(IReadOnlyList<ShiftSlot> ChangedShifts) : CoverageResult;

    /// <summary>The change breaks at least one rule; the roster must stay as it is.</summary>
    public sealed record Rejected(IReadOnlyList<CoverageViolation> Violations) : CoverageResult;
}

/// <summary>
/// The coverage rules a shift swap or cover must keep (docs/domain.md §Shift swaps and coverage), checked on the roster as it is
/// at the moment of applying.
/// </summary>
/// <remarks>
/// <para>The roster given must hold the shifts the change touches and every other shift of the two people
/// involved; shifts of anyone else do not matter.</para>
/// <para><b>Decision (minimum staff):</b> a change must not leave any touched shift below its minimum
/// staff. A cover or swap keeps head counts equal, so this only fails when a touched shift is already
/// understaffed; such a shift is reported rather than silently carried, and the leader fixes the roster
/// with an assignment first.</para>
/// <para>All broken rules are reported, not only the first.</para>
/// </remarks>
public static class CoverageCheck
{
    /// <param name="roster">The touched shifts and every other shift of the requester and the counterpart.</param>
    /// <param name="change">The proposed cover or swap.</param>
    /// <param name="nowLocal">Now, as a local date and time in the department's time zone.</param>
    public static CoverageResult Evaluate(IReadOnlyCollection<ShiftSlot> roster, RosterChange change, DateTime nowLocal)
    {
        var violations = new List<CoverageViolation>();
        var shiftA = Find(roster, change.RequesterShiftId, violations);
        var shiftB = change is RosterChange.Swap swap ? Find(roster, swap.CounterpartShiftId, violations) : null;
        if (violations.Count > 0 || shiftA is null || (change is RosterChange.Swap && shiftB is null))
        {
            return new CoverageResult.Rejected(violations);
        }

        var requester = change.RequesterId;
        var counterpart = change.CounterpartId;
        if (string.Equals(requester, counterpart, StringComparison.Ordinal))
        {
            violations.Add(new(CoverageRule.SamePersonOrShift, shiftA.Id, requester, shiftA));
        }

        if (shiftB is not null && string.Equals(shiftA.Id, shiftB.Id, StringComparison.Ordinal))
        {
            violations.Add(new(CoverageRule.SamePersonOrShift, shiftA.Id, null, shiftA));
        }

        if (violations.Count > 0)
        {
            return new CoverageResult.Rejected(violations);
        }

        foreach (var shift in shiftB is null ? [shiftA] : new[] { shiftA, shiftB })
        {
            if (shift.HasStarted(nowLocal))
            {
                violations.Add(new(CoverageRule.ShiftAlreadyStarted, shift.Id, null, shift));
            }
        }

        if (!shiftA.IsAssigned(requester))
        {
            violations.Add(new(CoverageRule.RequesterNotOnShift, shiftA.Id, requester, shiftA));
        }

        if (shiftA.IsAssigned(counterpart))
        {
            violations.Add(new(CoverageRule.AlreadyOnShift, shiftA.Id, counterpart, shiftA));
        }

        if (shiftB is not null)
        {
            if (!shiftB.IsAssigned(counterpart))
            {
                violations.Add(new(CoverageRule.CounterpartNotOnShift, shiftB.Id, counterpart, shiftB));
            }

            if (shiftB.IsAssigned(requester))
            {
                violations.Add(new(CoverageRule.AlreadyOnShift, shiftB.Id, requester, shiftB));
            }
        }

        var newA = shiftA.WithoutAssignee(requester).WithAssignee(counterpart);
        var newB = shiftB?.WithoutAssignee(counterpart).WithAssignee(requester);
        var changed = newB is null ? new[] { newA } : [newA, newB];
        var after = roster
            .Where(s => changed.All(c => !string.Equals(c.Id, s.Id, StringComparison.Ordinal)))
            .Concat(changed)
            .ToList();

        violations.AddRange(DoubleBookings(counterpart, newA, after));
        if (newB is not null)
        {
            violations.AddRange(DoubleBookings(requester, newB, after));
        }

        foreach (var shift in changed.Where(s => s.AssigneeIds.Count < s.MinStaff))
        {
            violations.Add(new(CoverageRule.BelowMinimumStaff, shift.Id, null, shift));
        }

        return violations.Count == 0 ? new CoverageResult.Ok(changed) : new CoverageResult.Rejected(violations);
    }

    /// <summary>Every other shift of <paramref name="employeeId"/> that overlaps <paramref name="taken"/>.</summary>
    internal static IEnumerable<CoverageViolation> DoubleBookings(string employeeId, ShiftSlot taken, IEnumerable<ShiftSlot> roster) =>
        roster
            .Where(s => !string.Equals(s.Id, taken.Id, StringComparison.Ordinal) && s.IsAssigned(employeeId) && s.Overlaps(taken))
            .Select(s => new CoverageViolation(CoverageRule.DoubleBooking, taken.Id, employeeId, taken, s));

    private static ShiftSlot? Find(IReadOnlyCollection<ShiftSlot> roster, string id, List<CoverageViolation> violations)
    {
        var shift = roster.FirstOrDefault(s => string.Equals(s.Id, id, StringComparison.Ordinal));
        if (shift is null)
        {
            violations.Add(new(CoverageRule.ShiftNotFound, id, null));
        }

        return shift;
    }
}

/// <summary>
/// Adding a person to a shift (<c>POST /api/shifts/{id}/assignments</c>, docs/api.md §Roster): refused (422) when they
/// are already on it or it overlaps another of their shifts.
/// </summary>
public static class AssignmentCheck
{
    /// <param name="shift">The shift to join.</param>
    /// <param name="employeeId">The person to add.</param>
    /// <param name="employeeShifts">The person's other shifts (the shift itself may be among them).</param>
    public static CoverageResult Evaluate(ShiftSlot shift, string employeeId, IEnumerable<ShiftSlot> employeeShifts)
    {
        if (shift.IsAssigned(employeeId))
        {
            return new CoverageResult.Rejected([new(CoverageRule.AlreadyOnShift, shift.Id, employeeId, shift)]);
        }

        var added = shift.WithAssignee(employeeId);
        var clashes = CoverageCheck.DoubleBookings(employeeId, added, employeeShifts).ToList();
        return clashes.Count == 0 ? new CoverageResult.Ok([added]) : new CoverageResult.Rejected(clashes);
    }
}
