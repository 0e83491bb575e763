using Hangfire;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions.Engine;
using Workflows.Host.Data;
using Workflows.Host.Platform;

namespace Workflows.Host.Runtime;

/// <summary>
/// Hangfire entry points of the engine. Jobs take ids, reload state and are idempotent: the
/// database decides whether a timer still has to fire, so a duplicated or late job does nothing.
/// </summary>
public sealed class TimerJobs(WorkflowRunner runner, WorkflowDbContext db, DepartmentClock clock, SignalDispatcher signals, ILogger<TimerJobs> logger)
{
    public const string SweeperJobId = "workflow-sweeper";

    /// <summary>
    /// When to schedule a timer's job: its due instant rounded up to a whole second. Hangfire keeps a schedule in whole
    /// Unix seconds, cut down, so a job for a timer due at 05.7 s was enqueued from 05.0 s on, found the timer not yet
    /// due, and left it to the minutely sweeper: up to a minute late (the two-node proof waited 55 s for such timers).
    /// </summary>
    public static DateTimeOffset ScheduleAt(DateTimeOffset dueAt)
    {
        var part = dueAt.UtcTicks % TimeSpan.TicksPerSecond;
        return part == 0 ? dueAt : dueAt.AddTicks(TimeSpan.TicksPerSecond - part);
    }

    /// <summary>The scheduled job of one timer.</summary>
    [AutomaticRetry(Attempts = 3)]
    public Task FireAsync(string timerId, CancellationToken ct) => runner.FireTimerAsync(timerId, ct);

    /// <summary>
    /// The recurring safety net: fires every overdue, unfired timer (a lost job, a host that was down),
    /// delivers undelivered signals, and resumes instances left at an automatic step by a crash.
    /// </summary>
    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var now = clock.Now;
        var fired = 0;
        while (true)
        {
            var due = await db.Timers.AsNoTracking()
                .Where(t => t.FiredAt == null && t.CancelledAt == null && t.DueAt <= now)
                .OrderBy(t => t.DueAt).Select(t => t.Id).Take(200).ToListAsync(ct);
            var firedThisRound = 0;
            foreach (var id in due)
            {
                if (await runner.FireTimerAsync(id, ct))
                {
                    firedThisRound++;
                }
            }

            fired += firedThisRound;
            if (due.Count < 200 || firedThisRound == 0)
            {
                break;
            }
        }

        await signals.DispatchPendingAsync(ct);
        await ResumeStrandedAsync(ct);
        if (fired > 0)
        {
            logger.LogInformation("Sweeper fired {Count} overdue timer(s).", fired);
        }

        return fired;
    }

    /// <summary>
    /// A start commits before its first automatic step runs; a crash in between leaves the instance
    /// resting on an auto step with no incident. Those are run again here.
    /// </summary>
    private async Task ResumeStrandedAsync(CancellationToken ct)
    {
        var cutoff = clock.Now.AddMinutes(-1);
        var candidates = await db.Instances.AsNoTracking()
            .Where(i => i.Status == InstanceStatus.Running && !i.HasIncident && i.WaitingFor == null && i.StartedAt <= cutoff)
            .Where(i => !db.Tasks.Any(t => t.InstanceId == i.Id && t.Status == TaskState.Open))
            .Where(i => !db.Timers.Any(t => t.InstanceId == i.Id && t.FiredAt == null && t.CancelledAt == null))
            .OrderBy(i => i.StartedAt).Select(i => i.Id).Take(100).ToListAsync(ct);
        foreach (var id in candidates)
        {
            await runner.AdvanceAsync(id, "resume after restart", ct);
        }
    }

    public static void RegisterRecurring(IRecurringJobManager recurring) =>
        recurring.AddOrUpdate<TimerJobs>(SweeperJobId, j => j.SweepAsync(CancellationToken.None), Cron.Minutely());
}
