namespace Workflows.Definitions.Promotion;

/// <summary>How an application reaches HR (docs/domain.md §Filing and channels: 个人自荐, 部门推荐, 其它部门举荐, 主管提名).</summary>
public enum PromotionChannel
{
    Self,
    DepartmentRecommendation,
    OtherDepartmentRecommendation,
    SupervisorNomination,
}

/// <summary>Who submits the form: the org's view of the caller.</summary>
public sealed record Applicant(string Id, Rank? Rank, string? GroupId, IReadOnlyCollection<string> Roles)
{
    /// <summary>The seats held now: nominating as a supervisor or a group's leader needs the seat (docs/domain.md §People, ranks and seats).</summary>
    public SeatAuthority Authority { get; init; } = SeatAuthority.None;
}

/// <summary>The candidate as the org has them now.</summary>
public sealed record Candidate(string Id, Rank? Rank, string? GroupId);

/// <summary>The answer to "may this application be filed, and which design runs it?".</summary>
public abstract record ApplicationCheck
{
    private ApplicationCheck()
    {
    }

    /// <param name="Design">The design of the rung (or skip-level) that runs the application.</param>
    public sealed record Accepted(string Design) : ApplicationCheck;

    /// <summary>The caller may not file it this way (403).</summary>
    public sealed record Forbidden(string Detail) : ApplicationCheck;

    /// <summary>Well-formed but against a rule (422).</summary>
    public sealed record Unprocessable(string Detail) : ApplicationCheck;
}

/// <summary>
/// The filing rules (docs/domain.md §Filing and channels): who may start an application through which channel, the rung
/// order, skip-level justification, and the design per rung.
/// </summary>
/// <remarks>
/// <b>Decision (who nominates):</b> <c>SupervisorNomination</c> — a Supervisor;
/// <c>DepartmentRecommendation</c> — the department's leaders: the GroupLeader of the candidate's
/// group, a Supervisor, the Manager (each by holding the seat: <see cref="SeatAuthority"/>); <c>OtherDepartmentRecommendation</c> — another department
/// speaking for the company: HR, the GeneralManager or SeniorLeadership. Nobody nominates
/// themselves (that is <c>Self</c>). Eligibility (the clean-record window) is not checked here: an
/// ineligible candidate still gets a traceable application that the gate closes as <c>Ineligible</c>.
/// </remarks>
public static class PromotionFiling
{
    public const string MemberToGroupLeader = "promotion.member-to-group-leader";
    public const string GroupLeaderToSupervisor = "promotion.group-leader-to-supervisor";
    public const string SupervisorToManager = "promotion.supervisor-to-manager";
    public const string SkipLevel = "promotion.skip-level";

    public static ApplicationCheck Check(Applicant applicant, Candidate candidate, Rank target, PromotionChannel channel, string? justification)
    {
        if (MayFile(applicant, candidate, channel) is { } refusal)
        {
            return new ApplicationCheck.Forbidden(refusal);
        }

        if (candidate.Rank is not { } current)
        {
            return new ApplicationCheck.Unprocessable("The candidate holds no rank on the department's ladder, so there is nothing to promote from / 该员工不在信息部职级序列中.");
        }

        if (target <= current)
        {
            return new ApplicationCheck.Unprocessable($"The target rank {target} is not above the candidate's current rank {current} / 目标职级必须高于当前职级.");
        }

        if (target - current >= 2)
        {
            return string.IsNullOrWhiteSpace(justification)
                ? new ApplicationCheck.Unprocessable($"{current} → {target} skips a rung (越级晋升): give a justification of the exceptional contribution or talent.")
                : new ApplicationCheck.Accepted(SkipLevel);
        }

        return target switch
        {
            Rank.GroupLeader => new ApplicationCheck.Accepted(MemberToGroupLeader),
            Rank.Supervisor when channel != PromotionChannel.SupervisorNomination => new ApplicationCheck.Unprocessable(
                "GroupLeader → Supervisor is by the Supervisor's nomination only (组长晋升主管: 经主管提名): use channel SupervisorNomination."),
            Rank.Supervisor => new ApplicationCheck.Accepted(GroupLeaderToSupervisor),
            _ => new ApplicationCheck.Accepted(SupervisorToManager),
        };
    }

    /// <returns>Why the applicant may not file through this channel, or null when they may.</returns>
    private static string? MayFile(Applicant applicant, Candidate candidate, PromotionChannel channel)
    {
        var isCandidate = applicant.Id == candidate.Id;
        if (channel == PromotionChannel.Self)
        {
            return isCandidate ? null : "A Self application (个人自荐) is filed by the candidate themself; nominate through another channel.";
        }

        if (isCandidate)
        {
            return $"Nobody nominates themself: apply with channel Self instead of {channel}.";
        }

        return channel switch
        {
            PromotionChannel.SupervisorNomination when applicant.Authority.Holds(Rank.Supervisor) => null,
            PromotionChannel.SupervisorNomination => "Only a Supervisor nominates through SupervisorNomination (主管提名).",
            PromotionChannel.DepartmentRecommendation when applicant.Authority.IsSupervisorOrManager || applicant.Authority.LeadsGroup(candidate.GroupId) => null,
            PromotionChannel.DepartmentRecommendation =>
                "A department recommendation (部门推荐) comes from the candidate's group leader, a Supervisor or the Manager.",
            PromotionChannel.OtherDepartmentRecommendation when applicant.Roles.Any(r => r is CompanyRoles.HR or CompanyRoles.GeneralManager or CompanyRoles.SeniorLeadership) => null,
            PromotionChannel.OtherDepartmentRecommendation =>
                "A recommendation from another department (其它部门举荐) comes from HR, the GeneralManager or SeniorLeadership.",
            _ => $"Unknown channel {channel}.",
        };
    }
}
