using System.Collections.Immutable;
using System.Data.Common;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Definitions.Engine;
using Workflows.Host.Data;
using Workflows.Host.Organization;
using Workflows.Host.Platform;
using Workflows.Host.Reports;
using Workflows.Host.Runtime;

namespace Workflows.Host.Bench;

/// <summary>
/// <c>bench --reports N</c>: bulk-loads a company (N finished applications over four years, a running one per 50, four
/// history rows each and a return in one of ten, the open tasks of the running ones with their candidates) with plain
/// SQL, not the runner, then times the applications report (<see cref="ReportsService.ApplicationsAsync"/>, every row
/// read as the API and the downloads read them) for a month and for a year, and the month's .xlsx written to a null
/// stream with the process's peak working set.
/// </summary>
public static class ReportsBench
{
    private const int Months = 48, GroupSize = 20, GroupsPerSupervisor = 5, Chunk = 20_000;

    /// <summary>The scale mode's size: finished applications (a running one per 50 more), employees, and whether to time a database loaded before.</summary>
    public sealed record Scale(int Applications, int Employees, int Rounds, bool Reuse);

    public static async Task<int> RunAsync(WebApplication app, Scale scale)
    {
        var info = app.Services.GetRequiredService<DatabaseInfo>();
        var employees = Math.Max(GroupSize * GroupsPerSupervisor, scale.Employees / (GroupSize * GroupsPerSupervisor) * GroupSize * GroupsPerSupervisor);
        Console.WriteLine($"bench --reports: {info.Provider}, {scale.Applications:N0} finished applications (+{scale.Applications / 50:N0} running) over {Months} months, " +
            $"{employees:N0} employees in {employees / GroupSize:N0} groups, {Environment.ProcessorCount} cores");
        await DatabaseSetup.MigrateAsync(app.Services);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await app.Services.GetRequiredService<PublishedDesigns>().PublishAsync(
                scope.ServiceProvider.GetRequiredService<WorkflowDbContext>(), app.Services.GetRequiredService<DepartmentClock>().Now, CancellationToken.None);
        }

        var clock = app.Services.GetRequiredService<DepartmentClock>();
        var firstMonth = new DateOnly(clock.Today.Year, clock.Today.Month, 1).AddMonths(-Months + 1);
        Company company;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<WorkflowDbContext>();
            var loaded = await db.Instances.AnyAsync(i => i.DesignName == "bench.three-approvals");
            if (scale.Reuse && loaded)
            {
                company = await CompanyAsync(db);
                Console.WriteLine($"reusing the loaded company: {await db.Instances.CountAsync():N0} instances, {await db.History.CountAsync():N0} history rows, " +
                    $"{await db.Tasks.CountAsync():N0} tasks, {await db.TaskCandidates.CountAsync():N0} candidates, {await db.Set<Violations.Violation>().CountAsync():N0} violations");
            }
            else
            {
                if (loaded)
                {
                    throw new InvalidOperationException("This database already holds a bench company: pass --reuse to time it, or point the bench at an empty database.");
                }

                var load = Stopwatch.StartNew();
                company = await SeedOrgAsync(db, employees);
                var counts = await SeedAsync(db, info, clock, company, scale.Applications, firstMonth);
                Console.WriteLine($"loaded in {load.Elapsed.TotalSeconds:F0} s: {counts}");
            }
        }

        // --export-only: the workbook alone in a fresh process, so the working set measured is the export's.
        if (!Environment.GetCommandLineArgs().Contains("--export-only"))
        {
            // What the hourly job has done by the time HR asks: the ended months sealed for the cycle-times report
            // (ADR 0020). Idempotent: with --reuse it seals only what has not been sealed yet.
            await using (var scope = app.Services.CreateAsyncScope())
            {
                var rollup = Stopwatch.StartNew();
                var (sealedMonths, folded) = await scope.ServiceProvider.GetRequiredService<CycleTimeRollup>().RunAsync(CancellationToken.None);
                Console.WriteLine($"cycle-time rollup (the hourly job): sealed {sealedMonths} months, folded {folded} pending tasks, in {rollup.Elapsed.TotalSeconds:F1} s");
            }

            await TimeAllAsync(app, company, firstMonth, scale.Rounds);
        }

        if (!SearchesOnly)
        {
            await ExportAsync(app, firstMonth.AddMonths(Months - 2));
        }

        return 0;
    }

    /// <summary><c>--searches-only</c>: time the inbox and the history searches, not the reports or the workbook.</summary>
    private static bool SearchesOnly => Environment.GetCommandLineArgs().Contains("--searches-only");

    /// <summary>The people the timings pick from: members (subjects), group leaders and supervisors (actors and inboxes).</summary>
    private sealed record Company(string[] Members, string[] Leaders, string[] Supervisors, string[] GroupIds, string[] LeaderOfGroup);

    private static async Task<Company> SeedOrgAsync(WorkflowDbContext db, int employees)
    {
        var groupCount = employees / GroupSize;
        var groups = Enumerable.Range(0, groupCount).Select(g => new Group { Name = $"规模组{g:D4}" }).ToList();
        db.Groups.AddRange(groups);
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();
        var people = new List<Employee>();
        for (var i = 0; i < employees; i++)
        {
            var group = groups[i / GroupSize];
            people.Add(new Employee
            {
                Id = Guid.NewGuid().ToString(), UserName = $"scale{i:D6}", NormalizedUserName = $"SCALE{i:D6}", Name = $"员工{i:D6}",
                Rank = i % GroupSize == 0 ? Rank.GroupLeader : Rank.Member, GroupId = group.Id, SecurityStamp = Guid.NewGuid().ToString(),
            });
        }

        // One supervisor per five groups: 200 departments' worth of supervisors for 20,000 employees.
        for (var s = 0; s < groupCount / GroupsPerSupervisor; s++)
        {
            people.Add(new Employee
            {
                Id = Guid.NewGuid().ToString(), UserName = $"scalesup{s:D4}", NormalizedUserName = $"SCALESUP{s:D4}", Name = $"主管{s:D4}",
                Rank = Rank.Supervisor, SecurityStamp = Guid.NewGuid().ToString(),
            });
        }

        foreach (var slice in people.Chunk(2_000))
        {
            db.Users.AddRange(slice);
            await db.SaveChangesAsync();
            db.ChangeTracker.Clear();
        }

        return new Company(
            [.. people.Where(p => p.Rank == Rank.Member).Select(p => p.Id)], [.. people.Where(p => p.Rank == Rank.GroupLeader).Select(p => p.Id)],
            [.. people.Where(p => p.Rank == Rank.Supervisor).Select(p => p.Id)], [.. groups.Select(g => g.Id)],
            [.. groups.Select(g => people.First(p => p.GroupId == g.Id && p.Rank == Rank.GroupLeader).Id)]);
    }

    private static async Task<Company> CompanyAsync(WorkflowDbContext db)
    {
        var people = await db.Users.AsNoTracking().Where(u => u.UserName!.StartsWith("scale")).OrderBy(u => u.UserName)
            .Select(u => new { u.Id, u.Rank, u.GroupId }).ToListAsync();
        var groups = people.Where(p => p.GroupId != null).Select(p => p.GroupId!).Distinct().ToArray();
        return new Company([.. people.Where(p => p.Rank == Rank.Member).Select(p => p.Id)], [.. people.Where(p => p.Rank == Rank.GroupLeader).Select(p => p.Id)],
            [.. people.Where(p => p.Rank == Rank.Supervisor).Select(p => p.Id)], groups,
            [.. groups.Select(g => people.First(p => p.GroupId == g && p.Rank == Rank.GroupLeader).Id)]);
    }

    /// <summary>One application of the scene, derived from its number alone, so each table's pass can compute it again.</summary>
    private readonly record struct Plan(
        string Id, string Type, string Subject, string Leader, string Supervisor, DateTimeOffset At, DateTimeOffset LeaderAt, DateTimeOffset Done,
        bool Running, bool Returned)
    {
        public string TaskId(int n) => Id[..^2] + n.ToString("D2", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Plan PlanOf(int i, int finished, Company company, DateTimeOffset start, TimeSpan span, DateTimeOffset now)
    {
        var h = Hash(i);
        var running = i >= finished;
        var member = (int)(h % (uint)company.Members.Length);
        var subject = company.Members[member];
        // Members are listed group by group, 19 to a group (the 20th is its leader).
        var group = Math.Min(member / (GroupSize - 1), company.LeaderOfGroup.Length - 1);
        var leader = company.LeaderOfGroup[group];
        var supervisor = company.Supervisors[Math.Min(group / GroupsPerSupervisor, company.Supervisors.Length - 1)];
        var type = (i % 3) switch { 0 => "promotion", 1 => "shift-swap", _ => "penalty-dispute" };
        var at = running ? now - TimeSpan.FromHours(1 + (h >> 8) % (24 * 60)) : start + span * (i / (double)finished);
        var leaderAt = at.AddHours(1 + (h >> 4) % 48);
        var done = leaderAt.AddHours(1 + (h >> 12) % 120);
        var id = new Guid(i, 0x5CA1, 0x7000, 0x80, 0, 0, 0, 0, 0, 0, 0).ToString();
        return new Plan(id, type, subject, leader, supervisor, at, leaderAt, done, running, !running && i % 10 < 3);
    }

    private static uint Hash(int i)
    {
        var x = (uint)i * 0x9E3779B1u;
        x ^= x >> 15;
        x *= 0x85EBCA77u;
        x ^= x >> 13;
        return x;
    }

    /// <summary>
    /// Bulk-loads the scene in chunks of applications, table by table: binary COPY on PostgreSQL, prepared inserts in one
    /// transaction per chunk on SQLite. Then the ledger: a violation for one employee in ten each month, a reward for one
    /// in a hundred, every month but the last two closed with its statement lines.
    /// </summary>
    private static async Task<string> SeedAsync(WorkflowDbContext db, DatabaseInfo info, DepartmentClock clock, Company company, int finished, DateOnly firstMonth)
    {
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        if (info.Provider == DatabaseProvider.Sqlite)
        {
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA synchronous=OFF; PRAGMA cache_size=-200000;";
            await pragma.ExecuteNonQueryAsync();
        }

        var start = clock.ToInstant(firstMonth, TimeOnly.MinValue);
        var span = clock.ToInstant(firstMonth.AddMonths(Months), TimeOnly.MinValue) - start;
        // The last finished one must end before today: the finished ones span the 48 months up to the previous one.
        span = clock.ToInstant(firstMonth.AddMonths(Months - 1), TimeOnly.MinValue) - start - TimeSpan.FromDays(8);
        var now = clock.Now;
        var total = finished + finished / 50;
        var promotionState = new Dictionary<string, string>(StringComparer.Ordinal);
        long instances = 0, history = 0, tasks = 0, candidates = 0;
        var watch = Stopwatch.StartNew();
        for (var from = 0; from < total; from += Chunk)
        {
            var to = Math.Min(total, from + Chunk);
            var plans = Enumerable.Range(from, to - from).Select(i => PlanOf(i, finished, company, start, span, now)).ToList();
            await using var bulk = await Bulk.BeginAsync(connection, info);
            await bulk.TableAsync("Instances", ["Id", "Number", "Type", "DesignName", "DesignVersion", "Status", "Outcome", "SubjectId", "StartedBy", "StartedAt",
                "CompletedAt", "CurrentStep", "StepVisit", "StateJson", "HistoryCount", "ActiveTimers", "HasIncident", "Version"]);
            foreach (var p in plans)
            {
                var state = p.Type == "promotion" ? PromotionState(promotionState, p.Subject) : "{}";
                // The reference number (unique): the application's own number in the scene.
                await bulk.RowAsync(p.Id, instances + 1, p.Type, "bench.three-approvals", 1, p.Running ? "Running" : "Completed", p.Running ? null : "Approved", p.Subject,
                    p.Subject, p.At, p.Running ? null : p.Done, p.Running ? "leader" : null, 1, state, p.Running ? 3 : p.Returned ? 13 : 10, 0, false, 0L);
                instances++;
            }

            await bulk.TableAsync("History", ["InstanceId", "Seq", "At", "Kind", "Step", "ActorId", "ActingRole", "Action"]);
            foreach (var p in plans)
            {
                var seq = 0;
                async Task Entry(DateTimeOffset at, string kind, string? step, string? actor, string? role, string? action)
                {
                    await bulk.RowAsync(p.Id, ++seq, at, kind, step, actor, role, action);
                    history++;
                }

                await Entry(p.At, HistoryKinds.InstanceStarted, null, p.Subject, "Applicant", null);
                await Entry(p.At, HistoryKinds.StepEntered, "leader", null, null, null);
                await Entry(p.At, HistoryKinds.TaskCreated, "leader", null, null, null);
                if (p.Running)
                {
                    continue;
                }

                if (p.Returned)
                {
                    await Entry(p.LeaderAt.AddMinutes(-30), HistoryKinds.TaskCompleted, "leader", p.Leader, "GroupLeader", "return");
                    await Entry(p.LeaderAt.AddMinutes(-30), HistoryKinds.StepEntered, "leader", null, null, null);
                    await Entry(p.LeaderAt.AddMinutes(-30), HistoryKinds.TaskCreated, "leader", null, null, null);
                }

                await Entry(p.LeaderAt, HistoryKinds.TaskCompleted, "leader", p.Leader, "GroupLeader", "approve");
                await Entry(p.LeaderAt, HistoryKinds.StepEntered, "supervisor", null, null, null);
                await Entry(p.LeaderAt, HistoryKinds.TaskCreated, "supervisor", null, null, null);
                await Entry(p.Done, HistoryKinds.TaskCompleted, "supervisor", p.Supervisor, "Supervisor", "approve");
                await Entry(p.Done, HistoryKinds.StepEntered, "approved", null, null, null);
                await Entry(p.Done, HistoryKinds.InstanceCompleted, null, null, null, "Approved");
            }

            await bulk.TableAsync("Tasks", ["Id", "InstanceId", "Type", "Step", "Visit", "Title", "ActingRole", "Status", "SubjectId", "ActionsJson", "CreatedAt",
                "DueAt", "CompletedAt", "CompletedBy", "Action", "Version"]);
            foreach (var p in plans)
            {
                if (p.Running)
                {
                    await bulk.RowAsync(p.TaskId(1), p.Id, p.Type, "leader", 1, "组长审批", "GroupLeader", "Open", p.Subject, "[]", p.At, p.At.AddDays(2), null, null, null, 0L);
                    tasks++;
                    continue;
                }

                var leaderFrom = p.At;
                if (p.Returned)
                {
                    await bulk.RowAsync(p.TaskId(3), p.Id, p.Type, "leader", 1, "组长审批", "GroupLeader", "Completed", p.Subject, "[]", p.At, p.At.AddDays(2),
                        p.LeaderAt.AddMinutes(-30), p.Leader, "return", 1L);
                    leaderFrom = p.LeaderAt.AddMinutes(-30);
                    tasks++;
                }

                await bulk.RowAsync(p.TaskId(1), p.Id, p.Type, "leader", p.Returned ? 2 : 1, "组长审批", "GroupLeader", "Completed", p.Subject, "[]", leaderFrom,
                    leaderFrom.AddDays(2), p.LeaderAt, p.Leader, "approve", 1L);
                await bulk.RowAsync(p.TaskId(2), p.Id, p.Type, "supervisor", 1, "主管审批", "Supervisor", "Completed", p.Subject, "[]", p.LeaderAt,
                    p.LeaderAt.AddDays(3), p.Done, p.Supervisor, "approve", 1L);
                tasks += 2;
            }

            // Candidate rows stay after a task is done (who could act is part of who may read the instance), closed.
            await bulk.TableAsync("TaskCandidates", ["EmployeeId", "TaskId", "Closed"]);
            foreach (var p in plans)
            {
                await bulk.RowAsync(p.Leader, p.TaskId(1), !p.Running);
                candidates++;
                if (!p.Running)
                {
                    await bulk.RowAsync(p.Supervisor, p.TaskId(2), true);
                    candidates++;
                    if (p.Returned)
                    {
                        await bulk.RowAsync(p.Leader, p.TaskId(3), true);
                        candidates++;
                    }
                }
            }

            await bulk.CommitAsync();
            if (from / Chunk % 10 == 9 || to == total)
            {
                Console.WriteLine($"  {to:N0} of {total:N0} applications, {history:N0} history rows, {watch.Elapsed.TotalSeconds:F0} s");
            }
        }

        if (info.Provider == DatabaseProvider.PostgreSql)
        {
            // Numbers of applications started later continue after the loaded ones.
            await using var sequence = connection.CreateCommand();
            sequence.CommandText = $"SELECT setval('\"{PostgresWorkflowDbContext.InstanceNumbers}\"', {instances})";
            await sequence.ExecuteScalarAsync();
        }

        var ledger = await SeedLedgerAsync(connection, info, clock, company, firstMonth);

        await using (var analyze = connection.CreateCommand())
        {
            analyze.CommandText = info.Provider == DatabaseProvider.Sqlite ? "ANALYZE;" : "VACUUM ANALYZE;";
            analyze.CommandTimeout = 0;
            await analyze.ExecuteNonQueryAsync();
        }

        return $"{instances:N0} instances, {history:N0} history rows, {tasks:N0} tasks, {candidates:N0} candidate rows, {ledger}";
    }

    private static async Task<string> SeedLedgerAsync(DbConnection connection, DatabaseInfo info, DepartmentClock clock, Company company, DateOnly firstMonth)
    {
        string[] rules = ["A01", "A02", "B01", "B02", "C01"];
        var everyone = company.Members.Concat(company.Leaders).ToArray();
        long violations = 0, rewards = 0, lines = 0;
        for (var m = 0; m < Months; m++)
        {
            var month = firstMonth.AddMonths(m);
            var closed = m < Months - 2;
            var key = month.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
            await using var bulk = await Bulk.BeginAsync(connection, info);
            var monthViolations = new List<(string Id, string Employee, decimal Amount, string Rule)>();
            await bulk.TableAsync("Violations", ["Id", "EmployeeId", "RuleCode", "OccurredOn", "Description", "PenaltyAmount", "Status", "RecordedBy", "RecordedAt",
                "ChangeCount", "Version", "ClosedIn"]);
            for (var e = m % 10; e < everyone.Length; e += 10)
            {
                var h = Hash(e * 97 + m);
                var id = Guid.NewGuid().ToString();
                var rule = rules[h % (uint)rules.Length];
                var amount = 20m + (h >> 8) % 5 * 10m;
                var day = month.AddDays((int)((h >> 16) % 28));
                await bulk.RowAsync(id, everyone[e], rule, day, "迟到", amount, "Active", company.Leaders[e % company.Leaders.Length], clock.ToInstant(day, new TimeOnly(18, 0)), 1, 0L,
                    closed ? key : null);
                monthViolations.Add((id, everyone[e], amount, rule));
                violations++;
            }

            var monthRewards = new List<(string Id, string Employee, decimal Amount)>();
            await bulk.TableAsync("Rewards", ["Id", "EmployeeId", "AwardedOn", "Amount", "Reason", "AwardedBy", "AwardedAt"]);
            for (var e = m % 100; e < everyone.Length; e += 100)
            {
                var id = Guid.NewGuid().ToString();
                var day = month.AddDays(14);
                await bulk.RowAsync(id, everyone[e], day, 50m, "表扬", company.Supervisors[0], clock.ToInstant(day, new TimeOnly(18, 0)));
                monthRewards.Add((id, everyone[e], 50m));
                rewards++;
            }

            if (closed)
            {
                // The month's fund, as a close sums it from the lines below.
                await bulk.TableAsync("MonthClosings", ["Month", "ClosedAt", "ClosedBy", "Penalties", "Rewards", "Adjustments"]);
                await bulk.RowAsync(key, clock.ToInstant(month.AddMonths(1), new TimeOnly(1, 0)), "system", monthViolations.Sum(v => v.Amount),
                    monthRewards.Sum(r => r.Amount), 0m);
                await bulk.TableAsync("ClosedStatementLines", ["Month", "EmployeeId", "Seq", "Kind", "ViolationId", "SourceId", "Amount", "Note"]);
                var seqs = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var v in monthViolations)
                {
                    var seq = seqs[v.Employee] = seqs.GetValueOrDefault(v.Employee) + 1;
                    await bulk.RowAsync(key, v.Employee, seq, "Penalty", v.Id, v.Id, v.Amount, v.Rule);
                    lines++;
                }

                foreach (var r in monthRewards)
                {
                    var seq = seqs[r.Employee] = seqs.GetValueOrDefault(r.Employee) + 1;
                    await bulk.RowAsync(key, r.Employee, seq, "Reward", null, r.Id, r.Amount, "表扬");
                    lines++;
                }
            }

            await bulk.CommitAsync();
        }

        return $"{violations:N0} violations, {rewards:N0} rewards, {lines:N0} closed statement lines";
    }

    private static async Task TimeAllAsync(WebApplication app, Company company, DateOnly firstMonth, int rounds)
    {
        var clock = app.Services.GetRequiredService<DepartmentClock>();
        var lastFull = firstMonth.AddMonths(Months - 2);
        var monthRange = (From: lastFull.AddMonths(-1), To: lastFull.AddDays(-1));
        var yearRange = (From: lastFull.AddMonths(-12), To: lastFull.AddDays(-1));
        var pick = new Random(7);
        var samples = Math.Max(20, rounds);
        var results = new List<string>();

        async Task Time(string label, int repeat, Func<int, WorkflowDbContext, IServiceProvider, Task<int>> run, bool warmUp = true)
        {
            var times = new List<double>();
            var rows = 0;
            // Each section starts from a collected heap: the garbage of the one before (the year's JSON builds a quarter of a
            // million rows) is not billed to this one's runs.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            for (var r = warmUp ? -1 : 0; r < repeat; r++)
            {
                await using var scope = app.Services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<WorkflowDbContext>();
                var watch = Stopwatch.StartNew();
                rows = await run(Math.Max(r, 0), db, scope.ServiceProvider);
                if (r >= 0)
                {
                    times.Add(watch.Elapsed.TotalMilliseconds);
                }
            }

            times.Sort();
            var line = $"{label}: {rows:N0} rows (last run); p50 {times[times.Count / 2]:F1} ms, p95 {times[Math.Min(times.Count - 1, (int)Math.Ceiling(times.Count * 0.95) - 1)]:F1} ms, " +
                $"slowest {times[^1]:F1} ms over {times.Count} runs";
            Console.WriteLine(line);
            results.Add(line);
        }

        var leaders = Enumerable.Range(0, samples).Select(_ => company.Leaders[pick.Next(company.Leaders.Length)]).ToArray();
        var supervisors = Enumerable.Range(0, samples).Select(_ => company.Supervisors[pick.Next(company.Supervisors.Length)]).ToArray();
        var members = Enumerable.Range(0, samples).Select(_ => company.Members[pick.Next(company.Members.Length)]).ToArray();
        async Task<int> Inbox(WorkflowDbContext db, string employee) =>
            (await TasksApi.InboxAsync(db, clock, app.Services.GetRequiredService<PublishedDesigns>(), employee, TaskState.Open, null, CancellationToken.None)).Length;

        await Time("inbox, a group leader (GET /api/tasks)", samples, (r, db, _) => Inbox(db, leaders[r]));
        await Time("inbox, a supervisor (GET /api/tasks)", samples, (r, db, _) => Inbox(db, supervisors[r]));

        async Task<int> Search(WorkflowDbContext db, InstanceSearch search, int page)
        {
            var found = await search.FindAsync(db, db.Instances.AsNoTracking(), clock, everyInstance: true, page, 50, CancellationToken.None);
            return found.Rows.Count + 0 * found.Total;
        }

        await Time("history search by subject (GET /api/instances?subjectId=)", samples, (r, db, _) => Search(db, new InstanceSearch(SubjectIds: [members[r]]), 1));
        await Time("history search by actor, a group leader (?actorId=)", samples, (r, db, _) => Search(db, new InstanceSearch(ActorIds: [leaders[r]]), 1));
        await Time("history search by actor, a supervisor (?actorId=)", samples, (r, db, _) => Search(db, new InstanceSearch(ActorIds: [supervisors[r]]), 1));
        string[] types = ["promotion", "shift-swap", "penalty-dispute"];
        await Time("history search by type+status+a month (?type=&status=Completed&from=&to=)", samples, (r, db, _) =>
            Search(db, new InstanceSearch(types[r % 3], InstanceStatus.Completed, From: monthRange.From, To: monthRange.To), 1));
        await Time("history search by type+status+a year", samples, (r, db, _) =>
            Search(db, new InstanceSearch(types[r % 3], InstanceStatus.Completed, From: yearRange.From, To: yearRange.To), 1));
        await Time("history search by type+status+a year, page 100 (OFFSET 4,950)", samples, (r, db, _) =>
            Search(db, new InstanceSearch(types[r % 3], InstanceStatus.Completed, From: yearRange.From, To: yearRange.To), 100));

        if (SearchesOnly)
        {
            return;
        }

        var reportRounds = Math.Max(3, rounds);
        foreach (var (label, range) in new[] { ("a month", monthRange), ("a year", yearRange) })
        {
            var reportRange = new ReportRange(null, range.From, range.To);
            // The whole year is hundreds of thousands of rows: timed once, after the month's runs warmed the code.
            var wholeRounds = label == "a year" ? 1 : reportRounds;
            await Time($"applications report, {label}, count and every row (the JSON without pageSize)", wholeRounds, async (_, _, services) =>
            {
                var reports = services.GetRequiredService<ReportsService>();
                var count = await reports.CountApplicationsAsync(reportRange, CancellationToken.None);
                var read = 0;
                await foreach (var row in reports.ApplicationsAsync(reportRange, null, CancellationToken.None))
                {
                    read += row.Returns >= 0 ? 1 : 0;
                }

                return Math.Max(count, read);
            }, warmUp: label != "a year");
            foreach (var (where, middle) in new[] { ("the first page", false), ("a page from the middle (after=)", true) })
            {
                await Time($"applications report, {label}, count and {where} of 1,000 (pageSize=1000)", reportRounds, async (_, _, services) =>
                {
                    var reports = services.GetRequiredService<ReportsService>();
                    await reports.CountApplicationsAsync(reportRange, CancellationToken.None);
                    var from = clock.ToInstant(range.From, TimeOnly.MinValue);
                    var cursor = middle ? new ApplicationCursor((from + (clock.ToInstant(range.To, TimeOnly.MinValue) - from) / 2).ToUniversalTime(), "") : null;
                    return (await reports.ApplicationsAsync(reportRange, null, CancellationToken.None, cursor, 1001).ToListAsync()).Count - 1;
                });
            }

            await Time($"cycle-times report, {label}", reportRounds, async (_, _, services) =>
                (await services.GetRequiredService<ReportsService>().CycleTimesAsync(reportRange, (_, _, title) => title, CancellationToken.None)).Count);
            await Time($"violations report, {label}", reportRounds, async (_, _, services) =>
                (await services.GetRequiredService<ReportsService>().ViolationsAsync(range.From, range.To, CancellationToken.None)).Count);
        }

        var closedMonth = Definitions.Ledger.LedgerMonth.Of(lastFull.AddMonths(-1));
        var openMonth = Definitions.Ledger.LedgerMonth.Of(lastFull);
        await Time($"ledger report, a closed month ({closedMonth})", reportRounds, async (_, _, services) =>
            (await services.GetRequiredService<ReportsService>().LedgerAsync(closedMonth, CancellationToken.None)).Employees.Count);
        await Time($"ledger report, an open month ({openMonth})", reportRounds, async (_, _, services) =>
            (await services.GetRequiredService<ReportsService>().LedgerAsync(openMonth, CancellationToken.None)).Employees.Count);
        await Time("ledger report, the twelve months of a year one after another", 1, async (_, _, services) =>
        {
            var reports = services.GetRequiredService<ReportsService>();
            var n = 0;
            for (var m = Definitions.Ledger.LedgerMonth.Of(yearRange.From); m <= Definitions.Ledger.LedgerMonth.Of(yearRange.To); m = m.Next())
            {
                n += (await reports.LedgerAsync(m, CancellationToken.None)).Employees.Count;
            }

            return n;
        });

    }

    /// <summary>
    /// The applications workbook of the most recent months that hold at least 100,000 rows (all of them if fewer), written
    /// to a null stream; the process's working set is sampled every 50 ms while it is written.
    /// </summary>
    private static async Task ExportAsync(WebApplication app, DateOnly lastFull)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var reports = scope.ServiceProvider.GetRequiredService<ReportsService>();
        var localizer = scope.ServiceProvider.GetRequiredService<Microsoft.Extensions.Localization.IStringLocalizer<SharedResource>>();
        var range = new ReportRange(null, lastFull.AddMonths(-1), lastFull.AddDays(-1));
        for (var back = 2; back <= Months && await reports.CountApplicationsAsync(range, CancellationToken.None) < 100_000; back++)
        {
            range = range with { From = lastFull.AddMonths(-back) };
        }

        // The workbook first, in a process that has done nothing else yet (--export-only); then the CSV; then the rows
        // alone (query and cell values, nothing written), which tells the writers' share of the time; then the workbook again.
        var columns = ReportsApi.ApplicationColumns(localizer);
        await MeasureAsync("applications .xlsx", range, reports, localizer, (sink, cells) => Sheet.WriteXlsxAsync(sink, "bench", columns, cells, CancellationToken.None));
        await MeasureAsync("applications .csv", range, reports, localizer, (sink, cells) => Sheet.WriteCsvAsync(sink, columns, cells, CancellationToken.None));
        await MeasureAsync("the rows alone, nothing written", range, reports, localizer, async (_, cells) =>
        {
            await foreach (var row in cells)
            {
            }
        });
        // The first download in a fresh process runs much of its code before the JIT has optimized it; a running host
        // has done so by its second download.
        await MeasureAsync("applications .xlsx again", range, reports, localizer, (sink, cells) => Sheet.WriteXlsxAsync(sink, "bench", columns, cells, CancellationToken.None));
    }

    /// <summary>One download of the applications report to a null stream, its working set sampled every 50 ms.</summary>
    private static async Task MeasureAsync(string what, ReportRange range, ReportsService reports, Microsoft.Extensions.Localization.IStringLocalizer localizer,
        Func<Stream, IAsyncEnumerable<object?[]>, Task> write)
    {
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var before = process.WorkingSet64;
        var peak = before;
        var allocated = GC.GetTotalAllocatedBytes();
        var cpu = process.TotalProcessorTime;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                process.Refresh();
                peak = Math.Max(peak, process.WorkingSet64);
                await Task.Delay(50).ConfigureAwait(false);
            }
        });
        var watch = Stopwatch.StartNew();
        var rows = 0;
        var cells = reports.ApplicationsAsync(range, (_, _, title) => title, CancellationToken.None)
            .Select(r => { rows++; return ReportsApi.ApplicationCells(r, reports, localizer); });
        var sink = new CountingStream();
        await write(sink, cells);
        var elapsed = watch.Elapsed;
        await sampling.CancelAsync();
        await sampler;
        process.Refresh();
        peak = Math.Max(peak, process.WorkingSet64);
        Console.WriteLine($"{what} {range.From:yyyy-MM-dd}..{range.To:yyyy-MM-dd}: {rows:N0} rows, {sink.Length / 1e6:F1} MB in {elapsed.TotalSeconds:F1} s " +
            $"(CPU {(process.TotalProcessorTime - cpu).TotalSeconds:F1} s); working set {before / 1e6:F0} MB before, peak {peak / 1e6:F0} MB while writing (+{(peak - before) / 1e6:F0} MB); allocated {(GC.GetTotalAllocatedBytes() - allocated) / 1e6:F0} MB, GC heap after {GC.GetTotalMemory(false) / 1e6:F0} MB");
    }

    /// <summary>Rows into tables: binary COPY (Npgsql) on PostgreSQL, prepared inserts in one transaction on SQLite.</summary>
    private abstract class Bulk : IAsyncDisposable
    {
        public static async Task<Bulk> BeginAsync(DbConnection connection, DatabaseInfo info) =>
            info.Provider == DatabaseProvider.Sqlite
                ? new SqliteBulk(connection, await connection.BeginTransactionAsync())
                : new PostgresBulk((Npgsql.NpgsqlConnection)connection);

        public abstract Task TableAsync(string table, string[] columns);

        public abstract ValueTask RowAsync(params object?[] values);

        public abstract Task CommitAsync();

        public abstract ValueTask DisposeAsync();
    }

    private sealed class SqliteBulk(DbConnection connection, DbTransaction tx) : Bulk
    {
        private DbCommand? command;

        public override async Task TableAsync(string table, string[] columns)
        {
            if (command is not null)
            {
                await command.DisposeAsync();
            }

            command = Command(connection, tx,
                $"INSERT INTO \"{table}\" ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) VALUES ({string.Join(", ", columns.Select((_, i) => "@p" + i))})",
                columns.Length);
            command.Prepare();
        }

        public override ValueTask RowAsync(params object?[] values)
        {
            for (var i = 0; i < values.Length; i++)
            {
                command!.Parameters[i].Value = values[i] switch
                {
                    null => DBNull.Value,
                    DateTimeOffset at => ToBinary.ConvertToProvider(at)!,
                    var v => v,
                };
            }

            command!.ExecuteNonQuery();
            return ValueTask.CompletedTask;
        }

        public override Task CommitAsync() => tx.CommitAsync();

        public override async ValueTask DisposeAsync()
        {
            if (command is not null)
            {
                await command.DisposeAsync();
            }

            await tx.DisposeAsync();
        }
    }

    private sealed class PostgresBulk(Npgsql.NpgsqlConnection connection) : Bulk
    {
        private Npgsql.NpgsqlBinaryImporter? importer;

        public override async Task TableAsync(string table, string[] columns)
        {
            await FinishAsync();
            importer = await connection.BeginBinaryImportAsync(
                $"COPY \"{table}\" ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) FROM STDIN (FORMAT BINARY)");
        }

        public override async ValueTask RowAsync(params object?[] values)
        {
            await importer!.StartRowAsync();
            foreach (var value in values)
            {
                switch (value)
                {
                    case null: await importer.WriteNullAsync(); break;
                    case string s: await importer.WriteAsync(s, NpgsqlTypes.NpgsqlDbType.Text); break;
                    case int n: await importer.WriteAsync(n, NpgsqlTypes.NpgsqlDbType.Integer); break;
                    case long n: await importer.WriteAsync(n, NpgsqlTypes.NpgsqlDbType.Bigint); break;
                    case bool b: await importer.WriteAsync(b, NpgsqlTypes.NpgsqlDbType.Boolean); break;
                    case decimal d: await importer.WriteAsync(d, NpgsqlTypes.NpgsqlDbType.Numeric); break;
                    case DateOnly d: await importer.WriteAsync(d, NpgsqlTypes.NpgsqlDbType.Date); break;
                    case DateTimeOffset at: await importer.WriteAsync(at.ToUniversalTime(), NpgsqlTypes.NpgsqlDbType.TimestampTz); break;
                    default: throw new InvalidOperationException($"No COPY type for {value.GetType().Name}.");
                }
            }
        }

        private async Task FinishAsync()
        {
            if (importer is not null)
            {
                await importer.CompleteAsync();
                await importer.DisposeAsync();
                importer = null;
            }
        }

        public override Task CommitAsync() => FinishAsync();

        public override async ValueTask DisposeAsync()
        {
            if (importer is not null)
            {
                await importer.DisposeAsync();
            }
        }
    }

    private static string PromotionState(Dictionary<string, string> cache, string subject)
    {
        if (!cache.TryGetValue(subject, out var json))
        {
            var form = WorkflowVariables.Of(("targetRank", "GroupLeader"), ("currentRank", "Member"), ("channel", "Self"),
                ("statement", "本人工作认真负责，申请晋升组长。"), ("applicationDate", "2026-01-05"));
            var state = new InstanceState(InstanceStatus.Completed, "Approved", null, 4, ImmutableDictionary<string, JsonElement>.Empty, subject, subject) { Form = form };
            json = JsonSerializer.Serialize(state, WorkflowRunner.StateJson);
            cache[subject] = json;
        }

        return json;
    }

    private static DbCommand Command(DbConnection connection, DbTransaction tx, string sql, int parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        for (var i = 0; i < parameters; i++)
        {
            var p = command.CreateParameter();
            p.ParameterName = "@p" + i;
            command.Parameters.Add(p);
        }

        return command;
    }

    private static readonly Microsoft.EntityFrameworkCore.Storage.ValueConversion.DateTimeOffsetToBinaryConverter ToBinary = new();

    /// <summary>Counts what is written and throws it away: the export's own cost, not a disk's.</summary>
    private sealed class CountingStream : Stream
    {
        private long length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => length;

        public override long Position { get => length; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => length += count;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            length += buffer.Length;
            return ValueTask.CompletedTask;
        }
    }
}
