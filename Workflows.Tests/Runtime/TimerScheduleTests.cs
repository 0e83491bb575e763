using Hangfire.Common;
using Workflows.Host.Runtime;

namespace Workflows.Tests.Runtime;

/// <summary>A timer's Hangfire job is never enqueued before the timer is due (Hangfire keeps schedules in whole seconds).</summary>
public sealed class TimerScheduleTests
{
    [Theory]
    [InlineData("2026-11-27T08:00:05.7000000+00:00", "2026-11-27T08:00:06+00:00")]
    [InlineData("2026-11-27T08:00:05.0000001+00:00", "2026-11-27T08:00:06+00:00")]
    [InlineData("2026-11-27T16:00:05.2500000+08:00", "2026-11-27T16:00:06+08:00")]
    [InlineData("2026-11-27T08:00:05+00:00", "2026-11-27T08:00:05+00:00")]
    public void TheJob_IsScheduledNoEarlierThanTheTimerIsDue(string due, string expected)
    {
        var dueAt = DateTimeOffset.Parse(due, System.Globalization.CultureInfo.InvariantCulture);

        var at = TimerJobs.ScheduleAt(dueAt);

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), at);
        // The second Hangfire's scheduler compares with "now" to enqueue the job must not come before the due instant.
        Assert.True(DateTimeOffset.FromUnixTimeSeconds(JobHelper.ToTimestamp(at.UtcDateTime)) >= dueAt);
    }
}
