using Workflows.Definitions.Engine;

namespace Workflows.Tests.Engine;

public class IsoDurationTests
{
    private static readonly DateTimeOffset Jan31 = new(2026, 1, 31, 9, 0, 0, TimeSpan.FromHours(8));

    [Theory]
    [InlineData("P3D", "2026-02-03T09:00:00+08:00")]
    [InlineData("PT12H", "2026-01-31T21:00:00+08:00")]
    [InlineData("P1W", "2026-02-07T09:00:00+08:00")]
    [InlineData("P1M", "2026-02-28T09:00:00+08:00")] // a calendar month, clamped to the month's end; not 30 days
    [InlineData("P1Y2M3DT4H5M6S", "2027-04-03T13:05:06+08:00")]
    public void AddTo_AppliesCalendarPartsThenTime(string duration, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), IsoDuration.Parse(duration).AddTo(Jan31));

    [Theory]
    [InlineData("")]
    [InlineData("P")]
    [InlineData("PT")]
    [InlineData("3D")]
    [InlineData("P3DT")]
    [InlineData("P1.5D")]
    public void TryParse_Refuses_WhatIsNotAnIsoDuration(string text) => Assert.False(IsoDuration.TryParse(text, out _));

    [Theory]
    [InlineData("P3D")]
    [InlineData("PT12H")]
    [InlineData("P1Y2M3DT4H5M6S")]
    public void ToString_RoundTrips(string text) => Assert.Equal(text, IsoDuration.Parse(text).ToString());
}
