using Hangfire;
using Workflows.Host.Data;
using Workflows.Host.Notifications;

namespace Workflows.Host.Runtime;

/// <summary>
/// What a step does once its transaction has committed, never before: a Hangfire job for each new timer and for each
/// notification delivery the step wrote (<see cref="Notifier"/>), and delivery
/// of the signals the step raised (a freed seat, a changed eligibility), so the instances waiting on them move now
/// rather than at the next sweep. Nothing here can undo the step: a job that cannot be scheduled, or a delivery that
/// fails, is left to the recurring sweeper (<see cref="TimerJobs.SweepAsync"/>), which reads the database.
/// </summary>
public sealed class AfterCommit(
    IBackgroundJobClient jobs, IServiceScopeFactory scopes, WorkflowDbContext db, Notifier notifier, Platform.DepartmentClock clock, ILogger<AfterCommit> logger)
{
    /// <summary>
    /// Timers due later than this get no Hangfire job: the minutely sweeper fires them from the database, a minute late at
    /// most. Every human task now has a due timer and a reminder days ahead; a job each would fill Hangfire's storage with
    /// far-future jobs and cost every step two writes to it.
    /// </summary>
    public static readonly TimeSpan JobHorizon = TimeSpan.FromMinutes(10);

    public async Task RunAsync(IReadOnlyList<WorkflowTimer> timers, IReadOnlyList<NotificationDelivery> deliveries, bool signalsRaised, CancellationToken ct)
    {
        notifier.Enqueue(deliveries);
        notifier.EnqueueCommitted(db);
        var horizon = clock.Now + JobHorizon;
        foreach (var timer in timers)
        {
            if (timer.DueAt > horizon)
            {
                continue;
            }

            try
            {
                jobs.Schedule<TimerJobs>(j => j.FireAsync(timer.Id, CancellationToken.None), TimerJobs.ScheduleAt(timer.DueAt));
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Could not schedule timer {Timer}; the sweeper will fire it.", timer.Id);
            }
        }

        if (!signalsRaised)
        {
            return;
        }

        try
        {
            // Each delivery runs in its own scope and transactions.
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<SignalDispatcher>().DispatchPendingAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Delivering signals after a step failed; the sweeper will deliver them.");
        }
    }
}
