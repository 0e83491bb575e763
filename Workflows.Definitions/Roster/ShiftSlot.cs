namespace Workflows.Definitions.Roster;

/// <summary>
/// A shift of the roster (docs/domain.md §Shift swaps and coverage) with the people assigned to it. Times are wall-clock times in
/// the department's time zone.
/// </summary>
/// <param name="Start">Local start time on <paramref name="Date"/>.</param>
/// <param name="End">
/// Local end time. An end at or before the start means the shift crosses midnight and ends on the next
/// day (22:00–06:00); an end equal to the start is a 24-hour shift.
/// </param>
/// <param name="MinStaff">The fewest people the shift may have (确保不漏岗, 缺岗).</param>
public sealed record ShiftSlot(
    string Id,
    string GroupId,
    DateOnly Date,
    TimeOnly Start,
    TimeOnly End,
    int MinStaff,
    IReadOnlyList<string> AssigneeIds)
{
    /// <summary>Local date and time the shift starts.</summary>
    public DateTime StartsAt => Date.ToDateTime(Start);

    /// <summary>Local date and time the shift ends (the next day for an overnight shift).</summary>
    public DateTime EndsAt => End > Start ? Date.ToDateTime(End) : Date.AddDays(1).ToDateTime(End);

    /// <summary>Whether the shift crosses midnight.</summary>
    public bool IsOvernight => End <= Start;

    /// <summary>
    /// Whether two shifts share any moment. Intervals are half-open, <c>[start, end)</c>: a shift ending at
    /// 14:00 and another starting at 14:00 do not overlap (back-to-back shifts are allowed).
    /// </summary>
    public bool Overlaps(ShiftSlot other) => StartsAt < other.EndsAt && other.StartsAt < EndsAt;

    /// <summary>Whether the shift has started at local time <paramref name="nowLocal"/> (its start moment included).</summary>
    public bool HasStarted(DateTime nowLocal) => nowLocal >= StartsAt;

    public bool IsAssigned(string employeeId) => AssigneeIds.Contains(employeeId, StringComparer.Ordinal);

    /// <summary>A copy with <paramref name="employeeId"/> added (no-op when already there).</summary>
    public ShiftSlot WithAssignee(string employeeId) =>
        IsAssigned(employeeId) ? this : this with { AssigneeIds = [.. AssigneeIds, employeeId] };

    /// <summary>A copy with <paramref name="employeeId"/> removed.</summary>
    public ShiftSlot WithoutAssignee(string employeeId) =>
        this with { AssigneeIds = [.. AssigneeIds.Where(a => !string.Equals(a, employeeId, StringComparison.Ordinal))] };
}
