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
public sealed class AfterCommit(IBackgroundJobClient jobs, IServiceScopeFactory scopes, WorkflowDbContext db, Notifier notifier, ILogger<AfterCommit> logger)
{
    public async Task RunAsync(IReadOnlyList<WorkflowTimer> timers, bool signalsRaised, CancellationToken ct)
    {
        notifier.EnqueueCommitted(db);
        foreach (var timer in timers)
        {
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
