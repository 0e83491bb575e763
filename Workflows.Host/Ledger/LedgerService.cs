using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workflows.Definitions.Ledger;
using Workflows.Definitions.Violations;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Violations;
using AdjustmentFact = Workflows.Definitions.Ledger.LedgerAdjustment;
using Workflows.Definitions.Disputes;

namespace Workflows.Host.Ledger;

/// <summary>A statement as the API shows it: open (computed now) or closed (read from its snapshot).</summary>
public sealed record StatementView(MonthlyStatement Statement, bool Closed);

/// <summary>What a month close did.</summary>
/// <param name="AlreadyClosed">Nothing was written: the month was closed before (by an earlier call or a lost race).</param>
/// <param name="AlsoClosed">Earlier months that were still open and were closed first, in order.</param>
public sealed record MonthCloseSummary(LedgerMonth Month, bool AlreadyClosed, DateTimeOffset? ClosedAt, string? ClosedBy, int Statements,
    decimal Penalties, decimal Rewards, decimal Adjustments, decimal Total, IReadOnlyList<LedgerMonth> AlsoClosed);

/// <summary>The answer of <see cref="LedgerService.CloseMonthAsync"/>.</summary>
public abstract record MonthCloseResult
{
    private MonthCloseResult()
    {
    }

    public sealed record Done(MonthCloseSummary Summary) : MonthCloseResult;

    /// <summary>The month has not ended yet in the department's time zone (HTTP 422).</summary>
    public sealed record NotEnded(string Reason) : MonthCloseResult;
}

/// <summary>
/// The 乐捐 ledger (docs/domain.md §The ledger and month close): statements, month close and the effects of dispute decisions. The arithmetic
/// is the core's (<see cref="MonthlyStatement"/>, <see cref="DepartmentFund"/>, <see cref="DisputeDecision"/>);
/// this class loads the facts and stores the results.
/// </summary>
/// <remarks>
/// <para><b>Which month carries an item (Decision).</b> Closed months are a prefix of the calendar: a month is closed
/// when it is not after the last closed month. Every ledger item — a violation's penalty, a reward, an adjustment —
/// is carried by its own month (the date it occurred or was awarded, the month an adjustment was posted to) or, when
/// that month is already closed, by the first open month (<see cref="MonthlyStatement.ChargeMonth"/>). At close the
/// items carried by the month are copied into <see cref="ClosedStatementLine"/> rows, and from then on that copy
/// is the statement. Because "carried by" is worked out from whether an item is already in a snapshot, an item
/// written while a close runs is never lost: it simply lands in the next open month.</para>
/// <para>Months stay months: closing a month first closes every earlier month still open, in order and in the same
/// transaction, each with its own lines — also at the very first close, which starts at the month of the earliest open
/// item. A line never moves to another month's statement; only an item that arrives after its month closed (a late
/// record, a dispute decided later) is carried by the first open month.</para>
/// </remarks>
public sealed class LedgerService(WorkflowDbContext db, DepartmentClock clock, IOptions<LedgerOptions> options, Notifications.Notifier notifier)
{
    /// <summary>The closer recorded for the recurring job.</summary>
    public const string SystemActor = "system:month-close";

    /// <summary>The dispute window (docs/domain.md §Penalty disputes) with the configured days after close.</summary>
    public DisputeWindow DisputeWindow { get; } = new(options.Value.DisputeDaysAfterClose);

    /// <summary>The bounds of every amount (docs/domain.md §Limits), with the configured maximum.</summary>
    public MoneyBounds Bounds { get; } = options.Value.Bounds;

    public async Task<LedgerMonth?> LastClosedMonthAsync(CancellationToken ct)
    {
        var last = await db.Set<MonthClosing>().MaxAsync(m => (string?)m.Month, ct);
        return last is null ? null : LedgerMonth.Parse(last);
    }

    /// <summary>
    /// The department's first month (docs/domain.md §Limits): the earliest of the system's start — <c>Ledger:FirstMonth</c> when
    /// configured, otherwise the month the first design was published on this database — and the earliest record
    /// (a violation, a reward, an adjustment, a closed month).
    /// </summary>
    public async Task<LedgerMonth> FirstMonthAsync(CancellationToken ct)
    {
        var candidates = new List<LedgerMonth> { LedgerMonth.Of(clock.Today) };
        if (options.Value.FirstMonth is { } configured && LedgerMonth.TryParse(configured, out var start))
        {
            candidates.Add(start);
        }

        if (await db.DesignVersions.MinAsync(d => (DateTimeOffset?)d.PublishedAt, ct) is { } published)
        {
            candidates.Add(LedgerMonth.Of(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(published, clock.Zone).DateTime)));
        }

        if (await db.Set<Violation>().MinAsync(v => (DateOnly?)v.OccurredOn, ct) is { } violation)
        {
            candidates.Add(LedgerMonth.Of(violation));
        }

        if (await db.Set<Reward>().MinAsync(r => (DateOnly?)r.AwardedOn, ct) is { } reward)
        {
            candidates.Add(LedgerMonth.Of(reward));
        }

        foreach (var month in new[]
                 {
                     await db.Set<LedgerAdjustment>().MinAsync(a => (string?)a.PostedTo, ct),
                     await db.Set<MonthClosing>().MinAsync(m => (string?)m.Month, ct),
                 })
        {
            if (LedgerMonth.TryParse(month, out var parsed))
            {
                candidates.Add(parsed);
            }
        }

        return candidates.Min();
    }

    /// <summary>
    /// Statements of <paramref name="employeeIds"/> (null: everyone) in the months <paramref name="from"/>..<paramref name="to"/>
    /// (null: unbounded), one per employee and month that has lines, ordered by month then employee.
    /// </summary>
    public async Task<IReadOnlyList<StatementView>> StatementsAsync(IReadOnlyCollection<string>? employeeIds, LedgerMonth? from, LedgerMonth? to,
        CancellationToken ct)
    {
        var lastClosed = await LastClosedMonthAsync(ct);
        var result = new List<StatementView>();
        bool InRange(LedgerMonth m) => (from is null || m >= from) && (to is null || m <= to);

        if (lastClosed is { } closed && (from is null || from <= closed))
        {
            var lines = db.Set<ClosedStatementLine>().AsNoTracking();
            if (employeeIds is not null)
            {
                lines = lines.Where(l => employeeIds.Contains(l.EmployeeId));
            }

            var stored = await lines.ToListAsync(ct);
            result.AddRange(stored
                .GroupBy(l => (l.EmployeeId, Month: LedgerMonth.Parse(l.Month)))
                .Where(g => InRange(g.Key.Month))
                .Select(g => new StatementView(new MonthlyStatement(g.Key.EmployeeId, g.Key.Month,
                    [.. g.OrderBy(l => l.Seq).Select(l => new StatementLine(l.Kind, l.ViolationId, l.Amount, l.Note, l.SourceId))]), Closed: true)));
        }

        if (to is null || lastClosed is null || to > lastClosed)
        {
            var pool = await OpenItemsAsync(employeeIds, track: false, ct);
            result.AddRange(pool.EmployeeIds()
                .SelectMany(employee => pool.MonthsOf(employee, lastClosed).Select(month => (employee, month)))
                .Where(x => InRange(x.month))
                .Select(x => new StatementView(pool.Statement(x.employee, x.month, lastClosed), Closed: false)));
        }

        return [.. result.OrderBy(s => s.Statement.Month).ThenBy(s => s.Statement.EmployeeId, StringComparer.Ordinal)];
    }

    /// <summary>One employee's statement of one month, empty when it has no lines.</summary>
    public async Task<StatementView> StatementAsync(string employeeId, LedgerMonth month, CancellationToken ct)
    {
        var found = await StatementsAsync([employeeId], month, month, ct);
        if (found.Count > 0)
        {
            return found[0];
        }

        var lastClosed = await LastClosedMonthAsync(ct);
        return new StatementView(new MonthlyStatement(employeeId, month, []), lastClosed is { } c && month <= c);
    }

    /// <summary>
    /// Closes <paramref name="month"/> (and any earlier month still open) in one transaction: the statements are
    /// computed with <see cref="MonthlyStatement.Calculate"/> and stored as snapshot lines. Idempotent: a closed month
    /// answers <see cref="MonthCloseSummary.AlreadyClosed"/> and nothing is written; so does a lost race with a
    /// concurrent close (the month's primary key and the unique snapshot lines refuse the second writer).
    /// </summary>
    public async Task<MonthCloseResult> CloseMonthAsync(LedgerMonth month, string closedBy, CancellationToken ct)
    {
        var today = clock.Today;
        if (month.LastDay >= today)
        {
            return new MonthCloseResult.NotEnded(
                $"{month} has not ended yet (today is {today:yyyy-MM-dd} in the department's time zone) / 该月尚未结束,不能结账");
        }

        // Not before the department's first month: nothing lies there, and a close walks every month from the last
        // closed one, so an absurd month (0001-01) would make the next close walk thousands (docs/domain.md §Limits).
        var first = await FirstMonthAsync(ct);
        if (month < first)
        {
            return new MonthCloseResult.NotEnded(
                $"{month} is before the department's first month {first}: there is nothing to close / 该月早于本部门的第一个月,无可结账");
        }

        var lastClosed = await LastClosedMonthAsync(ct);
        if (lastClosed is { } c && month <= c)
        {
            return new MonthCloseResult.Done(await ClosedSummaryAsync(month, ct));
        }

        try
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var pool = await OpenItemsAsync(null, track: true, ct);
            var closedNow = new List<LedgerMonth>();
            var now = clock.Now;
            var summary = default(MonthCloseSummary);
            for (var m = lastClosed?.Next() ?? pool.EarliestMonth(month); m <= month; m = m.Next())
            {
                var statements = pool.EmployeeIds()
                    .Select(e => pool.Statement(e, m, lastClosed))
                    .Where(s => s.Lines.Count > 0)
                    .ToList();
                var fund = new AmountSum(m, null);
                decimal Sum(StatementLineKind kind) => MoneySum.Of(statements.SelectMany(s => s.Lines).Where(l => l.Kind == kind).Select(l => l.Amount), fund);
                db.Add(new MonthClosing
                {
                    Month = m.ToString(), ClosedAt = now, ClosedBy = closedBy,
                    Penalties = Sum(StatementLineKind.Penalty), Rewards = Sum(StatementLineKind.Reward), Adjustments = Sum(StatementLineKind.Adjustment),
                });
                foreach (var statement in statements)
                {
                    db.AddRange(statement.Lines.Select((line, i) => new ClosedStatementLine
                    {
                        Month = m.ToString(),
                        EmployeeId = statement.EmployeeId,
                        Seq = i + 1,
                        Kind = line.Kind,
                        ViolationId = line.ViolationId,
                        SourceId = line.SourceId ?? throw new InvalidOperationException("A ledger line without its source."),
                        Amount = line.Amount,
                        Note = line.Note,
                    }));
                }

                // The snapshotted penalties' rows get a new version, so a dispute decided concurrently on one of them
                // (which read it as "month open, no adjustment needed") fails its concurrency check instead of
                // silently changing an amount the closed statement has already frozen.
                // ClosedIn marks them as no longer open items (the same transaction as their lines).
                foreach (var violation in statements.SelectMany(s => s.Lines).Where(l => l.Kind == StatementLineKind.Penalty))
                {
                    var row = pool.Violation(violation.SourceId!);
                    row.ClosedIn = m.ToString();
                    db.Entry(row).Property(v => v.Version).IsModified = true;
                }

                pool.Remove(statements.SelectMany(s => s.Lines));
                await notifier.NotifyAsync(db, statements.Select(s => s.EmployeeId), Notifications.NotificationKinds.StatementClosed, null, null,
                    new Notifications.NotificationFacts(ActorId: closedBy, Month: m.ToString()), ct);
                if (m != month)
                {
                    closedNow.Add(m);
                }

                summary = Summarize(m, alreadyClosed: false, now, closedBy, statements, closedNow);
                lastClosed = m;
            }

            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            notifier.EnqueueCommitted(db);
            return new MonthCloseResult.Done(summary!);
        }
        catch (Exception ex) when (ex is DbUpdateException or DbException)
        {
            // A concurrent close won (same month key, same snapshot lines, or touched the same violations). If the
            // month is closed now, that is the answer; anything else is a real failure and goes up.
            db.ChangeTracker.Clear();
            var nowClosed = await LastClosedMonthAsync(ct);
            if (nowClosed is { } n && month <= n)
            {
                return new MonthCloseResult.Done(await ClosedSummaryAsync(month, ct));
            }

            throw;
        }
    }

    /// <summary>Whether the violation's penalty is already in a closed statement: the <c>monthClosed</c> argument of
    /// <see cref="Violation.Decide"/>.</summary>
    public Task<bool> IsPenaltyInClosedMonthAsync(string violationId, CancellationToken ct) =>
        db.Set<ClosedStatementLine>().AnyAsync(l => l.Kind == StatementLineKind.Penalty && l.SourceId == violationId, ct);

    /// <summary>
    /// Whether the employee may dispute <paramref name="violation"/> today (docs/domain.md §Penalty disputes): any time while its penalty
    /// is in an open month, and up to <c>Ledger:DisputeDaysAfterClose</c> days after the month carrying it was closed.
    /// </summary>
    public async Task<DisputeAdmission> CheckDisputeAsync(Violation violation, CancellationToken ct)
    {
        var closedAt = await (from l in db.Set<ClosedStatementLine>()
                              join m in db.Set<MonthClosing>() on l.Month equals m.Month
                              where l.Kind == StatementLineKind.Penalty && l.SourceId == violation.Id
                              select (DateTimeOffset?)m.ClosedAt).FirstOrDefaultAsync(ct);
        DateOnly? closedOn = closedAt is { } at ? DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, clock.Zone).DateTime) : null;
        return DisputeWindow.Check(violation.Status, violation.HasBeenDisputed, closedOn, clock.Today);
    }

    /// <summary>
    /// Decides a dispute: asks whether the penalty is frozen in a closed statement, applies the decision to the violation
    /// (<see cref="Violation.Decide"/>) and posts the ledger effect (<see cref="PostDisputeEffect"/>). Adds to the
    /// caller's unit of work and does not save: the workflow commits it with its own progress.
    /// </summary>
    public async Task<DisputeResolution> DecideDisputeAsync(Violation violation, DisputeDecision decision, string actorId, string reference,
        CancellationToken ct)
    {
        var frozen = await IsPenaltyInClosedMonthAsync(violation.Id, ct);
        var resolution = violation.Decide(decision, frozen, actorId, clock.Now, reference, Bounds);
        if (resolution is DisputeResolution.Resolved resolved)
        {
            await PostDisputeEffect(violation, resolved, actorId, reference, ct);
        }

        return resolution;
    }

    /// <summary>
    /// The ledger side of a decided dispute. When the violation's penalty is in a closed statement
    /// (<see cref="DisputeResolution.Resolved.AdjustmentAmount"/> is set), an adjustment of that (negative) amount is
    /// posted to the first open month, because a closed statement never changes. When the penalty is still in an open
    /// month there is nothing to store: the open statement is computed from the violation's new status and amount.
    /// Adds to the caller's unit of work; does not save.
    /// </summary>
    /// <returns>The adjustment added, or null when none was needed.</returns>
    public async Task<LedgerAdjustment?> PostDisputeEffect(Violation violation, DisputeResolution.Resolved resolution, string actorId,
        string reference, CancellationToken ct)
    {
        if (resolution.AdjustmentAmount is not { } amount)
        {
            return null;
        }

        var firstOpen = (await LastClosedMonthAsync(ct))?.Next() ?? LedgerMonth.Of(clock.Today);
        var adjustment = new LedgerAdjustment
        {
            EmployeeId = violation.EmployeeId,
            PostedTo = firstOpen.ToString(),
            ViolationId = violation.Id,
            Amount = amount,
            Note = $"{violation.RuleCode} {violation.OccurredOn:yyyy-MM-dd} {resolution.NewStatus} after dispute / 申诉结果调整",
            Reference = reference,
            CreatedBy = actorId,
            CreatedAt = clock.Now,
        };
        db.Add(adjustment);
        return adjustment;
    }

    private async Task<MonthCloseSummary> ClosedSummaryAsync(LedgerMonth month, CancellationToken ct)
    {
        var key = month.ToString();
        var closing = await db.Set<MonthClosing>().AsNoTracking().SingleOrDefaultAsync(m => m.Month == key, ct);
        var statements = (await StatementsAsync(null, month, month, ct)).Select(s => s.Statement).ToList();
        return Summarize(month, alreadyClosed: true, closing?.ClosedAt, closing?.ClosedBy, statements, []);
    }

    private static MonthCloseSummary Summarize(LedgerMonth month, bool alreadyClosed, DateTimeOffset? at, string? by,
        IReadOnlyList<MonthlyStatement> statements, IReadOnlyList<LedgerMonth> alsoClosed) =>
        new(month, alreadyClosed, at, by, statements.Count,
            MoneySum.Of(statements.Select(s => s.Penalties), new AmountSum(month, null)), MoneySum.Of(statements.Select(s => s.Rewards), new AmountSum(month, null)),
            MoneySum.Of(statements.Select(s => s.Adjustments), new AmountSum(month, null)), MoneySum.Of(statements.Select(s => s.Total), new AmountSum(month, null)),
            [.. alsoClosed]);

    /// <summary>
    /// Every ledger item not yet in a closed statement; a close tracks the violations so it can touch them. A violation's
    /// penalty is in a closed statement exactly when the close marked it (<see cref="Violation.ClosedIn"/>); a waived one
    /// carries no line in any month, so it is left out.
    /// </summary>
    private async Task<OpenItems> OpenItemsAsync(IReadOnlyCollection<string>? employeeIds, bool track, CancellationToken ct)
    {
        var lines = db.Set<ClosedStatementLine>();
        var violations = (track ? db.Set<Violation>() : db.Set<Violation>().AsNoTracking())
            .Where(v => v.ClosedIn == null && v.Status != ViolationStatus.Waived);
        var rewards = db.Set<Reward>().AsNoTracking().Where(r => !lines.Any(l => l.Kind == StatementLineKind.Reward && l.SourceId == r.Id));
        var adjustments = db.Set<LedgerAdjustment>().AsNoTracking().Where(a => !lines.Any(l => l.Kind == StatementLineKind.Adjustment && l.SourceId == a.Id));
        if (employeeIds is not null)
        {
            violations = violations.Where(v => employeeIds.Contains(v.EmployeeId));
            rewards = rewards.Where(r => employeeIds.Contains(r.EmployeeId));
            adjustments = adjustments.Where(a => employeeIds.Contains(a.EmployeeId));
        }

        return new OpenItems(await violations.ToListAsync(ct), await rewards.ToListAsync(ct), await adjustments.ToListAsync(ct));
    }

    /// <summary>
    /// The items of open months, and which month carries each (see the class remarks). Looked up per employee: a
    /// department-wide statement walks every employee, and scanning every open item per employee was quadratic
    /// (20,000 employees × thousands of items).
    /// </summary>
    private sealed class OpenItems
    {
        private readonly List<Violation> violations;
        private readonly List<Reward> rewards;
        private readonly List<LedgerAdjustment> adjustments;
        private ILookup<string, Violation> violationsOf = null!;
        private ILookup<string, Reward> rewardsOf = null!;
        private ILookup<string, LedgerAdjustment> adjustmentsOf = null!;
        private Dictionary<string, Violation> violationById = null!;

        public OpenItems(List<Violation> violations, List<Reward> rewards, List<LedgerAdjustment> adjustments)
        {
            (this.violations, this.rewards, this.adjustments) = (violations, rewards, adjustments);
            Index();
        }

        private void Index()
        {
            violationsOf = violations.ToLookup(v => v.EmployeeId, StringComparer.Ordinal);
            rewardsOf = rewards.ToLookup(r => r.EmployeeId, StringComparer.Ordinal);
            adjustmentsOf = adjustments.ToLookup(a => a.EmployeeId, StringComparer.Ordinal);
            violationById = violations.ToDictionary(v => v.Id, StringComparer.Ordinal);
        }

        public IEnumerable<string> EmployeeIds() =>
            violations.Select(v => v.EmployeeId).Concat(rewards.Select(r => r.EmployeeId)).Concat(adjustments.Select(a => a.EmployeeId))
                .Distinct(StringComparer.Ordinal);

        public Violation Violation(string id) => violationById[id];

        /// <summary>The months that carry at least one of the employee's items (waived violations carry no line).</summary>
        public IEnumerable<LedgerMonth> MonthsOf(string employeeId, LedgerMonth? lastClosed) =>
            violationsOf[employeeId].Where(v => v.Status.Counts()).Select(v => Carrier(LedgerMonth.Of(v.OccurredOn), lastClosed))
                .Concat(rewardsOf[employeeId].Select(r => Carrier(LedgerMonth.Of(r.AwardedOn), lastClosed)))
                .Concat(adjustmentsOf[employeeId].Select(a => Carrier(LedgerMonth.Parse(a.PostedTo), lastClosed)))
                .Distinct();

        /// <summary>
        /// The month a first close starts at: the earliest month carrying an open item, or <paramref name="month"/> when
        /// none is earlier. Every month from there on is closed in turn with its own lines.
        /// </summary>
        public LedgerMonth EarliestMonth(LedgerMonth month) =>
            violations.Where(v => v.Status.Counts()).Select(v => LedgerMonth.Of(v.OccurredOn))
                .Concat(rewards.Select(r => LedgerMonth.Of(r.AwardedOn)))
                .Concat(adjustments.Select(a => LedgerMonth.Parse(a.PostedTo)))
                .Append(month)
                .Min();

        /// <summary>The employee's statement for <paramref name="month"/> through the core's Calculate: the items that month carries, no others.</summary>
        public MonthlyStatement Statement(string employeeId, LedgerMonth month, LedgerMonth? lastClosed)
        {
            bool Carried(LedgerMonth carrier) => carrier == month;

            var charges = violationsOf[employeeId]
                .Select(v => (v, carrier: Carrier(LedgerMonth.Of(v.OccurredOn), lastClosed)))
                .Where(x => Carried(x.carrier))
                .Select(x => new ViolationCharge(x.v.Id, x.v.RuleCode, x.v.OccurredOn, x.v.Status, x.v.PenaltyAmount, month));
            // Calculate places a reward by its date; one carried into a later month is placed on that month's first day,
            // and its note keeps the real date.
            var rewardEntries = rewardsOf[employeeId].Where(r => Carried(Carrier(LedgerMonth.Of(r.AwardedOn), lastClosed)))
                .Select(r => month.Contains(r.AwardedOn)
                    ? new RewardEntry(r.Id, r.AwardedOn, r.Amount, r.Reason)
                    : new RewardEntry(r.Id, month.FirstDay, r.Amount, $"{r.Reason} (awarded {r.AwardedOn:yyyy-MM-dd} / 奖励日期)"));
            var adjustmentFacts = adjustmentsOf[employeeId].Where(a => Carried(Carrier(LedgerMonth.Parse(a.PostedTo), lastClosed)))
                .Select(a => new AdjustmentFact(a.Id, month, a.ViolationId, a.Amount, a.Note));
            return MonthlyStatement.Calculate(employeeId, month, charges, rewardEntries, adjustmentFacts);
        }

        public void Remove(IEnumerable<StatementLine> snapshotted)
        {
            var ids = snapshotted.Select(l => (l.Kind, l.SourceId)).ToHashSet();
            violations.RemoveAll(v => ids.Contains((StatementLineKind.Penalty, v.Id)) || !v.Status.Counts());
            rewards.RemoveAll(r => ids.Contains((StatementLineKind.Reward, r.Id)));
            adjustments.RemoveAll(a => ids.Contains((StatementLineKind.Adjustment, a.Id)));
            Index();
        }

        private static LedgerMonth Carrier(LedgerMonth own, LedgerMonth? lastClosed) =>
            MonthlyStatement.ChargeMonth(own.FirstDay, lastClosed);
    }
}
