namespace Workflows.Definitions.Violations;

/// <summary>A person as the recording rules see them: their place on the ladder, their company roles and the seats they hold.</summary>
/// <param name="Id">Employee id.</param>
/// <param name="Rank">Rank on the department's ladder; null for accounts outside it (HR, GeneralManager…).</param>
/// <param name="GroupId">The group of a Member or GroupLeader; null otherwise.</param>
/// <param name="Roles">Company roles held (<see cref="CompanyRoles"/>).</param>
public sealed record OrgPerson(string Id, Rank? Rank, string? GroupId, IReadOnlyCollection<string> Roles)
{
    public bool HasRole(string role) => Roles.Contains(role, StringComparer.Ordinal);

    /// <summary>The seats held now: a recorder's authority (docs/domain.md §People, ranks and seats); the rank label alone gives none.</summary>
    public SeatAuthority Authority { get; init; } = SeatAuthority.None;
}

/// <summary>Why a recorder may not record a violation against someone.</summary>
public enum RecordingRefusal
{
    /// <summary>Nobody records a violation against themselves.</summary>
    SelfRecording,

    /// <summary>The subject is not on the department's ladder; the rules apply to the department's staff.</summary>
    SubjectOutsideDepartment,

    /// <summary>The recorder is neither the subject's group leader, a superior (supervisor, manager), nor HR.</summary>
    NotAuthorized,
}

/// <summary>The answer of <see cref="ViolationRecordingPolicy.MayRecord"/>.</summary>
public abstract record RecordingPermission
{
    private RecordingPermission()
    {
    }

    public sealed record Allowed : RecordingPermission;

    public sealed record Forbidden(RecordingRefusal Refusal) : RecordingPermission;
}

/// <summary>What a recorder submits (<c>POST /api/violations</c>, docs/api.md §Violations and eligibility).</summary>
public sealed record ViolationDraft(string RuleCode, DateOnly OccurredOn, string? Description, decimal? PenaltyAmount);

/// <summary>The answer of <see cref="ViolationRecordingPolicy.Validate"/>.</summary>
public abstract record ViolationValidation
{
    private ViolationValidation()
    {
    }

    /// <summary>The draft is acceptable; <paramref name="PenaltyAmount"/> is the override or the rule's default.</summary>
    public sealed record Valid(ViolationRule Rule, decimal PenaltyAmount) : ViolationValidation;

    /// <summary>Well-formed but breaks a rule; problems keyed by the API's field names.</summary>
    public sealed record Invalid(IReadOnlyDictionary<string, DraftProblem> Errors) : ViolationValidation;
}

/// <summary>What is wrong with one field of a <see cref="ViolationDraft"/>.</summary>
public abstract record DraftProblem
{
    private DraftProblem()
    {
    }

    /// <summary>The rule code is not in the catalog of version <paramref name="CatalogVersion"/>.</summary>
    public sealed record UnknownRule(string RuleCode, string CatalogVersion) : DraftProblem;

    /// <summary>The violation is dated after <paramref name="Today"/>.</summary>
    public sealed record InTheFuture(DateOnly OccurredOn, DateOnly Today) : DraftProblem;

    /// <summary>The violation is dated more than <paramref name="MaxYears"/> years back.</summary>
    public sealed record TooOld(DateOnly OccurredOn, int MaxYears) : DraftProblem;

    /// <summary>The penalty breaks a money bound.</summary>
    public sealed record Amount(Ledger.AmountProblem Problem) : DraftProblem;
}

/// <summary>
/// Who may record a violation against whom, and what a valid record is (docs/domain.md §Violations and the rule catalog).
/// </summary>
/// <remarks>
/// <para><b>Decision</b> (docs/domain.md §Violations and the rule catalog). The recorders named are "the employee's group leader, the supervisor, the manager, HR".
/// Read as the employee's line of superiors plus HR:</para>
/// <list type="bullet">
/// <item>HR (the company role) may record against anyone on the ladder;</item>
/// <item>the holder of a supervisor seat or the manager seat against anyone of a <i>lower</i> rank (a supervisor does
/// not record against another supervisor or the manager);</item>
/// <item>the holder of a group's leader seat against the Members of that group only;</item>
/// <item>authority is the seat (<see cref="SeatAuthority"/>): a former holder whose seat was vacated records nothing as
/// a leader, whatever their rank label still says;</item>
/// <item>nobody against themselves, whatever their roles; nobody against an account outside the ladder.</item>
/// </list>
/// </remarks>
public static class ViolationRecordingPolicy
{
    public static RecordingPermission MayRecord(OrgPerson recorder, OrgPerson subject)
    {
        if (string.Equals(recorder.Id, subject.Id, StringComparison.Ordinal))
        {
            return new RecordingPermission.Forbidden(RecordingRefusal.SelfRecording);
        }

        if (subject.Rank is not { } subjectRank)
        {
            return new RecordingPermission.Forbidden(RecordingRefusal.SubjectOutsideDepartment);
        }

        if (recorder.HasRole(CompanyRoles.HR))
        {
            return new RecordingPermission.Allowed();
        }

        var allowed = recorder.Authority.IsDepartmentLeaderAbove(subjectRank)
            || (subjectRank == Rank.Member && recorder.Authority.LeadsGroup(subject.GroupId));

        return allowed
            ? new RecordingPermission.Allowed()
            : new RecordingPermission.Forbidden(RecordingRefusal.NotAuthorized);
    }

    /// <summary>
    /// Decision: a record (violation, reward) is dated at most this many years back. The longest clean-record window is
    /// 12 months, so older records change nothing; the bound turns a typo such as 0001-01-01 into a 422.
    /// </summary>
    public const int MaxAgeYears = 10;

    public static DateOnly OldestRecordable(DateOnly today) => today.AddYears(-MaxAgeYears);

    /// <param name="draft">What the recorder submitted.</param>
    /// <param name="today">Today in the department's time zone.</param>
    /// <param name="catalog">The rule catalog in force.</param>
    /// <param name="bounds">The money bounds an explicit penalty keeps (docs/domain.md §Limits; default <see cref="Ledger.MoneyBounds.Default"/>).</param>
    public static ViolationValidation Validate(ViolationDraft draft, DateOnly today, RuleCatalog catalog, Ledger.MoneyBounds? bounds = null)
    {
        var errors = new Dictionary<string, DraftProblem>(StringComparer.Ordinal);
        var rule = catalog.Find(draft.RuleCode ?? "");
        if (rule is null)
        {
            errors["ruleCode"] = new DraftProblem.UnknownRule(draft.RuleCode ?? "", catalog.Version);
        }

        if (draft.OccurredOn > today)
        {
            errors["occurredOn"] = new DraftProblem.InTheFuture(draft.OccurredOn, today);
        }
        else if (draft.OccurredOn < OldestRecordable(today))
        {
            errors["occurredOn"] = new DraftProblem.TooOld(draft.OccurredOn, MaxAgeYears);
        }

        if (draft.PenaltyAmount is { } amount && (bounds ?? Ledger.MoneyBounds.Default).Check(amount) is { } wrong)
        {
            errors["penaltyAmount"] = new DraftProblem.Amount(wrong);
        }

        if (errors.Count > 0 || rule is null)
        {
            return new ViolationValidation.Invalid(errors);
        }

        return new ViolationValidation.Valid(rule, draft.PenaltyAmount ?? rule.DefaultPenalty);
    }
}
