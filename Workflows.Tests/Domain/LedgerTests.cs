using Workflows.Definitions.Ledger;
using Workflows.Definitions.Violations;
using Workflows.Definitions.Disputes;

namespace Workflows.Tests.Domain;

public class LedgerMonthTests
{
    [Theory]
    [InlineData("2026-02", 2026, 2)]
    [InlineData("1999-12", 1999, 12)]
    public void LedgerMonth_ParsesAndFormats(string text, int year, int month)
    {
        var parsed = LedgerMonth.Parse(text);
        Assert.Equal(new LedgerMonth(year, month), parsed);
        Assert.Equal(text, parsed.ToString());
    }

    [Theory]
    [InlineData("2026-13")]
    [InlineData("2026-2")]
    [InlineData("2026-02-01")]
    [InlineData("26-02")]
    [InlineData("")]
    [InlineData(null)]
    public void LedgerMonth_RejectsAnythingButYyyyMm(string? text)
    {
        Assert.False(LedgerMonth.TryParse(text, out _));
        if (text is not null)
        {
            Assert.Throws<FormatException>(() => LedgerMonth.Parse(text));
        }
    }

    [Fact]
    public void LedgerMonth_NextAndPrevious_CrossYears()
    {
        Assert.Equal(new LedgerMonth(2027, 1), new LedgerMonth(2026, 12).Next());
        Assert.Equal(new LedgerMonth(2025, 12), new LedgerMonth(2026, 1).Previous());
        Assert.True(new LedgerMonth(2026, 12) < new LedgerMonth(2027, 1));
    }

    [Fact]
    public void LedgerMonth_KnowsItsDays()
    {
        var feb = new LedgerMonth(2028, 2);
        Assert.Equal(new DateOnly(2028, 2, 1), feb.FirstDay);
        Assert.Equal(new DateOnly(2028, 2, 29), feb.LastDay);
        Assert.True(feb.Contains(new DateOnly(2028, 2, 29)));
        Assert.False(feb.Contains(new DateOnly(2028, 3, 1)));
        Assert.Equal(feb, LedgerMonth.Of(new DateOnly(2028, 2, 14)));
    }

    [Fact]
    public void LedgerMonth_IsAJsonString()
    {
        var json = System.Text.Json.JsonSerializer.Serialize(new { month = new LedgerMonth(2026, 3) });
        Assert.Equal("""{"month":"2026-03"}""", json);
        Assert.Equal(new LedgerMonth(2026, 3), System.Text.Json.JsonSerializer.Deserialize<LedgerMonth>("\"2026-03\""));
        Assert.Throws<System.Text.Json.JsonException>(() => System.Text.Json.JsonSerializer.Deserialize<LedgerMonth>("\"2026-3\""));
    }

    [Fact]
    public void LedgerMonth_RejectsImpossibleMonth() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new LedgerMonth(2026, 13));
}

public class MonthlyStatementTests
{
    private static readonly LedgerMonth March = new(2026, 3);

    private static ViolationCharge Charge(string id, string date, decimal amount, ViolationStatus status = ViolationStatus.Active) =>
        new(id, "R05", DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture), status, amount,
            LedgerMonth.Of(DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void Statement_Total_IsPenaltiesMinusRewardsPlusAdjustments()
    {
        var statement = MonthlyStatement.Calculate("e1", March,
            [Charge("v1", "2026-03-02", 20m), Charge("v2", "2026-03-20", 30m)],
            [new RewardEntry("r1", new DateOnly(2026, 3, 15), 15m, "top dialogue rate")],
            [new LedgerAdjustment("a1", March, "v0", -20m, "v0 waived after February closed")]);

        Assert.Equal(50m, statement.Penalties);
        Assert.Equal(15m, statement.Rewards);
        Assert.Equal(-20m, statement.Adjustments);
        Assert.Equal(15m, statement.Total);
        Assert.Equal(statement.Total, statement.Lines.Sum(l => l.SignedAmount));
        Assert.Equal(
            [StatementLineKind.Penalty, StatementLineKind.Penalty, StatementLineKind.Reward, StatementLineKind.Adjustment],
            statement.Lines.Select(l => l.Kind));
        Assert.Equal(["v1", "v2", null, "v0"], statement.Lines.Select(l => l.ViolationId));
    }

    [Fact]
    public void Statement_IsNegative_WhenRewardsExceedPenalties()
    {
        var statement = MonthlyStatement.Calculate("e1", March, [Charge("v1", "2026-03-02", 20m)],
            [new RewardEntry("r1", new DateOnly(2026, 3, 31), 100m, "award")], []);
        Assert.Equal(-80m, statement.Total);
    }

    [Fact]
    public void Statement_OmitsWaived_AndChargesReducedAndDisputedAtTheirCurrentAmount()
    {
        var statement = MonthlyStatement.Calculate("e1", March,
            [
                Charge("waived", "2026-03-01", 0m, ViolationStatus.Waived),
                Charge("reduced", "2026-03-02", 5m, ViolationStatus.Reduced),
                Charge("disputed", "2026-03-03", 20m, ViolationStatus.UnderDispute),
                Charge("upheld", "2026-03-04", 20m, ViolationStatus.Upheld),
            ], [], []);

        Assert.Equal(["reduced", "disputed", "upheld"], statement.Lines.Select(l => l.ViolationId));
        Assert.Equal(45m, statement.Total);
    }

    [Fact]
    public void Statement_IgnoresFactsOfOtherMonths()
    {
        var statement = MonthlyStatement.Calculate("e1", March,
            [Charge("feb", "2026-02-28", 20m), Charge("apr", "2026-04-01", 20m)],
            [new RewardEntry("r", new DateOnly(2026, 4, 1), 10m, "x")],
            [new LedgerAdjustment("a", March.Next(), null, -5m, "x")]);

        Assert.Empty(statement.Lines);
        Assert.Equal(0m, statement.Total);
        Assert.Equal("e1", statement.EmployeeId);
        Assert.Equal(March, statement.Month);
    }

    [Fact]
    public void ChargeMonth_IsTheMonthOfOccurrence_UnlessThatMonthIsClosed()
    {
        var occurred = new DateOnly(2026, 2, 27);
        Assert.Equal(new LedgerMonth(2026, 2), MonthlyStatement.ChargeMonth(occurred, null));
        Assert.Equal(new LedgerMonth(2026, 2), MonthlyStatement.ChargeMonth(occurred, new LedgerMonth(2026, 1)));
        Assert.Equal(March, MonthlyStatement.ChargeMonth(occurred, new LedgerMonth(2026, 2)));
    }

    [Fact]
    public void Fund_SumsPenaltiesRewardsAndAdjustments_WithRunningBalance()
    {
        var feb = new LedgerMonth(2026, 2);
        var statements = new[]
        {
            MonthlyStatement.Calculate("e1", feb, [Charge("v1", "2026-02-10", 20m)], [], []),
            MonthlyStatement.Calculate("e2", feb, [Charge("v2", "2026-02-11", 30m)], [new RewardEntry("r1", new DateOnly(2026, 2, 20), 10m, "x")], []),
            MonthlyStatement.Calculate("e1", March, [], [new RewardEntry("r2", new DateOnly(2026, 3, 5), 25m, "x")],
                [new LedgerAdjustment("a1", March, "v1", -20m, "waived")]),
        };

        var fund = DepartmentFund.Summarize(statements, openingBalance: 100m);

        Assert.Equal(2, fund.Count);
        Assert.Equal(new FundMonth(feb, 50m, 0m, 10m, 40m, 140m), fund[0]);
        Assert.Equal(new FundMonth(March, 0m, -20m, 25m, -45m, 95m), fund[1]);
    }
}

public class DisputeTests
{
    private static readonly DateOnly ClosedOn = new(2026, 4, 1);
    private readonly DisputeWindow _window = new();

    [Fact]
    public void DisputeWindow_IsOpen_WhileTheMonthIsOpen()
    {
        var open = Assert.IsType<DisputeAdmission.Open>(_window.Check(ViolationStatus.Active, false, null, new DateOnly(2030, 1, 1)));
        Assert.Null(open.OpenUntil);
    }

    [Fact]
    public void DisputeWindow_IsOpen_OnTheSeventhDayAfterClose()
    {
        var open = Assert.IsType<DisputeAdmission.Open>(_window.Check(ViolationStatus.Active, false, ClosedOn, ClosedOn.AddDays(7)));
        Assert.Equal(new DateOnly(2026, 4, 8), open.OpenUntil);
        Assert.IsType<DisputeAdmission.Open>(_window.Check(ViolationStatus.Active, false, ClosedOn, ClosedOn));
    }

    [Fact]
    public void DisputeWindow_IsClosed_OnTheEighthDayAfterClose()
    {
        var refused = Assert.IsType<DisputeAdmission.Refused>(_window.Check(ViolationStatus.Active, false, ClosedOn, ClosedOn.AddDays(8)));
        Assert.Equal(DisputeRefusal.WindowClosed, refused.Refusal);
        Assert.Equal(new DateOnly(2026, 4, 8), refused.LastDay);
    }

    [Fact]
    public void DisputeWindow_DaysAreConfigurable()
    {
        var window = new DisputeWindow(DaysAfterClose: 14);
        Assert.IsType<DisputeAdmission.Open>(window.Check(ViolationStatus.Active, false, ClosedOn, ClosedOn.AddDays(14)));
        Assert.IsType<DisputeAdmission.Refused>(window.Check(ViolationStatus.Active, false, ClosedOn, ClosedOn.AddDays(15)));
        Assert.IsType<DisputeAdmission.Refused>(new DisputeWindow(0).Check(ViolationStatus.Active, false, ClosedOn, ClosedOn.AddDays(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DisputeWindow(-1));
    }

    [Theory]
    [InlineData(ViolationStatus.UnderDispute)]
    [InlineData(ViolationStatus.Upheld)]
    [InlineData(ViolationStatus.Reduced)]
    [InlineData(ViolationStatus.Waived)]
    public void DisputeWindow_RefusesASecondDispute(ViolationStatus status)
    {
        var refused = Assert.IsType<DisputeAdmission.Refused>(_window.Check(status, status != ViolationStatus.Waived, null, ClosedOn));
        Assert.Equal(status == ViolationStatus.Waived ? DisputeRefusal.Waived : DisputeRefusal.AlreadyDisputed, refused.Refusal);
    }

    [Fact]
    public void DisputeWindow_RefusesAfterAWithdrawnDispute()
    {
        var refused = Assert.IsType<DisputeAdmission.Refused>(_window.Check(ViolationStatus.Active, true, null, ClosedOn));
        Assert.Equal(DisputeRefusal.AlreadyDisputed, refused.Refusal);
    }

    [Fact]
    public void Decision_Uphold_KeepsTheAmount_AndNeedsNoAdjustment()
    {
        var resolved = Assert.IsType<DisputeResolution.Resolved>(new DisputeDecision.Uphold().Resolve(ViolationStatus.UnderDispute, 20m, monthClosed: true));
        Assert.Equal(new DisputeResolution.Resolved(ViolationStatus.Upheld, 20m, 0m, null), resolved);
    }

    [Fact]
    public void Decision_Waive_InOpenMonth_SetsZero_WithoutAdjustment()
    {
        var resolved = Assert.IsType<DisputeResolution.Resolved>(new DisputeDecision.Waive().Resolve(ViolationStatus.UnderDispute, 20m, monthClosed: false));
        Assert.Equal(new DisputeResolution.Resolved(ViolationStatus.Waived, 0m, -20m, null), resolved);
        Assert.False(resolved.NewStatus.Counts());
    }

    [Fact]
    public void Decision_Waive_InClosedMonth_NeedsNegativeAdjustment()
    {
        var resolved = Assert.IsType<DisputeResolution.Resolved>(new DisputeDecision.Waive().Resolve(ViolationStatus.UnderDispute, 20m, monthClosed: true));
        Assert.Equal(-20m, resolved.AdjustmentAmount);
    }

    [Fact]
    public void Decision_Reduce_InClosedMonth_AdjustsByTheDifference()
    {
        var resolved = Assert.IsType<DisputeResolution.Resolved>(new DisputeDecision.Reduce(5m).Resolve(ViolationStatus.UnderDispute, 20m, monthClosed: true));
        Assert.Equal(new DisputeResolution.Resolved(ViolationStatus.Reduced, 5m, -15m, -15m), resolved);
        Assert.True(resolved.NewStatus.Counts());
    }

    [Theory]
    [InlineData(20)]
    [InlineData(25)]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1.234)]
    [InlineData(0.001)]
    public void Decision_Reduce_RejectsAmountNotBelowCurrentOrNegative(decimal amount)
    {
        var invalid = Assert.IsType<DisputeResolution.Invalid>(new DisputeDecision.Reduce(amount).Resolve(ViolationStatus.UnderDispute, 20m, monthClosed: false));
        Assert.Equal("amount", invalid.Field);
    }

    [Theory]
    [InlineData(ViolationStatus.Active)]
    [InlineData(ViolationStatus.Upheld)]
    [InlineData(ViolationStatus.Waived)]
    public void Decision_IsRejected_WhenViolationNotUnderDispute(ViolationStatus status)
    {
        var invalid = Assert.IsType<DisputeResolution.Invalid>(new DisputeDecision.Waive().Resolve(status, 20m, monthClosed: false));
        Assert.Equal("status", invalid.Field);
    }
}
