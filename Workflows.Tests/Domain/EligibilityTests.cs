using Workflows.Definitions;
using Workflows.Definitions.Eligibility;
using Workflows.Definitions.Violations;

namespace Workflows.Tests.Domain;

public class EligibilityTests
{
    private const string Catalog = "test-1";

    private static DateOnly D(string iso) => DateOnly.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    private static ViolationFact V(string occurredOn, ViolationStatus status = ViolationStatus.Active, string id = "v1", string rule = "R05") =>
        new(id, rule, D(occurredOn), status);

    private static EligibilityResult Evaluate(string asOf, Rank target, Rank? current = null, params ViolationFact[] violations) =>
        EligibilityEvaluator.Evaluate(new EligibilityQuery("e1", current ?? target - 1, target, D(asOf), violations), Catalog);

    [Theory]
    [InlineData(Rank.GroupLeader, 3)]
    [InlineData(Rank.Supervisor, 6)]
    [InlineData(Rank.Manager, 12)]
    public void CleanRecordWindow_HasMonthsPerTargetRank(Rank target, int months)
    {
        Assert.Equal(months, CleanRecordWindow.MonthsFor(target));
        var result = Evaluate("2026-08-15", target);
        Assert.Equal(months, result.WindowMonths);
        Assert.Equal(D("2026-08-15").AddMonths(-months), result.WindowStart);
        Assert.Equal(D("2026-08-15"), result.WindowEnd);
    }

    [Fact]
    public void CleanRecordWindow_ContainsBothEnds_AndNothingOutside()
    {
        var window = CleanRecordWindow.For(Rank.GroupLeader, D("2026-06-15"));
        Assert.Equal(D("2026-03-15"), window.Start);
        Assert.True(window.Contains(D("2026-03-15")));
        Assert.True(window.Contains(D("2026-06-15")));
        Assert.False(window.Contains(D("2026-03-14")));
        Assert.False(window.Contains(D("2026-06-16")));
        Assert.Throws<ArgumentOutOfRangeException>(() => CleanRecordWindow.For(Rank.Member, D("2026-06-15")));
    }

    [Fact]
    public void CleanRecordWindow_HasNoWindowForMember() => Assert.Null(CleanRecordWindow.MonthsFor(Rank.Member));

    [Theory]
    [InlineData("2026-05-31", 3, "2026-02-28")]
    [InlineData("2026-03-31", 1, "2026-02-28")]
    [InlineData("2028-05-31", 3, "2028-02-29")]
    [InlineData("2026-08-31", 6, "2026-02-28")]
    [InlineData("2027-02-28", 12, "2026-02-28")]
    [InlineData("2028-02-29", 12, "2027-02-28")]
    public void CleanRecordWindow_ClampsToTheEndOfShorterMonths(string asOf, int months, string expectedStart)
    {
        var window = CleanRecordWindow.Ending(D(asOf), months);
        Assert.Equal(D(expectedStart), window.Start);
        Assert.Equal(D(asOf), window.End);
    }

    [Theory]
    [InlineData(Rank.GroupLeader, "2026-06-15", "2026-03-15")]
    [InlineData(Rank.Supervisor, "2026-06-15", "2025-12-15")]
    [InlineData(Rank.Manager, "2026-06-15", "2025-06-15")]
    public void Eligibility_Blocks_WhenViolationOnWindowStart(Rank target, string asOf, string windowStart)
    {
        var result = Evaluate(asOf, target, null, V(windowStart));

        Assert.False(result.Eligible);
        Assert.Equal(D(windowStart), result.WindowStart);
        var considered = Assert.Single(result.Considered);
        Assert.True(considered.Counts);
        Assert.Equal(ConsideredReason.InsideWindow, considered.ReasonCode);
        var reason = Assert.Single(result.Reasons);
        Assert.Equal(EligibilityRule.ViolationsInWindow, reason.Rule);
        Assert.Equal(D(windowStart), reason.WindowStart);
        Assert.Equal("R05", Assert.Single(reason.Blocking!).RuleCode);
    }

    [Theory]
    [InlineData(Rank.GroupLeader, "2026-06-15", "2026-03-14")]
    [InlineData(Rank.Supervisor, "2026-06-15", "2025-12-14")]
    [InlineData(Rank.Manager, "2026-06-15", "2025-06-14")]
    public void Eligibility_Allows_WhenViolationTheDayBeforeWindowStart(Rank target, string asOf, string dayBefore)
    {
        var result = Evaluate(asOf, target, null, V(dayBefore));

        Assert.True(result.Eligible);
        Assert.Empty(result.Reasons);
        Assert.Null(result.EarliestEligibleOn);
        var considered = Assert.Single(result.Considered);
        Assert.False(considered.Counts);
        Assert.Equal(ConsideredReason.BeforeWindow, considered.ReasonCode);
    }

    [Fact]
    public void Eligibility_Blocks_WhenViolationOnApplicationDate()
    {
        var result = Evaluate("2026-06-15", Rank.GroupLeader, null, V("2026-06-15"));
        Assert.False(result.Eligible);
        Assert.True(Assert.Single(result.Considered).Counts);
    }

    [Fact]
    public void Eligibility_Blocks_OnClampedWindowStart()
    {
        // asOf 2026-05-31, W=3 → window starts 2026-02-28 (clamped), so a violation that day blocks.
        var result = Evaluate("2026-05-31", Rank.GroupLeader, null, V("2026-02-28"));
        Assert.False(result.Eligible);
        Assert.Equal(D("2026-02-28"), result.WindowStart);

        var dayBefore = Evaluate("2026-05-31", Rank.GroupLeader, null, V("2026-02-27"));
        Assert.True(dayBefore.Eligible);
    }

    [Fact]
    public void EarliestEligible_IsJuneFirst_ForViolationOnFebruary28WithThreeMonths()
    {
        // docs/domain.md §Clean-record windows: a violation on 2026-02-28 with W = 3 blocks up to 2026-05-31.
        Assert.Equal(D("2026-06-01"), CleanRecordWindow.EarliestEligibleDate(D("2026-03-10"), 3, [D("2026-02-28")]));

        var result = Evaluate("2026-05-20", Rank.GroupLeader, null, V("2026-02-28"));
        Assert.False(result.Eligible);
        Assert.Equal(D("2026-06-01"), result.EarliestEligibleOn);
        Assert.False(Evaluate("2026-05-31", Rank.GroupLeader, null, V("2026-02-28")).Eligible);
        Assert.True(Evaluate("2026-06-01", Rank.GroupLeader, null, V("2026-02-28")).Eligible);
    }

    [Theory]
    [InlineData("2026-01-15", 3, "2026-04-16")]
    [InlineData("2026-01-31", 1, "2026-03-01")]
    [InlineData("2025-08-31", 6, "2026-03-01")]
    [InlineData("2027-02-28", 12, "2028-03-01")]
    [InlineData("2028-02-29", 12, "2029-03-01")]
    public void EarliestEligible_IsFirstDateWhoseWindowStartsAfterTheViolation(string violation, int months, string expected)
    {
        var earliest = CleanRecordWindow.EarliestEligibleDate(D(violation), months, [D(violation)]);
        Assert.Equal(D(expected), earliest);
        // The definition itself: the answer's window is clear, the day before's is not.
        Assert.False(CleanRecordWindow.Ending(D(expected), months).Contains(D(violation)));
        Assert.True(CleanRecordWindow.Ending(D(expected).AddDays(-1), months).Contains(D(violation)));
    }

    [Fact]
    public void EarliestEligible_MatchesBruteForce_ForManyDatesAndWindows()
    {
        var start = D("2027-11-20");
        for (var offset = 0; offset < 500; offset += 3)
        {
            var asOf = start.AddDays(offset);
            foreach (var months in new[] { 1, 3, 6, 12 })
            {
                DateOnly[] violations = [asOf.AddDays(-40), asOf.AddMonths(-months), asOf.AddDays(5), asOf.AddMonths(-months).AddDays(-1)];
                var expected = asOf.AddDays(1);
                while (violations.Any(v => CleanRecordWindow.Ending(expected, months).Contains(v)))
                {
                    expected = expected.AddDays(1);
                }

                Assert.Equal(expected, CleanRecordWindow.EarliestEligibleDate(asOf, months, violations));
            }
        }
    }

    [Fact]
    public void EarliestEligible_IsDelayedByTheLatestOfSeveralViolations()
    {
        var result = Evaluate("2026-05-10", Rank.GroupLeader, null,
            V("2026-02-20", id: "a"), V("2026-04-05", id: "b"), V("2026-03-01", id: "c"));

        Assert.False(result.Eligible);
        Assert.Equal(D("2026-07-06"), result.EarliestEligibleOn);
        Assert.Equal(["a", "c", "b"], result.Considered.Select(c => c.ViolationId));
        Assert.All(result.Considered, c => Assert.True(c.Counts));
        Assert.Equal(3, Assert.Single(result.Reasons, r => r.Rule == EligibilityRule.ViolationsInWindow).Blocking!.Count);
    }

    [Fact]
    public void EarliestEligible_AccountsForViolationDatedAfterTheApplicationDate()
    {
        // Blocked until 2026-04-11 by the first; the second (after asOf) then blocks 2026-04-11..2026-07-11.
        var result = Evaluate("2026-03-01", Rank.GroupLeader, null,
            V("2026-01-10", id: "before"), V("2026-04-11", id: "after"));

        Assert.False(result.Eligible);
        Assert.Equal(D("2026-07-12"), result.EarliestEligibleOn);
    }

    [Fact]
    public void EarliestEligible_IgnoresLaterViolationThatLeavesAGap()
    {
        var result = Evaluate("2026-03-01", Rank.GroupLeader, null,
            V("2026-01-10", id: "before"), V("2026-04-20", id: "after"));

        Assert.Equal(D("2026-04-11"), result.EarliestEligibleOn);
    }

    [Fact]
    public void Eligibility_ListsViolationAfterApplicationDate_AsNotCounting()
    {
        var result = Evaluate("2026-06-15", Rank.GroupLeader, null, V("2026-06-16"));

        Assert.True(result.Eligible);
        var considered = Assert.Single(result.Considered);
        Assert.False(considered.Counts);
        Assert.Equal(ConsideredReason.AfterApplicationDate, considered.ReasonCode);
    }

    [Fact]
    public void Eligibility_IgnoresWaivedViolationInsideTheWindow()
    {
        var result = Evaluate("2026-06-15", Rank.GroupLeader, null, V("2026-05-01", ViolationStatus.Waived));

        Assert.True(result.Eligible);
        var considered = Assert.Single(result.Considered);
        Assert.False(considered.Counts);
        Assert.Equal(ConsideredReason.Waived, considered.ReasonCode);
    }

    [Fact]
    public void EarliestEligible_IgnoresWaivedViolations()
    {
        var result = Evaluate("2026-06-15", Rank.GroupLeader, null,
            V("2026-05-01", id: "counting"), V("2026-06-01", ViolationStatus.Waived, id: "waived"));
        Assert.Equal(D("2026-08-02"), result.EarliestEligibleOn);
    }

    [Theory]
    [InlineData(ViolationStatus.Active, true)]
    [InlineData(ViolationStatus.UnderDispute, true)]
    [InlineData(ViolationStatus.Upheld, true)]
    [InlineData(ViolationStatus.Reduced, true)]
    [InlineData(ViolationStatus.Waived, false)]
    public void Eligibility_CountsEveryStatusButWaived(ViolationStatus status, bool blocks)
    {
        Assert.Equal(blocks, status.Counts());
        var result = Evaluate("2026-06-15", Rank.GroupLeader, null, V("2026-05-01", status));
        Assert.Equal(!blocks, result.Eligible);
        Assert.Equal(blocks, Assert.Single(result.Considered).Counts);
        Assert.Equal(status, result.Considered[0].Status);
    }

    [Fact]
    public void Eligibility_Allows_WithCleanRecord_AndCarriesCatalogVersion()
    {
        var result = Evaluate("2026-06-15", Rank.GroupLeader, Rank.Member);

        Assert.True(result.Eligible);
        Assert.Empty(result.Considered);
        Assert.Empty(result.Reasons);
        Assert.Null(result.EarliestEligibleOn);
        Assert.Equal(Catalog, result.CatalogVersion);
        Assert.False(result.IsSkipLevel);
        Assert.Equal(Rank.GroupLeader, result.TargetRank);
    }

    [Theory]
    [InlineData(Rank.GroupLeader, Rank.GroupLeader)]
    [InlineData(Rank.Supervisor, Rank.GroupLeader)]
    [InlineData(Rank.Manager, Rank.Supervisor)]
    public void Eligibility_Refuses_WhenTargetNotAboveCurrentRank(Rank current, Rank target)
    {
        var result = Evaluate("2026-06-15", target, current);

        Assert.False(result.Eligible);
        Assert.Contains(result.Reasons, r => r.Rule == EligibilityRule.TargetNotAbove && r.CurrentRank == current && r.TargetRank == target);
        Assert.Null(result.EarliestEligibleOn);
    }

    [Fact]
    public void Eligibility_Refuses_MemberAsTarget()
    {
        var result = Evaluate("2026-06-15", Rank.Member, Rank.Member);
        Assert.False(result.Eligible);
        Assert.Null(result.WindowMonths);
        Assert.Null(result.WindowStart);
        Assert.Contains(result.Reasons, r => r.Rule == EligibilityRule.NotAPromotionTarget);
    }

    [Fact]
    public void Eligibility_Refuses_EmployeeOutsideTheLadder_AndReportsEveryUnmetRequirement()
    {
        var query = new EligibilityQuery("hr1", null, Rank.GroupLeader, D("2026-06-15"), [V("2026-06-01")]);
        var result = EligibilityEvaluator.Evaluate(query, Catalog);

        Assert.False(result.Eligible);
        Assert.Equal(2, result.Reasons.Count);
        Assert.Contains(result.Reasons, r => r.Rule == EligibilityRule.NoRank);
        Assert.Contains(result.Reasons, r => r.Rule == EligibilityRule.ViolationsInWindow);
        Assert.Null(result.EarliestEligibleOn);
        Assert.False(result.IsSkipLevel);
    }

    [Fact]
    public void Eligibility_ReportsRankAndViolations_Together()
    {
        var result = Evaluate("2026-06-15", Rank.GroupLeader, Rank.Supervisor, V("2026-06-01"));
        Assert.Equal(2, result.Reasons.Count);
        Assert.Null(result.EarliestEligibleOn);
    }

    [Theory]
    [InlineData(Rank.Member, Rank.Supervisor, true)]
    [InlineData(Rank.Member, Rank.Manager, true)]
    [InlineData(Rank.GroupLeader, Rank.Manager, true)]
    [InlineData(Rank.Member, Rank.GroupLeader, false)]
    [InlineData(Rank.Supervisor, Rank.Manager, false)]
    public void Eligibility_FlagsSkipLevel_AndUsesTargetWindow(Rank current, Rank target, bool skip)
    {
        var result = Evaluate("2026-06-15", target, current);
        Assert.Equal(skip, result.IsSkipLevel);
        Assert.Equal(CleanRecordWindow.MonthsFor(target), result.WindowMonths);
        Assert.True(result.Eligible);
    }

    [Fact]
    public void Eligibility_SkipLevelToManager_BlockedByViolationElevenMonthsBack()
    {
        var result = Evaluate("2026-06-15", Rank.Manager, Rank.Member, V("2025-07-20"));
        Assert.False(result.Eligible);
        Assert.True(result.IsSkipLevel);
        Assert.Equal(D("2026-07-21"), result.EarliestEligibleOn);
    }
}
