using Workflows.Definitions.Roster;

namespace Workflows.Definitions.ShiftSwaps;

/// <summary>
/// A shift-swap request as filed (docs/domain.md §Shift swaps and coverage): the requester's shift, the counterpart and, for a swap, the
/// counterpart's shift. Without a counterpart shift it is a cover: the counterpart takes the requester's shift.
/// </summary>
public sealed record ShiftSwapRequest(string RequesterId, string RequesterShiftId, string CounterpartId, string? CounterpartShiftId)
{
    /// <summary>Names of the instance variables the request is kept in (the design and the activities share them).</summary>
    public static class Variables
    {
        public const string Kind = "kind";
        public const string RequesterShiftId = "requesterShiftId";
        public const string CounterpartId = "counterpartId";
        public const string CounterpartShiftId = "counterpartShiftId";
        public const string Reason = "reason";

        /// <summary>The earliest start of the shifts involved, ISO-8601 with offset: every task step is due then.</summary>
        public const string ExpiresAt = "expiresAt";
    }

    public bool IsSwap => CounterpartShiftId is not null;

    /// <summary><c>swap</c> or <c>cover</c>, as shown on the instance.</summary>
    public string Kind => IsSwap ? "swap" : "cover";

    /// <summary>The shifts whose start ends the request: the requester's, and the counterpart's for a swap.</summary>
    public IReadOnlyList<string> ShiftIds => CounterpartShiftId is { } other ? [RequesterShiftId, other] : [RequesterShiftId];

    public RosterChange ToChange() => CounterpartShiftId is { } other
        ? new RosterChange.Swap(RequesterId, CounterpartId, RequesterShiftId, other)
        : new RosterChange.Cover(RequesterId, CounterpartId, RequesterShiftId);
}

/// <summary>Which leaders approve a request (docs/domain.md §Shift swaps and coverage: both leaders when the two are in different groups).</summary>
public static class ShiftSwapApproval
{
    public const string SameGroup = "sameGroup";
    public const string CrossGroup = "crossGroup";

    /// <summary>
    /// The route, from the two people's groups as the org has them when the counterpart accepts. Two people
    /// without a group (the supervisor and the manager) count as one "group": one approval, which the engine
    /// escalates up the line because neither has a group leader.
    /// </summary>
    public static string Route(string? requesterGroupId, string? counterpartGroupId) =>
        string.Equals(requesterGroupId, counterpartGroupId, StringComparison.Ordinal) ? SameGroup : CrossGroup;
}
