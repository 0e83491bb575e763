namespace Workflows.Definitions;

/// <summary>The department's ladder, lowest first (docs/domain.md §People, ranks and seats).</summary>
public enum Rank
{
    Member = 0,
    GroupLeader = 1,
    Supervisor = 2,
    Manager = 3,
}

/// <summary>Company roles outside the ladder, held by accounts.</summary>
public static class CompanyRoles
{
    public const string HR = "HR";
    public const string GeneralManager = "GeneralManager";
    public const string SeniorLeadership = "SeniorLeadership";

    public static readonly IReadOnlyList<string> All = [HR, GeneralManager, SeniorLeadership];

    public static bool IsKnown(string role) => All.Contains(role, StringComparer.Ordinal);
}

/// <summary>A seat someone holds: its rank, and for a group leader's seat the group.</summary>
public sealed record HeldSeat(Rank Rank, string? GroupId);

/// <summary>
/// Authority as docs/domain.md §People, ranks and seats defines it: acting as a group's leader, the supervisor or the manager comes from holding
/// that seat now, never from the rank label (which stays as it was until HR changes it, also after a vacate). Every
/// check asks this one type: tasks (who may act), recording and reading records, nominations, rewards, rosters, pages.
/// </summary>
public sealed class SeatAuthority
{
    public static readonly SeatAuthority None = new([]);

    public SeatAuthority(IEnumerable<HeldSeat> seats) => Seats = [.. seats];

    public IReadOnlyList<HeldSeat> Seats { get; }

    /// <summary>Holds a seat of <paramref name="rank"/> (for <see cref="Rank.GroupLeader"/>: any group's leader seat).</summary>
    public bool Holds(Rank rank) => Seats.Any(s => s.Rank == rank);

    /// <summary>Holds the leader seat of <paramref name="groupId"/>.</summary>
    public bool LeadsGroup(string? groupId) =>
        groupId is not null && Seats.Any(s => s.Rank == Rank.GroupLeader && string.Equals(s.GroupId, groupId, StringComparison.Ordinal));

    /// <summary>The groups whose leader seat is held.</summary>
    public IReadOnlyList<string> LedGroupIds => [.. Seats.Where(s => s.Rank == Rank.GroupLeader && s.GroupId is not null).Select(s => s.GroupId!)];

    /// <summary>Holds a supervisor or the manager seat: the department-wide leaders.</summary>
    public bool IsSupervisorOrManager => Holds(Rank.Supervisor) || Holds(Rank.Manager);

    /// <summary>Holds any seat: a group's leader, a supervisor or the manager.</summary>
    public bool IsDepartmentLeader => Seats.Count > 0;

    /// <summary>Holds a supervisor or manager seat above <paramref name="rank"/>.</summary>
    public bool IsDepartmentLeaderAbove(Rank rank) => Seats.Any(s => s.Rank is Rank.Supervisor or Rank.Manager && s.Rank > rank);
}
