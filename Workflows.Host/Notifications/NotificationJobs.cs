using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workflows.Definitions.Engine;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Runtime;

namespace Workflows.Host.Notifications;

/// <summary>
/// Sends the outbox (ADR 0012). The row is the truth: a deliverer first claims a delivery with a conditional update
/// (pending and due, or claimed by a deliverer whose lease ran out), so of two nodes only one sends it; it sends it with
/// its idempotency key and then marks it sent, or, on failure, pending again after an exponential back-off, or
/// <see cref="DeliveryStatus.Failed"/> after <see cref="NotificationOptions.MaxAttempts"/>. A crash between sending and
/// marking leaves the claim to run out; the sweeper then sends it again with the same key, which the receiver can
/// recognise. Jobs take ids and are idempotent: a job for a delivery that is sent, failed or claimed does nothing.
/// </summary>
public sealed class NotificationJobs(
    WorkflowDbContext db,
    DepartmentClock clock,
    IOptions<NotificationOptions> options,
    IEnumerable<INotificationChannel> channels,
    IBackgroundJobClient jobs,
    Notifier notifier,
    NotificationText text,
    ILogger<NotificationJobs> logger)
{
    public const string SweeperJobId = "notification-sweeper";

    /// <summary>The job of one delivery: claim, send, mark.</summary>
    [AutomaticRetry(Attempts = 0)]
    public async Task<bool> DeliverAsync(string deliveryId, CancellationToken ct)
    {
        var delivery = await ClaimAsync(deliveryId, ct);
        if (delivery is null)
        {
            return false;
        }

        try
        {
            await channels.Single(c => c.Channel == delivery.Channel).SendAsync(delivery, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            await MarkFailedAttemptAsync(delivery, $"{ex.GetType().Name}: {ex.Message}", ct);
            return false;
        }

        return await MarkSentAsync(delivery, ct);
    }

    /// <summary>
    /// Takes a delivery for one attempt: one conditional update, so of concurrent claims exactly one gets the row.
    /// Null when it is not owed now (sent, failed, not yet due, or claimed by a live deliverer).
    /// </summary>
    public async Task<NotificationDelivery?> ClaimAsync(string deliveryId, CancellationToken ct)
    {
        var now = clock.Now;
        var until = now + options.Value.Lease;
        var claimed = await db.Set<NotificationDelivery>()
            .Where(d => d.Id == deliveryId
                && ((d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now) || (d.Status == DeliveryStatus.Sending && d.ClaimedUntil < now)))
            .ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Status, DeliveryStatus.Sending)
                .SetProperty(d => d.Attempts, d => d.Attempts + 1)
                .SetProperty(d => d.ClaimedUntil, until)
                .SetProperty(d => d.UpdatedAt, now), ct);
        return claimed == 0 ? null : await db.Set<NotificationDelivery>().AsNoTracking().SingleAsync(d => d.Id == deliveryId, ct);
    }

    /// <summary>Marks the claimed attempt sent; false when the claim was lost meanwhile (its lease ran out and another deliverer took it).</summary>
    public async Task<bool> MarkSentAsync(NotificationDelivery claimed, CancellationToken ct)
    {
        var now = clock.Now;
        var marked = await Claimed(claimed).ExecuteUpdateAsync(s => s
            .SetProperty(d => d.Status, DeliveryStatus.Sent)
            .SetProperty(d => d.SentAt, now)
            .SetProperty(d => d.ClaimedUntil, (DateTimeOffset?)null)
            .SetProperty(d => d.UpdatedAt, now), ct);
        return marked == 1;
    }

    private async Task MarkFailedAttemptAsync(NotificationDelivery claimed, string error, CancellationToken ct)
    {
        var settings = options.Value;
        var now = clock.Now;
        error = error.Length <= 2000 ? error : error[..2000];
        if (claimed.Attempts >= settings.MaxAttempts)
        {
            await Claimed(claimed).ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Status, DeliveryStatus.Failed)
                .SetProperty(d => d.LastError, error)
                .SetProperty(d => d.ClaimedUntil, (DateTimeOffset?)null)
                .SetProperty(d => d.UpdatedAt, now), ct);
            logger.LogWarning("Delivery {Delivery} ({Channel}) failed after {Attempts} attempts: {Error}", claimed.Id, claimed.Channel, claimed.Attempts, error);
            return;
        }

        var next = now + BackOff(claimed.Attempts, settings);
        var marked = await Claimed(claimed).ExecuteUpdateAsync(s => s
            .SetProperty(d => d.Status, DeliveryStatus.Pending)
            .SetProperty(d => d.NextAttemptAt, next)
            .SetProperty(d => d.LastError, error)
            .SetProperty(d => d.ClaimedUntil, (DateTimeOffset?)null)
            .SetProperty(d => d.UpdatedAt, now), ct);
        if (marked == 1)
        {
            try
            {
                jobs.Schedule<NotificationJobs>(j => j.DeliverAsync(claimed.Id, CancellationToken.None), TimerJobs.ScheduleAt(next));
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Could not schedule the next attempt of delivery {Delivery}; the sweeper will.", claimed.Id);
            }
        }
    }

    /// <summary>The wait after failed attempt <paramref name="attempts"/>: the retry delay, doubled for each further failure, capped.</summary>
    public static TimeSpan BackOff(int attempts, NotificationOptions settings)
    {
        var factor = Math.Pow(2, Math.Clamp(attempts - 1, 0, 30));
        var wait = TimeSpan.FromTicks((long)Math.Min(settings.RetryDelay.Ticks * factor, settings.MaxRetryDelay.Ticks));
        return wait;
    }

    /// <summary>The row as this attempt claimed it: still sending, with this attempt's number.</summary>
    private IQueryable<NotificationDelivery> Claimed(NotificationDelivery claimed) =>
        db.Set<NotificationDelivery>().Where(d => d.Id == claimed.Id && d.Status == DeliveryStatus.Sending && d.Attempts == claimed.Attempts);

    /// <summary>
    /// The recurring safety net (every minute): writes the daily digest when it is due, and enqueues a job for every
    /// delivery that is owed now (a lost job, a host that was down, a deliverer whose lease ran out).
    /// </summary>
    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        await WriteDigestsAsync(ct);
        var owed = await OwedAsync(500, ct);
        foreach (var id in owed)
        {
            jobs.Enqueue<NotificationJobs>(j => j.DeliverAsync(id, CancellationToken.None));
        }

        return owed.Count;
    }

    /// <summary>Deliveries owed now, oldest first.</summary>
    public Task<List<string>> OwedAsync(int limit, CancellationToken ct)
    {
        var now = clock.Now;
        return db.Set<NotificationDelivery>().AsNoTracking()
            .Where(d => (d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now) || (d.Status == DeliveryStatus.Sending && d.ClaimedUntil < now))
            .OrderBy(d => d.NextAttemptAt).Select(d => d.Id).Take(limit).ToListAsync(ct);
    }

    /// <summary>
    /// Once per department date, from <see cref="NotificationOptions.DigestTime"/> on: one e-mail to each person with
    /// open tasks who keeps the digest (and e-mail) on and has an address, listing those tasks, overdue first. The day's
    /// row (<see cref="NotificationDigestRun"/>) is written in the same transaction, so two nodes write one digest.
    /// </summary>
    /// <returns>The number of digests written now (0 when not due yet or already written today).</returns>
    public async Task<int> WriteDigestsAsync(CancellationToken ct)
    {
        var settings = options.Value;
        var today = clock.Today;
        if (!settings.Smtp.Enabled || clock.Now < clock.ToInstant(today, settings.DigestTime)
            || await db.Set<NotificationDigestRun>().AnyAsync(r => r.Date == today, ct))
        {
            return 0;
        }

        var people = await db.Users.AsNoTracking()
            .Where(u => !u.DigestOff && !u.EmailOff && u.Email != null && u.Email != "")
            .Select(u => new { u.Id, u.Email, u.Language }).ToListAsync(ct);
        var ids = people.Select(p => p.Id).ToList();
        var open = await (
                from c in db.TaskCandidates.Where(c => !c.Closed)
                join t in db.Tasks on c.TaskId equals t.Id
                join i in db.Instances on t.InstanceId equals i.Id
                join s in db.Users on i.SubjectId equals s.Id
                where ids.Contains(c.EmployeeId) && t.Status == TaskState.Open && (t.AssigneeId == null || t.AssigneeId == c.EmployeeId)
                select new { c.EmployeeId, t.InstanceId, t.Type, SubjectName = s.Name, t.Step, t.Title, t.DueAt, t.CreatedAt })
            .AsNoTracking().ToListAsync(ct);
        var now = clock.Now;
        db.ChangeTracker.Clear();
        var written = 0;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? refused = null;
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            foreach (var person in people)
            {
                var items = open.Where(o => o.EmployeeId == person.Id)
                    .OrderBy(o => o.DueAt is { } due && due <= now ? 0 : 1).ThenBy(o => o.DueAt ?? DateTimeOffset.MaxValue).ThenBy(o => o.CreatedAt)
                    .Select(o => new DigestItem(o.InstanceId, o.Type, o.SubjectName, o.Step, o.Title, o.DueAt)).ToList();
                if (items.Count == 0)
                {
                    continue;
                }

                var (subject, body) = text.RenderDigest(items, NotificationText.LanguageOf(person.Language), settings.BaseUrl);
                notifier.Add(db, new NotificationDelivery
                {
                    Channel = DeliveryChannel.Email,
                    Recipient = person.Email!,
                    Subject = subject,
                    Body = body,
                    CreatedAt = now,
                    NextAttemptAt = now,
                    UpdatedAt = now,
                });
                written++;
            }

            db.Add(new NotificationDigestRun { Date = today, WrittenAt = now, Digests = written });
            try
            {
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
            }
            catch (DbUpdateException ex)
            {
                refused = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex);
            }
        }

        if (refused is not null)
        {
            db.ChangeTracker.Clear();
            if (await db.Set<NotificationDigestRun>().AnyAsync(r => r.Date == today, ct))
            {
                // Another node wrote today's digest first: the day's key refused ours, and nothing of ours was written.
                return 0;
            }

            refused.Throw();
        }

        notifier.EnqueueCommitted(db);
        return written;
    }

    public static void RegisterRecurring(IRecurringJobManager recurring) =>
        recurring.AddOrUpdate<NotificationJobs>(SweeperJobId, j => j.SweepAsync(CancellationToken.None), Cron.Minutely());
}
