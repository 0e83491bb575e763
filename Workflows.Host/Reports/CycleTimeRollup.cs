using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Runtime;

namespace Workflows.Host.Reports;

/// <summary>
/// A calendar month of the department whose tasks' durations are summed up in <see cref="CycleTimeBucket"/> rows
/// (ADR 0020). Sealed once the month has ended: no task can be created in it any more, since a task's creation time is
/// the clock's now. Its bounds are kept as instants, so the report uses it only for a range that holds it whole, whatever
/// the department's time zone is now.
/// </summary>
public sealed class CycleTimePeriod
{
    /// <summary>The month's first instant (the department's local midnight, in UTC).</summary>
    public DateTimeOffset Start { get; init; }

    /// <summary>The next month's first instant.</summary>
    public DateTimeOffset End { get; init; }

    /// <summary><c>yyyy-MM</c>, for whoever reads the table.</summary>
    public string Month { get; init; } = "";

    public DateTimeOffset SealedAt { get; init; }

    /// <summary>Moved by every fold of its pending tasks: a report that read the period while it moved reads it again.</summary>
    public long Version { get; set; }
}

/// <summary>
/// How many of a period's tasks of one step were completed with a duration in one tenth-of-an-hour bucket, and the
/// shortest and longest of them (in ticks): percentiles do not add up across months, counts per bucket do.
/// </summary>
public sealed class CycleTimeBucket
{
    public DateTimeOffset PeriodStart { get; init; }

    public string Type { get; init; } = "";

    public string Step { get; init; } = "";

    public long Bucket { get; init; }

    public int Completed { get; set; }

    public long ShortestTicks { get; set; }

    public long LongestTicks { get; set; }
}

/// <summary>A task of a sealed period that had not ended when it was sealed: the report reads it as it is now.</summary>
public sealed class CycleTimePendingTask
{
    public string TaskId { get; init; } = "";

    public DateTimeOffset PeriodStart { get; init; }
}

internal sealed class CycleTimeRollupConfiguration :
    IEntityTypeConfiguration<CycleTimePeriod>, IEntityTypeConfiguration<CycleTimeBucket>, IEntityTypeConfiguration<CycleTimePendingTask>
{
    public void Configure(EntityTypeBuilder<CycleTimePeriod> p)
    {
        p.ToTable("CycleTimePeriods");
        p.HasKey(x => x.Start);
        p.Property(x => x.Month).HasMaxLength(7);
        p.Property(x => x.Version).IsConcurrencyToken();
    }

    public void Configure(EntityTypeBuilder<CycleTimeBucket> b)
    {
        b.ToTable("CycleTimeBuckets");
        b.HasKey(x => new { x.PeriodStart, x.Type, x.Step, x.Bucket });
        b.Property(x => x.Type).HasMaxLength(40);
        b.Property(x => x.Step).HasMaxLength(100);
        b.HasOne<CycleTimePeriod>().WithMany().HasForeignKey(x => x.PeriodStart).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<CycleTimePendingTask> t)
    {
        t.ToTable("CycleTimePendingTasks");
        t.HasKey(x => x.TaskId);
        t.Property(x => x.TaskId).HasMaxLength(36);
        t.HasIndex(x => x.PeriodStart);
        t.HasOne<CycleTimePeriod>().WithMany().HasForeignKey(x => x.PeriodStart).OnDelete(DeleteBehavior.Cascade);
        t.HasOne<WorkflowTask>().WithMany().HasForeignKey(x => x.TaskId).OnDelete(DeleteBehavior.Restrict);
    }
}

/// <summary>
/// Durations counted in tenth-of-an-hour buckets aligned on the report's rounding (a bucket starts half a tenth past a
/// tenth, where rounding to a tenth changes), each with its count, shortest and longest. The cycle-times report adds up
/// buckets from the sealed months, the pending tasks and the live rest of its range, then reads its nearest-rank
/// percentiles from them (<see cref="ReportsService.CycleTimesAsync"/>).
/// </summary>
public sealed class DurationBuckets
{
    /// <summary>A tenth of an hour, and half of one, in ticks.</summary>
    public const long WidthTicks = 3_600_000_000, OffsetTicks = 1_800_000_000;

    private readonly Dictionary<(string Type, string Step), Step> steps = [];

    public sealed class Step
    {
        public SortedDictionary<long, (int Completed, long Shortest, long Longest)> Buckets { get; } = [];

        public int Open { get; set; }

        public int Overdue { get; set; }

        public int Completed { get; set; }
    }

    public IEnumerable<KeyValuePair<(string Type, string Step), Step>> Steps => steps;

    /// <summary>The bucket of a duration: floor((ticks − offset) / width), also below the first bucket.</summary>
    public static long BucketOf(long ticks)
    {
        var (quotient, remainder) = Math.DivRem(ticks - OffsetTicks, WidthTicks);
        return remainder < 0 ? quotient - 1 : quotient;
    }

    private Step For(string type, string step)
    {
        if (!steps.TryGetValue((type, step), out var s))
        {
            steps[(type, step)] = s = new Step();
        }

        return s;
    }

    public void AddBucket(string type, string step, long bucket, int completed, long shortest, long longest)
    {
        if (completed == 0)
        {
            return;
        }

        var s = For(type, step);
        s.Completed += completed;
        s.Buckets[bucket] = s.Buckets.TryGetValue(bucket, out var b)
            ? (b.Completed + completed, Math.Min(b.Shortest, shortest), Math.Max(b.Longest, longest))
            : (completed, shortest, longest);
    }

    public void AddDuration(string type, string step, long ticks) => AddBucket(type, step, BucketOf(ticks), 1, ticks, ticks);

    /// <summary>A completed task's duration; any other task adds nothing.</summary>
    public void AddCompleted(string type, string step, TaskState status, DateTimeOffset createdAt, DateTimeOffset? completedAt)
    {
        if (status == TaskState.Completed && completedAt is { } done)
        {
            AddDuration(type, step, (done - createdAt).Ticks);
        }
    }

    public void AddOpen(string type, string step, int open, int overdue)
    {
        var s = For(type, step);
        s.Open += open;
        s.Overdue += overdue;
    }

    /// <summary>
    /// A task as the report counts it: a completed one's duration, an open one (overdue if past due now); the report
    /// counts no other state (a task waiting on a colleague added, 加签, or ended without completing).
    /// </summary>
    public void AddTask(string type, string step, TaskState status, DateTimeOffset createdAt, DateTimeOffset? completedAt, DateTimeOffset? dueAt, DateTimeOffset now)
    {
        if (status == TaskState.Completed && completedAt is not null)
        {
            AddCompleted(type, step, status, createdAt, completedAt);
        }
        else if (status == TaskState.Open)
        {
            AddOpen(type, step, 1, dueAt is { } due && due < now ? 1 : 0);
        }
        else if (status == TaskState.Completed)
        {
            For(type, step);
        }
    }

    /// <summary>Hours of a duration, rounded to a tenth as the report shows them.</summary>
    public static double Hours(long ticks) => Math.Round(TimeSpan.FromTicks(ticks).TotalHours, 1);
}

/// <summary>
/// Seals the department's ended months for the cycle-times report (ADR 0020), hourly: each month ended at least
/// <see cref="Margin"/> ago gets its completed tasks' durations summed up in buckets and its tasks not yet ended listed
/// as pending, in one transaction; then the pending tasks that have since ended are folded into their month's buckets.
/// Idempotent: a month is sealed once (its row's key), a fold moves its period's version and fails if another moved it.
/// The report never depends on this having run: a month not sealed is read from the tasks themselves.
/// </summary>
public sealed class CycleTimeRollup(WorkflowDbContext db, DepartmentClock clock, ILogger<CycleTimeRollup> logger)
{
    public const string JobId = "cycle-time-rollup";

    /// <summary>How long after a month's end it is sealed: far longer than any step's transaction.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromHours(1);

    private static readonly TaskState[] Ended = [TaskState.Completed, TaskState.Cancelled, TaskState.Expired];

    /// <returns>How many months were sealed and how many pending tasks were folded.</returns>
    public async Task<(int Sealed, int Folded)> RunAsync(CancellationToken ct)
    {
        var sealedMonths = 0;
        var earliest = await db.Tasks.AsNoTracking().OrderBy(t => t.CreatedAt).Select(t => (DateTimeOffset?)t.CreatedAt).FirstOrDefaultAsync(ct);
        if (earliest is { } first)
        {
            var periods = await db.Set<CycleTimePeriod>().AsNoTracking().Select(p => new { p.Start, p.End }).ToListAsync(ct);
            var local = TimeZoneInfo.ConvertTime(first, clock.Zone);
            for (var month = new DateOnly(local.Year, local.Month, 1); ; month = month.AddMonths(1))
            {
                var (start, end) = (clock.ToInstant(month, TimeOnly.MinValue).ToUniversalTime(), clock.ToInstant(month.AddMonths(1), TimeOnly.MinValue).ToUniversalTime());
                if (end + Margin > clock.Now)
                {
                    break;
                }

                if (!periods.Any(p => p.Start < end && start < p.End) && await SealAsync(month, start, end, ct))
                {
                    sealedMonths++;
                }
            }
        }

        var folded = await FoldAsync(ct);
        if (sealedMonths + folded > 0)
        {
            logger.LogInformation("Cycle times: sealed {Months} months, folded {Tasks} pending tasks.", sealedMonths, folded);
        }

        return (sealedMonths, folded);
    }

    private async Task<bool> SealAsync(DateOnly month, DateTimeOffset start, DateTimeOffset end, CancellationToken ct)
    {
        var tasks = await db.Tasks.AsNoTracking().Where(t => t.CreatedAt >= start && t.CreatedAt < end)
            .Select(t => new { t.Id, t.Type, t.Step, t.Status, t.CreatedAt, t.CompletedAt }).ToListAsync(ct);
        var buckets = new DurationBuckets();
        foreach (var t in tasks)
        {
            buckets.AddCompleted(t.Type, t.Step, t.Status, t.CreatedAt, t.CompletedAt);
        }

        // One SaveChanges: the period, its buckets and its pending tasks in one transaction.
        db.Add(new CycleTimePeriod { Start = start, End = end, Month = $"{month:yyyy-MM}", SealedAt = clock.Now });
        db.AddRange(buckets.Steps.SelectMany(s => s.Value.Buckets.Select(b => new CycleTimeBucket
        {
            PeriodStart = start, Type = s.Key.Type, Step = s.Key.Step, Bucket = b.Key, Completed = b.Value.Completed, ShortestTicks = b.Value.Shortest, LongestTicks = b.Value.Longest,
        })));
        db.AddRange(tasks.Where(t => !Ended.Contains(t.Status)).Select(t => new CycleTimePendingTask { TaskId = t.Id, PeriodStart = start }));
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            if (await db.Set<CycleTimePeriod>().AsNoTracking().AnyAsync(p => p.Start == start, ct))
            {
                // Another run sealed it first: its rows are the same.
                return false;
            }

            throw;
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>Pending tasks that have ended: a completed one's duration joins its month's bucket; each leaves the list.</summary>
    private async Task<int> FoldAsync(CancellationToken ct)
    {
        var ended = await (from p in db.Set<CycleTimePendingTask>().AsNoTracking()
                           join t in db.Tasks.AsNoTracking() on p.TaskId equals t.Id
                           where t.Status == TaskState.Completed || t.Status == TaskState.Cancelled || t.Status == TaskState.Expired
                           select new { p.PeriodStart, p.TaskId, t.Type, t.Step, t.Status, t.CreatedAt, t.CompletedAt }).ToListAsync(ct);
        var folded = 0;
        foreach (var period in ended.GroupBy(e => e.PeriodStart))
        {
            var durations = new DurationBuckets();
            foreach (var t in period)
            {
                durations.AddCompleted(t.Type, t.Step, t.Status, t.CreatedAt, t.CompletedAt);
            }

            try
            {
                var row = await db.Set<CycleTimePeriod>().SingleAsync(p => p.Start == period.Key, ct);
                row.Version++;
                foreach (var (key, step) in durations.Steps)
                {
                    var numbers = step.Buckets.Keys.ToList();
                    var existing = await db.Set<CycleTimeBucket>()
                        .Where(b => b.PeriodStart == period.Key && b.Type == key.Type && b.Step == key.Step && numbers.Contains(b.Bucket))
                        .ToDictionaryAsync(b => b.Bucket, ct);
                    foreach (var (number, b) in step.Buckets)
                    {
                        if (existing.TryGetValue(number, out var kept))
                        {
                            kept.Completed += b.Completed;
                            kept.ShortestTicks = Math.Min(kept.ShortestTicks, b.Shortest);
                            kept.LongestTicks = Math.Max(kept.LongestTicks, b.Longest);
                        }
                        else
                        {
                            db.Add(new CycleTimeBucket
                            {
                                PeriodStart = period.Key, Type = key.Type, Step = key.Step, Bucket = number, Completed = b.Completed, ShortestTicks = b.Shortest, LongestTicks = b.Longest,
                            });
                        }
                    }
                }

                var ids = period.Select(t => t.TaskId).ToList();
                db.RemoveRange(ids.Select(id => new CycleTimePendingTask { TaskId = id, PeriodStart = period.Key }));
                // One SaveChanges, one transaction. The period's version (a concurrency token) and each pending row's delete
                // are checked: when another fold raced this one, this one rolls back and leaves it done.
                await db.SaveChangesAsync(ct);
                folded += ids.Count;
            }
            catch (DbUpdateException ex)
            {
                // Another run folded (some of) these first: its version move, its bucket rows or its deletes refused this
                // transaction, which left nothing behind; whatever is still pending is folded by the next run. When
                // nobody else folded any of them, the failure is not a race.
                db.ChangeTracker.Clear();
                var ids = period.Select(t => t.TaskId).ToList();
                if (await db.Set<CycleTimePendingTask>().CountAsync(p => ids.Contains(p.TaskId), ct) == ids.Count)
                {
                    throw;
                }

                logger.LogInformation(ex, "Cycle times: the pending tasks of {Period} were folded by another run.", period.Key);
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
        }

        return folded;
    }

    public static void RegisterRecurring(IRecurringJobManager recurring) =>
        recurring.AddOrUpdate<CycleTimeRollup>(JobId, j => j.RunAsync(CancellationToken.None), Cron.Hourly(10));
}
