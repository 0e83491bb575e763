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
