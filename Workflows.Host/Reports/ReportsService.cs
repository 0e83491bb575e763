using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Definitions.Engine;
using Workflows.Definitions.Ledger;
using Workflows.Definitions.Violations;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Ledger;
using Workflows.Host.Platform;
using Workflows.Host.Promotion;
using Workflows.Host.Runtime;
using Workflows.Host.Violations;

namespace Workflows.Host.Reports;

/// <summary>One application (workflow instance) as HR lists it.</summary>
public sealed record ApplicationReportRow(
    string InstanceId, long Number, string Type, string SubjectId, string SubjectName, string? GroupName, string StartedBy, string StartedByName,
    string? Channel, DateTimeOffset StartedAt, DateTimeOffset? CompletedAt, string Status, string? Outcome, string? CurrentStep,
    string? CurrentStepName, IReadOnlyList<string> CurrentApprovers, int DaysOpen, int Returns);

public sealed record LedgerEmployeeRow(string EmployeeId, string Name, string? GroupName, decimal Penalties, decimal Rewards, decimal Adjustments, decimal Total);

public sealed record LedgerFund(decimal Penalties, decimal Rewards, decimal Adjustments, decimal Balance);

public sealed record LedgerReport(string Month, StatementStatus Status, IReadOnlyList<LedgerEmployeeRow> Employees, LedgerFund Fund);

public sealed record CycleTimeRow(string Type, string Step, string StepName, int Completed, double? P50Hours, double? P90Hours, int Open, int Overdue);

public sealed record ViolationCountRow(string GroupName, string RuleCode, string Month, int Count, decimal Amount);

/// <summary>Where a page of the applications report ends: the last row's start and id; the next page starts after it.</summary>
public sealed record ApplicationCursor(DateTimeOffset StartedAt, string Id)
{
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{StartedAt.UtcTicks}_{Id}");

    public static bool TryParse(string? text, out ApplicationCursor? cursor)
    {
        cursor = null;
        var cut = text?.IndexOf('_', StringComparison.Ordinal) ?? -1;
        if (cut <= 0 || text!.Length - cut - 1 is < 1 or > 36
            || !long.TryParse(text.AsSpan(0, cut), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return false;
        }

        cursor = new ApplicationCursor(new DateTimeOffset(ticks, TimeSpan.Zero), text[(cut + 1)..]);
        return true;
    }
}

/// <summary>The range an applications or cycle-time report covers: department calendar dates, both ends included.</summary>
public sealed record ReportRange(string? Type, DateOnly From, DateOnly To);

/// <summary>
/// HR's reports (docs/api.md §Reports), read from the operational tables through their indexes: instances by start
/// time, open tasks by instance, history by instance, violations by date, the ledger through <see cref="LedgerService"/>.
/// </summary>
public sealed class ReportsService(WorkflowDbContext db, DepartmentClock clock, LedgerService ledger, PublishedDesigns designs)
{
    /// <summary>Instances read per round trip: the open tasks, approvers and returns of a batch are one query each.</summary>
    public const int Batch = 1000;

    /// <summary>HR, the supervisor and the manager see the department's reports; nobody else.</summary>
    public static bool MaySee(Actor actor) => actor.IsHR || actor.Rank is Rank.Supervisor or Rank.Manager;

    public static readonly string[] ReturnActions = ["return"];

    public async Task<int> CountApplicationsAsync(ReportRange range, CancellationToken ct) => await Applications(range).CountAsync(ct);

    /// <summary>
    /// Every application started in the range, oldest first (by start, then id), read in batches by seeking past the last
    /// row read (the StartedAt index, no OFFSET). <paramref name="after"/> starts after that row (a page's cursor);
    /// <paramref name="limit"/> stops after that many rows.
    /// </summary>
    public async IAsyncEnumerable<ApplicationReportRow> ApplicationsAsync(ReportRange range, Func<string, string, string, string>? stepName,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct, ApplicationCursor? after = null, int? limit = null)
    {
        var groups = await db.Groups.AsNoTracking().ToDictionaryAsync(g => g.Id, g => g.Name, StringComparer.Ordinal, ct);
        var now = clock.Now;
        var left = limit ?? int.MaxValue;
        while (left > 0)
        {
            var query = Applications(range);
            if (after is { } cursor)
            {
                var (at, id) = (cursor.StartedAt, cursor.Id);
                query = query.Where(i => i.StartedAt >= at && (i.StartedAt > at || string.Compare(i.Id, id) > 0));
            }

            var take = Math.Min(Batch, left);
            var batch = await query.OrderBy(i => i.StartedAt).ThenBy(i => i.Id).Take(take)
                .Select(i => new
                {
                    i.Id, i.Number, i.Type, i.DesignName, i.DesignVersion, i.SubjectId, i.StartedBy, i.StartedAt, i.CompletedAt, i.Status, i.Outcome,
                    i.CurrentStep,
                })
                .ToListAsync(ct);
            if (batch.Count == 0)
            {
                yield break;
            }

            var ids = batch.Select(i => i.Id).ToList();
            var running = batch.Where(i => i.Status == InstanceStatus.Running).Select(i => i.Id).ToList();
            var tasks = running.Count == 0 ? [] : await db.Tasks.AsNoTracking()
                .Where(t => running.Contains(t.InstanceId) && t.Status == TaskState.Open)
                .Select(t => new { t.Id, t.InstanceId, t.Step, t.Title, t.AssigneeId }).ToListAsync(ct);
            var taskIds = tasks.Where(t => t.AssigneeId == null).Select(t => t.Id).ToList();
            var candidates = taskIds.Count == 0 ? [] : await db.TaskCandidates.AsNoTracking()
                .Where(c => taskIds.Contains(c.TaskId)).Select(c => new { c.TaskId, c.EmployeeId }).ToListAsync(ct);
            var candidatesByTask = candidates.ToLookup(c => c.TaskId, c => c.EmployeeId);
            var tasksByInstance = tasks.ToLookup(t => t.InstanceId);
            var personIds = batch.SelectMany(i => new[] { i.SubjectId, i.StartedBy }).Concat(tasks.Select(t => t.AssigneeId).OfType<string>())
                .Concat(candidates.Select(c => c.EmployeeId)).Distinct(StringComparer.Ordinal).ToList();
            var people = await PeopleAsync(personIds, groups, ct);
            // The first condition is IX_History_Returns' own, word for word (WorkflowDbContext.ReturnsFilter): the count reads
            // only that small index, not the batch's every history row.
            var returns = await db.History.AsNoTracking()
                .Where(h => ids.Contains(h.InstanceId) && (h.Kind == HistoryKinds.TaskReturned || h.Action == "return")
                    && (h.Kind == HistoryKinds.TaskReturned || (h.Kind == HistoryKinds.TaskCompleted && h.Action != null && ReturnActions.Contains(h.Action))))
                .GroupBy(h => h.InstanceId).Select(g => new { g.Key, Count = g.Count() })
                .ToDictionaryAsync(g => g.Key, g => g.Count, StringComparer.Ordinal, ct);
            var promotions = batch.Where(i => i.Type == "promotion").Select(i => i.Id).ToList();
            var channels = promotions.Count == 0 ? new Dictionary<string, string?>(StringComparer.Ordinal) : (await db.Instances.AsNoTracking()
                    .Where(i => promotions.Contains(i.Id)).Select(i => new { i.Id, i.StateJson }).ToListAsync(ct))
                .ToDictionary(i => i.Id, i => FormText(i.StateJson, PromotionVariables.Channel), StringComparer.Ordinal);

            foreach (var i in batch)
            {
                var open = tasksByInstance[i.Id].ToList();
                var approvers = open.SelectMany(t => t.AssigneeId is { } a ? [a] : candidatesByTask[t.Id])
                    .Distinct(StringComparer.Ordinal).Select(a => people.Name(a)).Order(StringComparer.Ordinal).ToList();
                string? currentStepName = null;
                if (i.CurrentStep is not null && stepName is not null)
                {
                    var task = open.FirstOrDefault(t => t.Step == i.CurrentStep);
                    currentStepName = task is not null ? stepName(i.Type, task.Step, task.Title) : StepTitle(i.DesignName, i.DesignVersion, i.CurrentStep, i.Type, stepName);
                }

                var subject = people.Get(i.SubjectId);
                yield return new ApplicationReportRow(i.Id, i.Number, i.Type, i.SubjectId, subject?.Name ?? i.SubjectId, subject?.GroupName, i.StartedBy,
                    people.Name(i.StartedBy), channels.GetValueOrDefault(i.Id), i.StartedAt, i.CompletedAt, i.Status.ToString(), i.Outcome,
                    i.Status == InstanceStatus.Running ? i.CurrentStep : null, i.Status == InstanceStatus.Running ? currentStepName : null, approvers,
                    DaysOpen(i.StartedAt, i.CompletedAt ?? now), returns.GetValueOrDefault(i.Id));
            }

            left -= batch.Count;
            if (batch.Count < take)
            {
                yield break;
            }

            after = new ApplicationCursor(batch[^1].StartedAt, batch[^1].Id);
        }
    }

    /// <summary>One text field of the form as filed, read from the stored state without building the whole state.</summary>
    public static string? FormText(string stateJson, string field)
    {
        using var document = System.Text.Json.JsonDocument.Parse(stateJson);
        // Instances filed before the form was kept apart have it among their variables (InstanceState.Form).
        foreach (var part in (string[])["form", "variables"])
        {
            if (document.RootElement.TryGetProperty(part, out var values) && values.ValueKind == System.Text.Json.JsonValueKind.Object
                && values.TryGetProperty(field, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String)
            {
                return value.GetString();
            }
        }

        return null;
    }

    private string StepTitle(string designName, int version, string step, string type, Func<string, string, string, string> stepName) =>
        designs.Catalog.Get(designName, version) is { } design && design.Steps.TryGetValue(step, out var s) && s is TaskStep t
            ? stepName(type, step, t.Title) : stepName(type, step, step);

    /// <summary>Calendar days in the department's time zone from the start to the end (or today while it runs).</summary>
    public int DaysOpen(DateTimeOffset start, DateTimeOffset end) =>
        LocalDate(end).DayNumber - LocalDate(start).DayNumber;

    public DateOnly LocalDate(DateTimeOffset at) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, clock.Zone).DateTime);

    public DateTime LocalTime(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, clock.Zone).DateTime;

    private IQueryable<WorkflowInstance> Applications(ReportRange range)
    {
        var start = clock.ToInstant(range.From, TimeOnly.MinValue).ToUniversalTime();
        var end = clock.ToInstant(range.To.AddDays(1), TimeOnly.MinValue).ToUniversalTime();
        var query = db.Instances.AsNoTracking().Where(i => i.StartedAt >= start && i.StartedAt < end);
        if (range.Type is { } type)
        {
            query = query.Where(i => i.Type == type);
        }

        return query;
    }

    /// <summary>
    /// The month's statements of every employee on the ladder (zeros for one without lines) and of anyone else with a
    /// line, and the fund: the month's penalties, rewards and adjustments, and the balance since the first month with a line.
    /// </summary>
    public async Task<LedgerReport> LedgerAsync(LedgerMonth month, CancellationToken ct)
    {
        var lastClosed = await ledger.LastClosedMonthAsync(ct);
        var monthClosed = lastClosed is { } closed && month <= closed;

        // Closed months are snapshots that never change: each month's fund was summed when it was closed (MonthClosing), so
        // the fund's months up to the report's (or the last closed one) are a row per month. A month closed before those sums
        // were kept is summed from its lines in the database, by kind and amount; amounts are added in decimal here, as the
        // statements add them.
        var fundMonths = new List<FundMonth>();
        var balance = 0m;
        if (lastClosed is { } last)
        {
            var upTo = (monthClosed ? month : last).ToString();
            var closings = await db.Set<MonthClosing>().AsNoTracking().Where(m => string.Compare(m.Month, upTo) <= 0)
                .Select(m => new { m.Month, m.Penalties, m.Rewards, m.Adjustments }).ToListAsync(ct);
            var unsummed = closings.Where(m => m.Penalties is null || m.Rewards is null || m.Adjustments is null).Select(m => m.Month).ToList();
            var sums = unsummed.Count == 0 ? [] : await db.Set<ClosedStatementLine>().AsNoTracking().Where(l => unsummed.Contains(l.Month))
                .GroupBy(l => new { l.Month, l.Kind, l.Amount }).Select(g => new { g.Key.Month, g.Key.Kind, g.Key.Amount, Count = g.Count() })
                .ToListAsync(ct);
            var fromLines = sums.ToLookup(x => x.Month, StringComparer.Ordinal);
            foreach (var m in closings.OrderBy(m => m.Month, StringComparer.Ordinal))
            {
                var what = new AmountSum(LedgerMonth.Parse(m.Month), null);
                decimal Sum(StatementLineKind kind, decimal? summed) =>
                    summed ?? MoneySum.Of(fromLines[m.Month].Where(x => x.Kind == kind).Select(x => x.Amount * x.Count), what);
                var (penalties, adjustments, rewards) = (Sum(StatementLineKind.Penalty, m.Penalties), Sum(StatementLineKind.Adjustment, m.Adjustments),
                    Sum(StatementLineKind.Reward, m.Rewards));
                var net = MoneySum.Add(MoneySum.Add(penalties, adjustments, what), -rewards, what);
                balance = MoneySum.Add(balance, net, what);
                fundMonths.Add(new FundMonth(LedgerMonth.Parse(m.Month), penalties, adjustments, rewards, net, balance));
            }
        }

        List<MonthlyStatement> statements;
        if (monthClosed)
        {
            var key = month.ToString();
            var lines = await db.Set<ClosedStatementLine>().AsNoTracking().Where(l => l.Month == key).ToListAsync(ct);
            statements = [.. lines.GroupBy(l => l.EmployeeId, StringComparer.Ordinal).Select(g => new MonthlyStatement(g.Key, month,
                [.. g.OrderBy(l => l.Seq).Select(l => new StatementLine(l.Kind, l.ViolationId, l.Amount, l.Note, l.SourceId))]))];
        }
        else
        {
            // The open months after the last closed one (all months when none is closed): computed from the open items.
            var open = (await ledger.StatementsAsync(null, lastClosed?.Next(), month, ct)).Select(s => s.Statement).ToList();
            fundMonths.AddRange(DepartmentFund.Summarize(open, balance));
            statements = [.. open.Where(s => s.Month == month)];
        }

        var employees = await LedgerRowsAsync(statements, ct);
        var fundBalance = fundMonths.Count == 0 ? 0m : fundMonths[^1].Balance;
        var own = fundMonths.FirstOrDefault(f => f.Month == month);
        return new LedgerReport(month.ToString(), monthClosed ? StatementStatus.Closed : StatementStatus.Open, employees,
            new LedgerFund(own?.PenaltiesCollected ?? 0m, own?.RewardsPaid ?? 0m, own?.Adjustments ?? 0m, fundBalance));
    }

    /// <summary>
    /// A row for every employee on the ladder (zeros without a statement) and for anyone else with a statement, in
    /// <see cref="LedgerOrder"/>. At company scale these are 20,000 rows and most of the report's work, so the people are
    /// read once with their groups' names, and each person is looked up once, in the month's few thousand statements.
    /// </summary>
    private async Task<List<LedgerEmployeeRow>> LedgerRowsAsync(IReadOnlyCollection<MonthlyStatement> statements, CancellationToken ct)
    {
        var notListed = statements.ToDictionary(s => s.EmployeeId, StringComparer.Ordinal);
        var people = await PeopleAsync(ct);
        var rows = new List<LedgerEmployeeRow>(people.Count + notListed.Count);
        foreach (var person in people.Everyone)
        {
            if (notListed.Remove(person.Id, out var statement) || person.Rank is not null)
            {
                rows.Add(LedgerRow(person.Id, person.Name, person.GroupName, statement));
            }
        }

        // A statement whose employee is not (or no longer) in the table is still listed, under the id.
        rows.AddRange(notListed.Values.Select(s => LedgerRow(s.EmployeeId, s.EmployeeId, null, s)));
        rows.Sort(LedgerOrder);
        return rows;
    }

    private static LedgerEmployeeRow LedgerRow(string id, string name, string? groupName, MonthlyStatement? s) =>
        new(id, name, groupName, s?.Penalties ?? 0m, s?.Rewards ?? 0m, s?.Adjustments ?? 0m, s?.Total ?? 0m);

    /// <summary>The ledger's order: by group (no group last), name and id, each compared ordinally (the same on every database).</summary>
    private static int LedgerOrder(LedgerEmployeeRow a, LedgerEmployeeRow b)
    {
        const string NoGroup = "\uffff";
        var byGroup = string.CompareOrdinal(a.GroupName ?? NoGroup, b.GroupName ?? NoGroup);
        if (byGroup != 0)
        {
            return byGroup;
        }

        var byName = string.CompareOrdinal(a.Name, b.Name);
        return byName != 0 ? byName : string.CompareOrdinal(a.EmployeeId, b.EmployeeId);
    }

    /// <summary>
    /// Per human step (a task step of a design), over tasks created in the range: how many were completed and in how many
    /// hours (median and 90th percentile, nearest rank), how many are still open and how many of those are overdue now.
    /// The durations are counted in tenth-of-an-hour buckets (<see cref="DurationBuckets"/>) from three sources that
    /// together are every task of the range once (ADR 0020): the buckets of the months sealed whole inside the range and
    /// their pending tasks as they are now, and the tasks of the rest of the range read live. The percentile is exact:
    /// rounding to a tenth never reorders durations, so the nearest-rank value's rounding is read from the bucket holding
    /// that rank when its shortest and longest round alike; only when they do not (a duration exactly on a rounding
    /// boundary shares the bucket) is that one duration read from the tasks (<see cref="ExactDurationAsync"/>).
    /// </summary>
    public async Task<IReadOnlyList<CycleTimeRow>> CycleTimesAsync(ReportRange range, Func<string, string, string, string> stepName, CancellationToken ct)
    {
        var start = clock.ToInstant(range.From, TimeOnly.MinValue).ToUniversalTime();
        var end = clock.ToInstant(range.To.AddDays(1), TimeOnly.MinValue).ToUniversalTime();
        var now = clock.Now;
        var durations = new DurationBuckets();
        var periods = await SealedDurationsAsync(durations, start, end, range.Type, now, ct);
        foreach (var (from, to) in Gaps(start, end, periods))
        {
            await LiveDurationsAsync(durations, from, to, range.Type, now, ct);
        }

        var result = new List<CycleTimeRow>();
        foreach (var ((type, step), counted) in durations.Steps)
        {
            async Task<double?> Percentile(double p)
            {
                if (counted.Completed == 0)
                {
                    return null;
                }

                var rank = Math.Clamp((int)Math.Ceiling(p * counted.Completed), 1, counted.Completed);
                foreach (var (_, b) in counted.Buckets)
                {
                    if (rank > b.Completed)
                    {
                        rank -= b.Completed;
                        continue;
                    }

                    var (shortest, longest) = (DurationBuckets.Hours(b.Shortest), DurationBuckets.Hours(b.Longest));
                    return shortest == longest ? shortest : DurationBuckets.Hours(await ExactDurationAsync(type, step, start, end, b.Shortest, b.Longest, rank - 1, ct));
                }

                throw new InvalidOperationException("A rank past the durations counted.");
            }

            var title = await db.Tasks.AsNoTracking().Where(t => t.CreatedAt >= start && t.CreatedAt < end && t.Type == type && t.Step == step)
                .Select(t => t.Title).FirstAsync(ct);
            result.Add(new CycleTimeRow(type, step, stepName(type, step, title), counted.Completed, await Percentile(0.5), await Percentile(0.9),
                counted.Open, counted.Overdue));
        }

        return [.. result.OrderBy(r => r.Type, StringComparer.Ordinal).ThenBy(r => r.Step, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The months sealed whole inside the range: their buckets, added up in the database, and their pending tasks as they
    /// are now. A fold of pending tasks into buckets (<see cref="CycleTimeRollup"/>) moves its period's version; when one
    /// happened between the reads, they are read again, so a task is never counted twice or missed.
    /// </summary>
    /// <returns>The periods read, by start.</returns>
    private async Task<IReadOnlyList<(DateTimeOffset Start, DateTimeOffset End)>> SealedDurationsAsync(DurationBuckets durations, DateTimeOffset start,
        DateTimeOffset end, string? type, DateTimeOffset now, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var periods = await db.Set<CycleTimePeriod>().AsNoTracking().Where(p => p.Start >= start && p.End <= end)
                .OrderBy(p => p.Start).Select(p => new { p.Start, p.End, p.Version }).ToListAsync(ct);
            if (periods.Count == 0)
            {
                return [];
            }

            var starts = periods.Select(p => p.Start).ToList();
            var buckets = await db.Set<CycleTimeBucket>().AsNoTracking()
                .Where(b => starts.Contains(b.PeriodStart) && (type == null || b.Type == type))
                .GroupBy(b => new { b.Type, b.Step, b.Bucket })
                .Select(g => new { g.Key.Type, g.Key.Step, g.Key.Bucket, Completed = g.Sum(b => b.Completed), Shortest = g.Min(b => b.ShortestTicks), Longest = g.Max(b => b.LongestTicks) })
                .ToListAsync(ct);
            var pending = await (from p in db.Set<CycleTimePendingTask>().AsNoTracking()
                                 join t in db.Tasks.AsNoTracking() on p.TaskId equals t.Id
                                 where starts.Contains(p.PeriodStart) && (type == null || t.Type == type)
                                     && (t.Status == TaskState.Open || t.Status == TaskState.Completed)
                                 select new { t.Type, t.Step, t.Status, t.CreatedAt, t.CompletedAt, t.DueAt }).ToListAsync(ct);
            var versions = await db.Set<CycleTimePeriod>().AsNoTracking().Where(p => starts.Contains(p.Start)).Select(p => new { p.Start, p.Version }).ToListAsync(ct);
            if (attempt < 5 && !periods.All(p => versions.Any(v => v.Start == p.Start && v.Version == p.Version)))
            {
                continue;
            }

            foreach (var b in buckets)
            {
                durations.AddBucket(b.Type, b.Step, b.Bucket, b.Completed, b.Shortest, b.Longest);
            }

            foreach (var t in pending)
            {
                durations.AddTask(t.Type, t.Step, t.Status, t.CreatedAt, t.CompletedAt, t.DueAt, now);
            }

            return [.. periods.Select(p => (p.Start, p.End))];
        }
    }

    /// <summary>The parts of [start, end) no sealed period covers (the periods are disjoint and sorted).</summary>
    private static IEnumerable<(DateTimeOffset From, DateTimeOffset To)> Gaps(DateTimeOffset start, DateTimeOffset end,
        IReadOnlyList<(DateTimeOffset Start, DateTimeOffset End)> periods)
    {
        var at = start;
        foreach (var (from, to) in periods)
        {
            if (from > at)
            {
                yield return (at, from);
            }

            at = to;
        }

        if (at < end)
        {
            yield return (at, end);
        }
    }

    /// <summary>
    /// The tasks created in [from, to), read as they are now. PostgreSQL counts them into buckets itself from the
    /// cycle-times index (a few thousand rows come back instead of the durations, nothing is sorted); elsewhere the
    /// index's columns are read and counted here.
    /// </summary>
    private async Task LiveDurationsAsync(DurationBuckets durations, DateTimeOffset from, DateTimeOffset to, string? type, DateTimeOffset now, CancellationToken ct)
    {
        if (!db.Database.IsNpgsql())
        {
            var query = db.Tasks.AsNoTracking().Where(t => t.CreatedAt >= from && t.CreatedAt < to && (t.Status == TaskState.Open || t.Status == TaskState.Completed));
            if (type is not null)
            {
                query = query.Where(t => t.Type == type);
            }

            foreach (var t in await query.Select(t => new { t.Type, t.Step, t.Status, t.CreatedAt, t.CompletedAt, t.DueAt }).ToListAsync(ct))
            {
                durations.AddTask(t.Type, t.Step, t.Status, t.CreatedAt, t.CompletedAt, t.DueAt, now);
            }

            return;
        }

        var typeFilter = type is null ? "" : """ AND t."Type" = {3}""";
        // OFFSET 0 keeps the tasks' read apart, so the planner estimates a few thousand groups and hashes them instead of
        // sorting hundreds of thousands of rows.
        var sql = $$"""
            SELECT d."Type" AS "Type", d."Step" AS "Step", floor((d."Us" - {{BucketOffsetUs}})::float8 / {{BucketWidthUs}})::bigint AS "Bucket",
                count(d."Us")::int AS "Completed", min(d."Us") AS "Shortest", max(d."Us") AS "Longest",
                count(*) FILTER (WHERE d."Status" = 'Open')::int AS "Open",
                count(*) FILTER (WHERE d."Status" = 'Open' AND d."DueAt" < {0})::int AS "Overdue"
            FROM (
                SELECT t."Type", t."Step", t."Status", t."DueAt", CASE WHEN {{DoneSql}} THEN {{DurationUsSql}} END AS "Us"
                FROM "Tasks" t
                WHERE t."CreatedAt" >= {1} AND t."CreatedAt" < {2} AND t."Status" IN ('Open', 'Completed'){{typeFilter}}
                OFFSET 0
            ) d
            GROUP BY d."Type", d."Step", floor((d."Us" - {{BucketOffsetUs}})::float8 / {{BucketWidthUs}})
            """;
        List<object> parameters = [now.ToUniversalTime(), from, to];
        if (type is not null)
        {
            parameters.Add(type);
        }

        foreach (var b in await db.Database.SqlQueryRaw<DurationBucket>(sql, [.. parameters]).ToListAsync(ct))
        {
            durations.AddOpen(b.Type, b.Step, b.Open, b.Overdue);
            if (b.Bucket is { } bucket)
            {
                // Microseconds (timestamptz's precision) are exactly ten ticks each.
                durations.AddBucket(b.Type, b.Step, bucket, b.Completed, b.Shortest!.Value * 10, b.Longest!.Value * 10);
            }
        }
    }

    private const string DoneSql = """t."Status" = 'Completed' AND t."CompletedAt" IS NOT NULL""";

    /// <summary>
    /// A task's duration in whole microseconds, exactly: <c>date_part</c> gives each time's epoch seconds as the nearest
    /// double, within a quarter of a microsecond once scaled, so rounding to bigint gives each instant's exact microseconds
    /// (cheaper than <c>extract</c>'s numeric on every row).
    /// </summary>
    private const string DurationUsSql =
        """((date_part('epoch', t."CompletedAt") * 1000000)::bigint - (date_part('epoch', t."CreatedAt") * 1000000)::bigint)""";

    /// <summary><see cref="DurationBuckets.WidthTicks"/> and <see cref="DurationBuckets.OffsetTicks"/> in microseconds.</summary>
    private const long BucketWidthUs = DurationBuckets.WidthTicks / 10, BucketOffsetUs = DurationBuckets.OffsetTicks / 10;

    /// <summary>
    /// The <paramref name="offset"/>-th shortest (from 0) of a step's durations between two bounds (ticks), both included,
    /// over every task of the range: the bounds are a bucket's shortest and longest, so these are that bucket's durations.
    /// </summary>
    private async Task<long> ExactDurationAsync(string type, string step, DateTimeOffset start, DateTimeOffset end, long from, long to, int offset, CancellationToken ct)
    {
        if (db.Database.IsNpgsql())
        {
            var sql = $$"""
                SELECT d."Us" AS "Value" FROM (
                    SELECT {{DurationUsSql}} AS "Us" FROM "Tasks" t
                    WHERE t."CreatedAt" >= {0} AND t."CreatedAt" < {1} AND t."Type" = {2} AND t."Step" = {3} AND {{DoneSql}}
                ) d
                WHERE d."Us" BETWEEN {4} AND {5}
                ORDER BY d."Us" OFFSET {6} LIMIT 1
                """;
            return await db.Database.SqlQueryRaw<long>(sql, start, end, type, step, from / 10, to / 10, offset).SingleAsync(ct) * 10;
        }

        var done = await db.Tasks.AsNoTracking()
            .Where(t => t.CreatedAt >= start && t.CreatedAt < end && t.Type == type && t.Step == step && t.Status == TaskState.Completed && t.CompletedAt != null)
            .Select(t => new { t.CreatedAt, t.CompletedAt }).ToListAsync(ct);
        return done.Select(t => (t.CompletedAt!.Value - t.CreatedAt).Ticks).Where(d => d >= from && d <= to).Order().ElementAt(offset);
    }

    /// <summary>One bucket of a step's durations (or, with no bucket, its open tasks) from the cycle-times query on PostgreSQL.</summary>
    private sealed class DurationBucket
    {
        public string Type { get; init; } = "";

        public string Step { get; init; } = "";

        public long? Bucket { get; init; }

        public int Completed { get; init; }

        public long? Shortest { get; init; }

        public long? Longest { get; init; }

        public int Open { get; init; }

        public int Overdue { get; init; }
    }

    /// <summary>
    /// Violations that occurred in the range, per the employee's group (now), rule and month: how many and their current
    /// amounts. A waived violation was found not to be one and is not counted.
    /// </summary>
    public async Task<IReadOnlyList<ViolationCountRow>> ViolationsAsync(DateOnly from, DateOnly to, CancellationToken ct)
    {
        var groups = await db.Groups.AsNoTracking().ToDictionaryAsync(g => g.Id, g => g.Name, StringComparer.Ordinal, ct);
        // Counted in the database per group, rule, month and amount (amounts are summed here in decimal: SQLite keeps them as
        // text); an employee without a group, or unknown, counts under "".
        var (first, last) = (from, to);
        var rows = await (from v in db.Set<Violation>().AsNoTracking()
                          where v.OccurredOn >= first && v.OccurredOn <= last && v.Status != ViolationStatus.Waived
                          join u in db.Users on v.EmployeeId equals u.Id into users
                          from u in users.DefaultIfEmpty()
                          group v by new { GroupId = u == null ? null : u.GroupId, v.RuleCode, v.OccurredOn.Year, v.OccurredOn.Month, v.PenaltyAmount } into g
                          select new { g.Key.GroupId, g.Key.RuleCode, g.Key.Year, g.Key.Month, g.Key.PenaltyAmount, Count = g.Count() }).ToListAsync(ct);
        return [.. rows.GroupBy(v => (Group: v.GroupId is null ? "" : groups.GetValueOrDefault(v.GroupId) ?? "", v.RuleCode, v.Year, v.Month))
            .Select(g => new ViolationCountRow(g.Key.Group, g.Key.RuleCode, new LedgerMonth(g.Key.Year, g.Key.Month).ToString(), g.Sum(v => v.Count),
                g.Sum(v => v.PenaltyAmount * v.Count)))
            .OrderBy(r => r.Month, StringComparer.Ordinal).ThenBy(r => r.GroupName, StringComparer.Ordinal).ThenBy(r => r.RuleCode, StringComparer.Ordinal)];
    }

    /// <summary>The named people only, with their groups' names.</summary>
    public async Task<People> PeopleAsync(IReadOnlyCollection<string> ids, IReadOnlyDictionary<string, string> groups, CancellationToken ct)
    {
        var users = await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).Select(u => new { u.Id, u.Name, u.UserName, u.GroupId, u.Rank }).ToListAsync(ct);
        return new People(users.ToDictionary(u => u.Id,
            u => new Person(u.Id, u.Name, u.UserName ?? "", u.GroupId is null ? null : groups.GetValueOrDefault(u.GroupId), u.Rank), StringComparer.Ordinal));
    }

    /// <summary>Everyone, with their group's name: one query.</summary>
    public async Task<People> PeopleAsync(CancellationToken ct)
    {
        var users = await (from u in db.Users.AsNoTracking()
                           join g in db.Groups on u.GroupId equals g.Id into groups
                           from g in groups.DefaultIfEmpty()
                           select new Person(u.Id, u.Name, u.UserName ?? "", g == null ? null : g.Name, u.Rank)).ToListAsync(ct);
        return new People(users.ToDictionary(u => u.Id, StringComparer.Ordinal));
    }

    public sealed record Person(string Id, string Name, string UserName, string? GroupName, Rank? Rank);

    /// <summary>Everyone by id: the department is thousands of people, read once per report.</summary>
    public sealed class People(Dictionary<string, Person> byId)
    {
        public Person? Get(string? id) => id is not null && byId.TryGetValue(id, out var p) ? p : null;

        public string Name(string? id) => Get(id)?.Name ?? id ?? "";

        public int Count => byId.Count;

        public IEnumerable<Person> Everyone => byId.Values;
    }
}
