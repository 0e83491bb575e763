using Workflows.Definitions;
using Workflows.Definitions.Violations;

namespace Workflows.Tests.Domain;

public class RuleCatalogTests
{
    [Fact]
    public void Catalog_LoadsTheEighteenRules_InOrder_WithChineseText()
    {
        var catalog = RuleCatalog.Default;

        Assert.Equal(18, catalog.Rules.Count);
        Assert.Equal(Enumerable.Range(1, 18).Select(i => $"R{i:D2}"), catalog.Rules.Select(r => r.Code));
        Assert.Equal("调换班要经组长同意", catalog.Rules[0].TitleZh);
        Assert.Equal("Shift swaps need the group leader's consent", catalog.Rules[0].Title);
        Assert.Equal("不准无故无应答(20 秒内无回应)", catalog.Find("R13")!.TitleZh);
        Assert.Equal("遵守公司其它各项规章制度", catalog.Find("R18")!.TitleZh);
        Assert.All(catalog.Rules, r =>
        {
            Assert.False(string.IsNullOrWhiteSpace(r.Title));
            Assert.Contains(r.TitleZh, c => c >= '\u4e00' && c <= '\u9fff');
        });
    }

    [Fact]
    public void Catalog_HasVersion_AndConfigurableDefaultPenalty()
    {
        Assert.Equal("2026.1", RuleCatalog.Default.Version);
        Assert.All(RuleCatalog.Default.Rules, r => Assert.Equal(20m, r.DefaultPenalty));
    }

    [Fact]
    public void Catalog_FindsOnlyKnownCodes()
    {
        Assert.True(RuleCatalog.Default.Contains("R07"));
        Assert.False(RuleCatalog.Default.Contains("R19"));
        Assert.False(RuleCatalog.Default.Contains("r07"));
        Assert.Null(RuleCatalog.Default.Find("R00"));
    }

    [Fact]
    public void Catalog_FromJson_BuildsADepartmentsOwnCatalog()
    {
        const string json = """
            { "version": "dept-2", "rules": [
              { "code": "R01", "titleZh": "调换班要经组长同意", "title": "Swap consent", "defaultPenalty": 50 },
              { "code": "R19", "titleZh": "新规则", "title": "New rule", "defaultPenalty": 0 } ] }
            """;

        var catalog = RuleCatalog.FromJson(json);

        Assert.Equal("dept-2", catalog.Version);
        Assert.Equal(50m, catalog.Find("R01")!.DefaultPenalty);
        Assert.Equal(0m, catalog.Find("R19")!.DefaultPenalty);
    }

    [Theory]
    [InlineData("""{ "version": "x", "rules": [ { "code": "R01", "titleZh": "甲", "title": "A", "defaultPenalty": 1 }, { "code": "R01", "titleZh": "乙", "title": "B", "defaultPenalty": 1 } ] }""", "R01 appears 2 times")]
    [InlineData("""{ "version": "x", "rules": [ { "code": "R01", "titleZh": "甲", "title": "A", "defaultPenalty": -5 } ] }""", "defaultPenalty of 0 or more")]
    [InlineData("""{ "version": "x", "rules": [ { "code": "R01", "titleZh": "甲", "title": "A" } ] }""", "defaultPenalty of 0 or more")]
    [InlineData("""{ "version": "x", "rules": [ { "code": "X1", "titleZh": "甲", "title": "A", "defaultPenalty": 1 } ] }""", "not a rule code")]
    [InlineData("""{ "version": "x", "rules": [ { "code": "R01", "title": "A", "defaultPenalty": 1 } ] }""", "needs both titleZh and title")]
    [InlineData("""{ "rules": [ { "code": "R01", "titleZh": "甲", "title": "A", "defaultPenalty": 1 } ] }""", "needs a version")]
    [InlineData("""{ "version": "x", "rules": [] }""", "at least one rule")]
    [InlineData("""{ "version": "x", "rules": [ """, "not valid JSON")]
    public void Catalog_FromJson_RejectsInvalidConfiguration(string json, string message)
    {
        var ex = Assert.Throws<FormatException>(() => RuleCatalog.FromJson(json));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Catalog_WithPenalties_OverridesAmounts_UnderANewVersion()
    {
        var changed = RuleCatalog.Default.WithPenalties(new Dictionary<string, decimal> { ["R07"] = 100m, ["R13"] = 5m }, "2026.1-dept");

        Assert.Equal("2026.1-dept", changed.Version);
        Assert.Equal(100m, changed.Find("R07")!.DefaultPenalty);
        Assert.Equal(5m, changed.Find("R13")!.DefaultPenalty);
        Assert.Equal(20m, changed.Find("R01")!.DefaultPenalty);
        Assert.Equal(20m, RuleCatalog.Default.Find("R07")!.DefaultPenalty);
    }

    [Fact]
    public void Catalog_WithPenalties_RejectsUnknownCodes_AndReusedVersion()
    {
        Assert.Throws<FormatException>(() => RuleCatalog.Default.WithPenalties(new Dictionary<string, decimal> { ["R99"] = 1m }, "v2"));
        Assert.Throws<FormatException>(() => RuleCatalog.Default.WithPenalties(new Dictionary<string, decimal> { ["R01"] = 1m }, RuleCatalog.Default.Version));
        Assert.Throws<FormatException>(() => RuleCatalog.Default.WithPenalties(new Dictionary<string, decimal> { ["R01"] = -1m }, "v2"));
    }
}

public class ViolationRecordingPolicyTests
{
    private static readonly OrgPerson Member1A = new("m1a", Rank.Member, "g1", []);
    private static readonly OrgPerson Member1B = new("m1b", Rank.Member, "g1", []);
    private static readonly OrgPerson Member2A = new("m2a", Rank.Member, "g2", []);
    private static readonly OrgPerson Leader1 = new("l1", Rank.GroupLeader, "g1", []) { Authority = Seat(Rank.GroupLeader, "g1") };
    private static readonly OrgPerson Leader2 = new("l2", Rank.GroupLeader, "g2", []) { Authority = Seat(Rank.GroupLeader, "g2") };
    private static readonly OrgPerson Supervisor = new("sup", Rank.Supervisor, null, []) { Authority = Seat(Rank.Supervisor, null) };
    private static readonly OrgPerson Supervisor2 = new("sup2", Rank.Supervisor, null, []) { Authority = Seat(Rank.Supervisor, null) };
    private static readonly OrgPerson Manager = new("mgr", Rank.Manager, null, []) { Authority = Seat(Rank.Manager, null) };

    // Former holders: the rank label stays after their seat was vacated, the authority does not.
    private static readonly OrgPerson FormerLeader1 = new("xl1", Rank.GroupLeader, "g1", []);
    private static readonly OrgPerson FormerSupervisor = new("xsup", Rank.Supervisor, null, []);
    private static readonly OrgPerson FormerManager = new("xmgr", Rank.Manager, null, []);

    private static SeatAuthority Seat(Rank rank, string? groupId) => new([new HeldSeat(rank, groupId)]);
    private static readonly OrgPerson Hr = new("hr", null, null, [CompanyRoles.HR]);
    private static readonly OrgPerson Gm = new("gm", null, null, [CompanyRoles.GeneralManager]);

    public static TheoryData<string, string> AllowedPairs => new()
    {
        { "l1", "m1a" }, { "sup", "m1a" }, { "sup", "l2" }, { "mgr", "m2a" }, { "mgr", "l1" }, { "mgr", "sup" },
        { "hr", "m1a" }, { "hr", "l1" }, { "hr", "sup" }, { "hr", "mgr" },
    };

    public static TheoryData<string, string> ForbiddenPairs => new()
    {
        { "l2", "m1a" }, { "m1b", "m1a" }, { "l1", "l2" }, { "l1", "sup" }, { "sup", "sup2" }, { "sup", "mgr" }, { "gm", "m1a" }, { "m1a", "l1" },
        { "xl1", "m1a" }, { "xsup", "m1a" }, { "xsup", "l1" }, { "xmgr", "m2a" }, { "xmgr", "sup" },
    };

    private static OrgPerson P(string id) => new[] { Member1A, Member1B, Member2A, Leader1, Leader2, Supervisor, Supervisor2, Manager, Hr, Gm, FormerLeader1, FormerSupervisor, FormerManager }.Single(p => p.Id == id);

    [Theory]
    [MemberData(nameof(AllowedPairs))]
    public void Recording_IsAllowed_ForLeaderOfGroup_Superiors_AndHr(string recorder, string subject) =>
        Assert.IsType<RecordingPermission.Allowed>(ViolationRecordingPolicy.MayRecord(P(recorder), P(subject)));

    [Theory]
    [MemberData(nameof(ForbiddenPairs))]
    public void Recording_IsForbidden_ForOthers(string recorder, string subject)
    {
        var forbidden = Assert.IsType<RecordingPermission.Forbidden>(ViolationRecordingPolicy.MayRecord(P(recorder), P(subject)));
        Assert.Equal(RecordingRefusal.NotAuthorized, forbidden.Refusal);
    }

    [Theory]
    [InlineData("l1")]
    [InlineData("sup")]
    [InlineData("mgr")]
    public void Recording_IsForbidden_AgainstOneself(string id)
    {
        var forbidden = Assert.IsType<RecordingPermission.Forbidden>(ViolationRecordingPolicy.MayRecord(P(id), P(id)));
        Assert.Equal(RecordingRefusal.SelfRecording, forbidden.Refusal);
    }

    [Fact]
    public void Recording_IsForbidden_AgainstOneself_EvenForHr()
    {
        var hrMember = new OrgPerson("x", Rank.Member, "g1", [CompanyRoles.HR]);
        var forbidden = Assert.IsType<RecordingPermission.Forbidden>(ViolationRecordingPolicy.MayRecord(hrMember, hrMember));
        Assert.Equal(RecordingRefusal.SelfRecording, forbidden.Refusal);
    }

    [Fact]
    public void Recording_IsForbidden_AgainstAccountOutsideTheLadder()
    {
        var forbidden = Assert.IsType<RecordingPermission.Forbidden>(ViolationRecordingPolicy.MayRecord(Hr, Gm));
        Assert.Equal(RecordingRefusal.SubjectOutsideDepartment, forbidden.Refusal);
    }

    [Fact]
    public void Recording_IsForbidden_ForLeaderWithoutGroup()
    {
        var leaderless = new OrgPerson("l0", Rank.GroupLeader, null, []);
        var memberless = new OrgPerson("m0", Rank.Member, null, []);
        Assert.IsType<RecordingPermission.Forbidden>(ViolationRecordingPolicy.MayRecord(leaderless, memberless));
    }

    private static readonly DateOnly Today = new(2026, 6, 15);

    [Fact]
    public void Validate_TakesTheRulesDefaultPenalty_WhenNoneGiven()
    {
        var valid = Assert.IsType<ViolationValidation.Valid>(
            ViolationRecordingPolicy.Validate(new ViolationDraft("R13", Today, "no answer", null), Today, RuleCatalog.Default));
        Assert.Equal("R13", valid.Rule.Code);
        Assert.Equal(20m, valid.PenaltyAmount);
    }

    [Fact]
    public void Validate_KeepsTheRecordersPenalty()
    {
        var valid = Assert.IsType<ViolationValidation.Valid>(
            ViolationRecordingPolicy.Validate(new ViolationDraft("R13", Today.AddDays(-3), null, 35.5m), Today, RuleCatalog.Default));
        Assert.Equal(35.5m, valid.PenaltyAmount);
    }

    [Fact]
    public void Validate_Refuses_OccurredOnInTheFuture()
    {
        var invalid = Assert.IsType<ViolationValidation.Invalid>(
            ViolationRecordingPolicy.Validate(new ViolationDraft("R01", Today.AddDays(1), null, null), Today, RuleCatalog.Default));
        Assert.Equal(["occurredOn"], invalid.Errors.Keys);
    }

    [Fact]
    public void Validate_Refuses_UnknownRule_AndNegativePenalty_Together()
    {
        var invalid = Assert.IsType<ViolationValidation.Invalid>(
            ViolationRecordingPolicy.Validate(new ViolationDraft("R19", Today, null, -1m), Today, RuleCatalog.Default));
        Assert.Equal(["penaltyAmount", "ruleCode"], invalid.Errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Validate_Refuses_PenaltyWithMoreThanTwoDecimals() =>
        Assert.IsType<ViolationValidation.Invalid>(
            ViolationRecordingPolicy.Validate(new ViolationDraft("R01", Today, null, 1.005m), Today, RuleCatalog.Default));
}
