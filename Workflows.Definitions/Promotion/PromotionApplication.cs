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

    /// <summary>The caller may not file it this way (through <paramref name="Channel"/>).</summary>
    public sealed record Forbidden(FilingRefusal Code, PromotionChannel Channel) : ApplicationCheck;

    /// <summary>Well-formed but against a rule: the candidate's rank <paramref name="Current"/> and the <paramref name="Target"/> asked for.</summary>
    public sealed record Unprocessable(FilingRefusal Code, Rank? Current, Rank Target) : ApplicationCheck;
}

/// <summary>Why an application may not be filed as asked.</summary>
public enum FilingRefusal
{
    /// <summary>A <c>Self</c> application filed by someone other than the candidate.</summary>
    SelfFiledByOther,

    /// <summary>The candidate nominating themself through a nomination channel.</summary>
    NominatesSelf,

    /// <summary><c>SupervisorNomination</c> by someone who holds no supervisor seat.</summary>
    NotASupervisor,

    /// <summary><c>DepartmentRecommendation</c> by someone who is neither the candidate's group leader, a supervisor nor the manager.</summary>
    NotADepartmentLeader,

    /// <summary><c>OtherDepartmentRecommendation</c> by someone who is not HR, the general manager or senior leadership.</summary>
    NotAnotherDepartment,

    /// <summary>A channel the rules do not know.</summary>
    UnknownChannel,

    /// <summary>The candidate holds no rank on the ladder.</summary>
    CandidateHasNoRank,

    /// <summary>The target rank is not above the candidate's rank.</summary>
    TargetNotAbove,

    /// <summary>A skip-level application without a justification.</summary>
    SkipLevelNeedsJustification,

    /// <summary>GroupLeader → Supervisor through a channel other than the supervisor's nomination.</summary>
    SupervisorNominationOnly,
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
            return new ApplicationCheck.Forbidden(refusal, channel);
        }

        if (candidate.Rank is not { } current)
        {
            return new ApplicationCheck.Unprocessable(FilingRefusal.CandidateHasNoRank, null, target);
        }

        if (target <= current)
        {
            return new ApplicationCheck.Unprocessable(FilingRefusal.TargetNotAbove, current, target);
        }

        if (target - current >= 2)
        {
            return string.IsNullOrWhiteSpace(justification)
                ? new ApplicationCheck.Unprocessable(FilingRefusal.SkipLevelNeedsJustification, current, target)
                : new ApplicationCheck.Accepted(SkipLevel);
        }

        return target switch
        {
            Rank.GroupLeader => new ApplicationCheck.Accepted(MemberToGroupLeader),
            Rank.Supervisor when channel != PromotionChannel.SupervisorNomination =>
                new ApplicationCheck.Unprocessable(FilingRefusal.SupervisorNominationOnly, current, target),
            Rank.Supervisor => new ApplicationCheck.Accepted(GroupLeaderToSupervisor),
            _ => new ApplicationCheck.Accepted(SupervisorToManager),
        };
    }

    /// <returns>Why the applicant may not file through this channel, or null when they may.</returns>
    private static FilingRefusal? MayFile(Applicant applicant, Candidate candidate, PromotionChannel channel)
    {
        var isCandidate = applicant.Id == candidate.Id;
        if (channel == PromotionChannel.Self)
        {
            return isCandidate ? null : FilingRefusal.SelfFiledByOther;
        }

        if (isCandidate)
        {
            return FilingRefusal.NominatesSelf;
        }

        return channel switch
        {
            PromotionChannel.SupervisorNomination when applicant.Authority.Holds(Rank.Supervisor) => null,
            PromotionChannel.SupervisorNomination => FilingRefusal.NotASupervisor,
            PromotionChannel.DepartmentRecommendation when applicant.Authority.IsSupervisorOrManager || applicant.Authority.LeadsGroup(candidate.GroupId) => null,
            PromotionChannel.DepartmentRecommendation => FilingRefusal.NotADepartmentLeader,
            PromotionChannel.OtherDepartmentRecommendation when applicant.Roles.Any(r => r is CompanyRoles.HR or CompanyRoles.GeneralManager or CompanyRoles.SeniorLeadership) => null,
            PromotionChannel.OtherDepartmentRecommendation => FilingRefusal.NotAnotherDepartment,
            _ => FilingRefusal.UnknownChannel,
        };
    }
}
