using Workflows.Definitions.Roster;

namespace Workflows.Tests.Domain;

public class RosterTests
{
    private static readonly DateOnly Day = new(2026, 7, 1);
    private static readonly DateTime Before = new(2026, 6, 30, 12, 0, 0);

    private static ShiftSlot Shift(string id, string start, string end, int minStaff = 1, DateOnly? date = null, params string[] assignees) =>
        new(id, "g1", date ?? Day, TimeOnly.Parse(start, System.Globalization.CultureInfo.InvariantCulture),
            TimeOnly.Parse(end, System.Globalization.CultureInfo.InvariantCulture), minStaff, assignees);

    private static IReadOnlyList<CoverageViolation> Rejected(CoverageResult result) =>
        Assert.IsType<CoverageResult.Rejected>(result).Violations;

    [Fact]
    public void Shift_OvernightEndsOnTheNextDay()
    {
        var night = Shift("n", "22:00", "06:00");
        Assert.True(night.IsOvernight);
        Assert.Equal(new DateTime(2026, 7, 1, 22, 0, 0), night.StartsAt);
        Assert.Equal(new DateTime(2026, 7, 2, 6, 0, 0), night.EndsAt);

        var day = Shift("d", "08:00", "16:00");
        Assert.False(day.IsOvernight);
        Assert.Equal(new DateTime(2026, 7, 1, 16, 0, 0), day.EndsAt);
    }

    [Fact]
    public void Shift_EndEqualToStart_IsTwentyFourHours()
    {
        var full = Shift("f", "08:00", "08:00");
        Assert.Equal(TimeSpan.FromHours(24), full.EndsAt - full.StartsAt);
    }

    [Theory]
    [InlineData("08:00", "16:00", "15:59", "20:00", true)]
    [InlineData("08:00", "16:00", "16:00", "20:00", false)]
    [InlineData("08:00", "16:00", "06:00", "08:00", false)]
    [InlineData("08:00", "16:00", "09:00", "10:00", true)]
    public void Shift_OverlapIsHalfOpen(string s1, string e1, string s2, string e2, bool overlaps)
    {
        Assert.Equal(overlaps, Shift("a", s1, e1).Overlaps(Shift("b", s2, e2)));
        Assert.Equal(overlaps, Shift("b", s2, e2).Overlaps(Shift("a", s1, e1)));
    }

    [Fact]
    public void Shift_OvernightOverlapsNextMorning()
    {
        var night = Shift("n", "22:00", "06:00");
        Assert.True(night.Overlaps(Shift("m", "05:00", "13:00", date: Day.AddDays(1))));
        Assert.False(night.Overlaps(Shift("m", "06:00", "14:00", date: Day.AddDays(1))));
        Assert.False(night.Overlaps(Shift("e", "14:00", "22:00")));
    }

    [Fact]
    public void Cover_IsOk_AndMovesOnePersonOutAndOneIn()
    {
        var a = Shift("A", "08:00", "16:00", 2, null, "req", "x");
        var ok = Assert.IsType<CoverageResult.Ok>(CoverageCheck.Evaluate([a], new RosterChange.Cover("req", "cp", "A"), Before));

        var changed = Assert.Single(ok.ChangedShifts);
        Assert.Equal(["x", "cp"], changed.AssigneeIds);
        Assert.Equal(["req", "x"], a.AssigneeIds);
    }

    [Fact]
    public void Swap_IsOk_AndExchangesTheTwoShifts()
    {
        var a = Shift("A", "08:00", "16:00", 1, null, "req");
        var b = Shift("B", "08:00", "16:00", 1, Day.AddDays(1), "cp");
        var ok = Assert.IsType<CoverageResult.Ok>(CoverageCheck.Evaluate([a, b], new RosterChange.Swap("req", "cp", "A", "B"), Before));

        Assert.Equal(["cp"], ok.ChangedShifts.Single(s => s.Id == "A").AssigneeIds);
        Assert.Equal(["req"], ok.ChangedShifts.Single(s => s.Id == "B").AssigneeIds);
    }

    [Fact]
    public void Swap_OfOverlappingShifts_IsOk_BecauseEachLeavesTheOther()
    {
        // Same time, different groups: exchanging them leaves nobody on two shifts at once.
        var a = Shift("A", "08:00", "16:00", 1, null, "req");
        var b = Shift("B", "09:00", "17:00", 1, null, "cp");
        Assert.IsType<CoverageResult.Ok>(CoverageCheck.Evaluate([a, b], new RosterChange.Swap("req", "cp", "A", "B"), Before));
    }

    [Fact]
    public void Cover_IsRejected_WhenCounterpartWouldBeDoubleBooked()
    {
        var a = Shift("A", "08:00", "16:00", 1, null, "req");
        var other = Shift("O", "12:00", "20:00", 1, null, "cp");

        var violation = Assert.Single(Rejected(CoverageCheck.Evaluate([a, other], new RosterChange.Cover("req", "cp", "A"), Before)));
        Assert.Equal(CoverageRule.DoubleBooking, violation.Rule);
        Assert.Equal("cp", violation.EmployeeId);
        Assert.Equal("O", violation.Other?.Id);
    }

    [Fact]
    public void Cover_IsRejected_WhenOvernightShiftOverlapsCounterpartsMorningShift()
    {
        var night = Shift("N", "22:00", "06:00", 1, null, "req");
        var morning = Shift("M", "05:30", "13:30", 1, Day.AddDays(1), "cp");

        var violation = Assert.Single(Rejected(CoverageCheck.Evaluate([night, morning], new RosterChange.Cover("req", "cp", "N"), Before)));
        Assert.Equal(CoverageRule.DoubleBooking, violation.Rule);
    }

    [Fact]
    public void Cover_IsOk_WhenCounterpartsShiftEndsAsTheCoveredOneStarts()
    {
        var a = Shift("A", "16:00", "00:00", 1, null, "req");
        var early = Shift("E", "08:00", "16:00", 1, null, "cp");
        Assert.IsType<CoverageResult.Ok>(CoverageCheck.Evaluate([a, early], new RosterChange.Cover("req", "cp", "A"), Before));
    }

    [Fact]
    public void Swap_IsRejected_WhenRequesterWouldBeDoubleBooked()
    {
        var a = Shift("A", "08:00", "16:00", 1, null, "req");
        var b = Shift("B", "20:00", "04:00", 1, Day.AddDays(1), "cp");
        var reqOther = Shift("R2", "02:00", "10:00", 1, Day.AddDays(2), "req");

        var violation = Assert.Single(Rejected(CoverageCheck.Evaluate([a, b, reqOther], new RosterChange.Swap("req", "cp", "A", "B"), Before)));
        Assert.Equal(CoverageRule.DoubleBooking, violation.Rule);
        Assert.Equal("req", violation.EmployeeId);
        Assert.Equal("B", violation.ShiftId);
    }

    [Fact]
    public void Cover_IsRejected_WhenTouchedShiftWouldBeBelowMinimumStaff()
    {
        // Already understaffed: 1 of 2. A cover keeps it at 1, which is still below the minimum.
        var a = Shift("A", "08:00", "16:00", 2, null, "req");
        var violation = Assert.Single(Rejected(CoverageCheck.Evaluate([a], new RosterChange.Cover("req", "cp", "A"), Before)));
        Assert.Equal(CoverageRule.BelowMinimumStaff, violation.Rule);
        Assert.Equal("A", violation.ShiftId);
    }

    [Fact]
    public void Cover_IsOk_AtExactlyMinimumStaff()
    {
        var a = Shift("A", "08:00", "16:00", 2, null, "req", "x");
        Assert.IsType<CoverageResult.Ok>(CoverageCheck.Evaluate([a], new RosterChange.Cover("req", "cp", "A"), Before));
    }

    [Fact]
    public void Cover_IsRejected_WhenShiftHasStarted()
    {
        var a = Shift("A", "08:00", "16:00", 1, null, "req");

        var atStart = Rejected(CoverageCheck.Evaluate([a], new RosterChange.Cover("req", "cp", "A"), new DateTime(2026, 7, 1, 8, 0, 0)));
        Assert.Equal(CoverageRule.ShiftAlreadyStarted, Assert.Single(atStart).Rule);

        Assert.IsType<CoverageResult.Ok>(CoverageCheck.Evaluate([a], new RosterChange.Cover("req", "cp", "A"), new DateTime(2026, 7, 1, 7, 59, 59)));
    }

    [Fact]
    public void Swap_IsRejected_WhenTheCounterpartsShiftHasStarted()
    {
        var a = Shift("A", "08:00", "16:00", 1, Day.AddDays(2), "req");
        var b = Shift("B", "08:00", "16:00", 1, null, "cp");
        var violation = Assert.Single(Rejected(CoverageCheck.Evaluate([a, b], new RosterChange.Swap("req", "cp", "A", "B"), new DateTime(2026, 7, 1, 9, 0, 0))));
        Assert.Equal(CoverageRule.ShiftAlreadyStarted, violation.Rule);
        Assert.Equal("B", violation.ShiftId);
    }

    [Fact]
    public void Cover_IsRejected_WhenCounterpartAlreadyOnTheShift_AndRequesterNotOnIt()
    {
        var a = Shift("A", "08:00", "16:00", 1, null, "cp");
        var rules = Rejected(CoverageCheck.Evaluate([a], new RosterChange.Cover("req", "cp", "A"), Before)).Select(v => v.Rule).ToList();
        Assert.Contains(CoverageRule.RequesterNotOnShift, rules);
        Assert.Contains(CoverageRule.AlreadyOnShift, rules);
    }

    [Fact]
    public void Swap_IsRejected_WhenCounterpartNotOnTheirShift()
    {
        var a = Shift("A", "08:00", "16:00", 1, null, "req");
        var b = Shift("B", "08:00", "16:00", 1, Day.AddDays(1), "someoneElse");
        var rules = Rejected(CoverageCheck.Evaluate([a, b], new RosterChange.Swap("req", "cp", "A", "B"), Before)).Select(v => v.Rule);
        Assert.Contains(CoverageRule.CounterpartNotOnShift, rules);
    }

    [Fact]
    public void Change_IsRejected_WhenShiftUnknown_OrSamePerson_OrSameShift()
    {
        var a = Shift("A", "08:00", "16:00", 1, null, "req");
        Assert.Equal(CoverageRule.ShiftNotFound, Assert.Single(Rejected(CoverageCheck.Evaluate([a], new RosterChange.Swap("req", "cp", "A", "Z"), Before))).Rule);
        Assert.Equal(CoverageRule.SamePersonOrShift, Assert.Single(Rejected(CoverageCheck.Evaluate([a], new RosterChange.Cover("req", "req", "A"), Before))).Rule);
        Assert.Equal(CoverageRule.SamePersonOrShift, Assert.Single(Rejected(CoverageCheck.Evaluate([a], new RosterChange.Swap("req", "cp", "A", "A"), Before))).Rule);
    }

    [Fact]
    public void Change_ReportsEveryBrokenRule()
    {
        var a = Shift("A", "08:00", "16:00", 3, null, "req");
        var clash = Shift("C", "10:00", "12:00", 1, null, "cp");
        var rules = Rejected(CoverageCheck.Evaluate([a, clash], new RosterChange.Cover("req", "cp", "A"), new DateTime(2026, 7, 1, 9, 0, 0)))
            .Select(v => v.Rule).Order().ToList();
        Assert.Equal([CoverageRule.ShiftAlreadyStarted, CoverageRule.DoubleBooking, CoverageRule.BelowMinimumStaff], rules);
    }

    [Fact]
    public void TwoCovers_ThatPassAlone_ConflictWhenAppliedInEitherOrder()
    {
        // cp is asked to cover A and B, which overlap. Whichever is applied first, the second fails on the roster as it then is.
        var a = Shift("A", "08:00", "16:00", 1, null, "r1");
        var b = Shift("B", "12:00", "20:00", 1, null, "r2");
        var coverA = new RosterChange.Cover("r1", "cp", "A");
        var coverB = new RosterChange.Cover("r2", "cp", "B");

        foreach (var (first, second) in new[] { (coverA, coverB), (coverB, coverA) })
        {
            var ok = Assert.IsType<CoverageResult.Ok>(CoverageCheck.Evaluate([a, b], first, Before));
            var roster = new[] { a, b }.Select(s => ok.ChangedShifts.FirstOrDefault(c => c.Id == s.Id) ?? s).ToList();
            Assert.Equal(CoverageRule.DoubleBooking, Assert.Single(Rejected(CoverageCheck.Evaluate(roster, second, Before))).Rule);
        }
    }

    [Fact]
    public void Assignment_IsOk_WhenNoOverlap()
    {
        var shift = Shift("A", "08:00", "16:00", 1, null, "x");
        var ok = Assert.IsType<CoverageResult.Ok>(AssignmentCheck.Evaluate(shift, "e", [Shift("B", "16:00", "22:00", 1, null, "e")]));
        Assert.Equal(["x", "e"], Assert.Single(ok.ChangedShifts).AssigneeIds);
    }

    [Fact]
    public void Assignment_IsRejected_WhenOverlappingAnotherShift()
    {
        var shift = Shift("A", "08:00", "16:00");
        var night = Shift("N", "23:00", "09:00", 1, Day.AddDays(-1), "e");
        var violation = Assert.Single(Rejected(AssignmentCheck.Evaluate(shift, "e", [night])));
        Assert.Equal(CoverageRule.DoubleBooking, violation.Rule);
        Assert.Equal("e", violation.EmployeeId);
    }

    [Fact]
    public void Assignment_IsRejected_WhenAlreadyOnTheShift()
    {
        var shift = Shift("A", "08:00", "16:00", 1, null, "e");
        Assert.Equal(CoverageRule.AlreadyOnShift, Assert.Single(Rejected(AssignmentCheck.Evaluate(shift, "e", [shift]))).Rule);
    }
}
