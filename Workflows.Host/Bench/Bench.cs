using System.Data.Common;
using System.Diagnostics;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Definitions.Engine;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Organization;
using Workflows.Host.Platform;
using Workflows.Host.Runtime;

namespace Workflows.Host.Bench;

/// <summary>
/// The <c>bench</c> verb: drives the real runner on a real database and prints throughput and
/// latency, next to a bare-SQL baseline doing the minimum writes a step needs, plus the inbox query
/// at scale. On SQLite it uses a fresh file (data/bench.db); on PostgreSQL the configured database,
/// so point it at a scratch database.
/// </summary>
public static class Bench
{
    public sealed record Options(int Instances, int InboxTasks, int InboxEmployees, int Workers, int Rounds, int Reports = 0, int Employees = 20_000, bool Reuse = false);

    public static Options Parse(string[] args)
    {
        int Get(string name, int fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
        }

        return new Options(Get("--instances", 2000), Get("--inbox-tasks", 100_000), Get("--inbox-employees", 5_000), Get("--workers", 1), Math.Max(1, Get("--rounds", 3)),
            Get("--reports", 0), Get("--employees", 20_000), args.Contains("--reuse"));
    }

    /// <summary><c>--reuse</c>: time the company a previous <c>bench --reports</c> loaded, without deleting or loading anything.</summary>
    public static bool Reuses() => Environment.GetCommandLineArgs().Contains("--reuse");

    /// <summary>Settings for a bench host: its own SQLite file, no demo seed, no job server.</summary>
    public static Dictionary<string, string?> ConfigOverrides(IConfiguration configuration, string contentRoot)
    {
        var overrides = new Dictionary<string, string?> { ["Seed:Demo"] = "false", ["Hangfire:Server"] = "false" };
        var options = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        if (options.Provider == DatabaseProvider.Sqlite)
        {
            var folder = Path.GetFullPath(Path.Combine(contentRoot, options.DataDirectory));
            Directory.CreateDirectory(folder);
            var file = Path.Combine(folder, "bench.db");
            if (!Reuses())
            {
                foreach (var f in Directory.EnumerateFiles(folder, "bench*"))
                {
                    File.Delete(f);
                }
            }

            overrides["Database:ConnectionString"] = $"Data Source={file};Default Timeout=30";
        }

        return overrides;
    }

    public static async Task<int> RunAsync(WebApplication app, Options options)
    {
        if (options.Reports > 0)
        {
            return await ReportsBench.RunAsync(app, new ReportsBench.Scale(options.Reports, options.Employees, options.Rounds, options.Reuse));
        }

        var info = app.Services.GetRequiredService<DatabaseInfo>();
        Console.WriteLine($"bench: {info.Provider}, {options.Instances} instances of bench.three-approvals, {options.Workers} worker(s), {Environment.ProcessorCount} cores");
        await DatabaseSetup.MigrateAsync(app.Services);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<DemoSeed>().EnsureRolesAsync();
            await app.Services.GetRequiredService<PublishedDesigns>().PublishAsync(
                scope.ServiceProvider.GetRequiredService<WorkflowDbContext>(), app.Services.GetRequiredService<DepartmentClock>().Now, CancellationToken.None);
        }

        var org = await SeedOrgAsync(app.Services, subjects: 200);

        // Warm-up, not counted: one round of each at up to 1,000 instances. The runner's path runs through far more
        // methods than the baselines' (EF Core, JSON, the engine), and .NET compiles hot methods a second time, optimized,
        // only after they have run a while: a first round measured cold ran 10–25% slower than the next ones.
        var warmUp = Math.Min(options.Instances, 1000);
        await RunWorkflowAsync(app.Services, org, warmUp, options.Workers, quiet: true);
        await RunBaselineAsync(app.Services, warmUp);
        await RunSameRowsBaselineAsync(app.Services, info, warmUp);

        // Rounds of runner, bare baseline and same-rows baseline back to back: on a shared machine the speed drifts by
        // ±20% over a minute, so each round's ratio compares runs made under the same conditions, and the medians are
        // reported.
        var rounds = new List<(Figures Runner, Figures Bare, Figures SameRows)>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            var runner = await RunWorkflowAsync(app.Services, org, options.Instances, options.Workers, quiet: round > 1);
            var baseline = await RunBaselineAsync(app.Services, options.Instances);
            var sameRows = await RunSameRowsBaselineAsync(app.Services, info, options.Instances);
            rounds.Add((runner, baseline, sameRows));
            Console.WriteLine($"round {round}: runner {runner.CompletionsPerSecond:F0}/s, bare SQL {baseline.CompletionsPerSecond:F0}/s, same rows {sameRows.CompletionsPerSecond:F0}/s; " +
                $"runner / bare {baseline.CompletionsPerSecond / runner.CompletionsPerSecond:F2}x, runner / same rows {sameRows.CompletionsPerSecond / runner.CompletionsPerSecond:F2}x");
        }

        Console.WriteLine($"GC: gen0 {GC.CollectionCount(0)}, gen1 {GC.CollectionCount(1)}, gen2 {GC.CollectionCount(2)}, pause {GC.GetTotalPauseDuration().TotalMilliseconds:F0} ms, server={System.Runtime.GCSettings.IsServerGC}, allocated {GC.GetTotalAllocatedBytes() / 1e6:F0} MB");
        Console.WriteLine();
        Console.WriteLine($"median of {options.Rounds} round(s)    instances/s   completions/s   step p50 ms   p95 ms   p99 ms   CPU ms/completion");
        Print("runner (engine, history)", rounds.Select(r => r.Runner).ToList());
        Print("bare SQL (ADO.NET)", rounds.Select(r => r.Bare).ToList());
        Print("bare SQL, the runner's rows", rounds.Select(r => r.SameRows).ToList());
        Console.WriteLine($"runner / baseline time per completion: {Median(rounds.Select(r => r.Bare.CompletionsPerSecond / r.Runner.CompletionsPerSecond)):F2}x " +
            $"(CPU: {Median(rounds.Select(r => r.Runner.CpuMsPerCompletion / r.Bare.CpuMsPerCompletion)):F2}x)");
        Console.WriteLine($"runner / bare SQL writing the runner's rows into its tables: {Median(rounds.Select(r => r.SameRows.CompletionsPerSecond / r.Runner.CompletionsPerSecond)):F2}x " +
            $"(CPU: {Median(rounds.Select(r => r.Runner.CpuMsPerCompletion / r.SameRows.CpuMsPerCompletion)):F2}x)");

        if (options.InboxTasks > 0)
        {
            var (p50, p95) = await InboxAsync(app.Services, info, options.InboxTasks, options.InboxEmployees);
            Console.WriteLine($"inbox query with {options.InboxTasks:N0} open tasks over {options.InboxEmployees:N0} employees: p50 {p50:F2} ms, p95 {p95:F2} ms");
        }

        return 0;
    }

    private sealed record Org(string GroupId, string LeaderId, Actor Leader, Actor Supervisor, Actor Hr, string[] Subjects);

    private sealed record Figures(double InstancesPerSecond, double CompletionsPerSecond, double P50, double P95, double P99, double CpuMsPerCompletion);

    private static async Task<Org> SeedOrgAsync(IServiceProvider services, int subjects)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WorkflowDbContext>();
        var clock = scope.ServiceProvider.GetRequiredService<DepartmentClock>();
        var group = new Group { Name = "基准组 " + Guid.NewGuid().ToString("N")[..6] };
        db.Groups.Add(group);
        Employee Person(string name, Rank? rank, string? groupId) =>
            new() { Id = Guid.NewGuid().ToString(), UserName = name + "-" + Guid.NewGuid().ToString("N")[..8], Name = name, Rank = rank, GroupId = groupId, SecurityStamp = Guid.NewGuid().ToString() };
        var leader = Person("bench-leader", Rank.GroupLeader, group.Id);
        var supervisor = Person("bench-supervisor", Rank.Supervisor, null);
        var hr = Person("bench-hr", null, null);
        var members = Enumerable.Range(0, subjects).Select(i => Person($"bench-member{i}", Rank.Member, group.Id)).ToList();
        foreach (var e in members.Append(leader).Append(supervisor).Append(hr))
        {
            e.NormalizedUserName = e.UserName!.ToUpperInvariant();
            db.Users.Add(e);
        }

        var leaderSeat = Seat.Vacant(Rank.GroupLeader, group.Id, clock.Now);
        leaderSeat.Fill(leader.Id);
        db.Seats.Add(leaderSeat);
        // Authority is the seat: the bench's supervisor holds one of their own (a department may have several).
        var supervisorSeat = Seat.Vacant(Rank.Supervisor, null, clock.Now);
        supervisorSeat.Fill(supervisor.Id);
        db.Seats.Add(supervisorSeat);
        await db.SaveChangesAsync();
        var hrRole = await db.Roles.SingleAsync(r => r.Name == CompanyRoles.HR);
        db.UserRoles.Add(new IdentityUserRole<string> { UserId = hr.Id, RoleId = hrRole.Id });
        await db.SaveChangesAsync();
        return new Org(group.Id, leader.Id,
            new Actor(leader.Id, leader.UserName!, leader.Name, Rank.GroupLeader, group.Id, []) { Authority = new([new(Rank.GroupLeader, group.Id)]), Today = clock.Today },
            new Actor(supervisor.Id, supervisor.UserName!, supervisor.Name, Rank.Supervisor, null, []) { Authority = new([new(Rank.Supervisor, null)]), Today = clock.Today },
            new Actor(hr.Id, hr.UserName!, hr.Name, null, null, [CompanyRoles.HR]) { Today = clock.Today },
            [.. members.Select(m => m.Id)]);
    }

    private static async Task<Figures> RunWorkflowAsync(IServiceProvider services, Org org, int count, int workers, bool quiet)
    {
        var ids = new string[count];
        var started = Stopwatch.StartNew();
        await ForEachAsync(count, workers, async i =>
        {
            await using var scope = services.CreateAsyncScope();
            var runner = scope.ServiceProvider.GetRequiredService<WorkflowRunner>();
            var result = await runner.StartAsync("bench.three-approvals", org.Subjects[i % org.Subjects.Length], org.Subjects[i % org.Subjects.Length], "Applicant", WorkflowVariables.Empty, CancellationToken.None);
            ids[i] = ((RunResult.Ok)result).Instance.Id;
        });
        var startSeconds = started.Elapsed.TotalSeconds;

        var latencies = new List<double>(count * 3);
        var completing = Stopwatch.StartNew();
        var cpu = TimeSpan.Zero;
        foreach (var actor in new[] { org.Leader, org.Supervisor, org.Hr })
        {
            string[] taskIds;
            await using (var scope = services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<WorkflowDbContext>();
                var byInstance = await db.Tasks.AsNoTracking().Where(t => t.Status == TaskState.Open && ids.Contains(t.InstanceId))
                    .Select(t => new { t.InstanceId, t.Id }).ToDictionaryAsync(t => t.InstanceId, t => t.Id);
                taskIds = [.. ids.Select(i => byInstance[i])];
            }

            completing.Start();
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var stepLatencies = new double[count];
            await ForEachAsync(count, workers, async i =>
            {
                var one = Stopwatch.StartNew();
                await using var scope = services.CreateAsyncScope();
                var runner = scope.ServiceProvider.GetRequiredService<WorkflowRunner>();
                var result = await runner.CompleteTaskAsync(taskIds[i], actor, "approve", null, null, CancellationToken.None);
                if (result is not RunResult.Ok)
                {
                    throw new InvalidOperationException($"Completion failed: {result}");
                }

                stepLatencies[i] = one.Elapsed.TotalMilliseconds;
            });
            completing.Stop();
            cpu += Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            latencies.AddRange(stepLatencies);
        }

        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<WorkflowDbContext>();
            var completed = await db.Instances.CountAsync(i => ids.Contains(i.Id) && i.Outcome == "Approved");
            if (completed != count)
            {
                throw new InvalidOperationException($"Only {completed} of {count} instances completed.");
            }
        }

        var figures = FiguresOf(count, startSeconds, completing.Elapsed, cpu, latencies);
        if (!quiet)
        {
            Console.WriteLine($"runner: started {count} in {startSeconds:F2}s, completed {count * 3} tasks in {completing.Elapsed.TotalSeconds:F2}s; every instance Approved.");
        }

        return figures;
    }

    private static async Task ForEachAsync(int count, int workers, Func<int, Task> body)
    {
        if (workers <= 1)
        {
            for (var i = 0; i < count; i++)
            {
                await body(i);
            }

            return;
        }

        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = workers }, async (i, _) => await body(i));
    }

    /// <summary>
    /// The minimum a step must write, by hand: per start, the instance, its first task and candidate
    /// and a history row; per completion, the guarded task update, a history row, the instance update
    /// with its version check, and the next task with its candidate; one transaction each.
    /// </summary>
    private static async Task<Figures> RunBaselineAsync(IServiceProvider services, int count)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WorkflowDbContext>();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using (var ddl = connection.CreateCommand())
        {
            ddl.CommandText = """
                DROP TABLE IF EXISTS bench_history; DROP TABLE IF EXISTS bench_candidates; DROP TABLE IF EXISTS bench_tasks; DROP TABLE IF EXISTS bench_instances;
                CREATE TABLE bench_instances (id varchar(36) PRIMARY KEY, status varchar(20) NOT NULL, step varchar(100), version bigint NOT NULL, state text NOT NULL);
                CREATE TABLE bench_tasks (id varchar(36) PRIMARY KEY, instance_id varchar(36) NOT NULL, step varchar(100) NOT NULL, status varchar(20) NOT NULL, completed_by varchar(450));
                CREATE TABLE bench_candidates (employee_id varchar(450) NOT NULL, task_id varchar(36) NOT NULL, PRIMARY KEY (employee_id, task_id));
                CREATE TABLE bench_history (instance_id varchar(36) NOT NULL, seq int NOT NULL, kind varchar(40) NOT NULL, actor varchar(450), PRIMARY KEY (instance_id, seq));
                """;
            await ddl.ExecuteNonQueryAsync();
        }

        await using var statements = new Statements(connection, prepare: false);

        var steps = new[] { "leader", "supervisor", "hr" };
        var ids = Enumerable.Range(0, count).Select(_ => Guid.NewGuid().ToString()).ToArray();
        var tasks = new string[count];
        var started = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            tasks[i] = Guid.NewGuid().ToString();
            await using var tx = await connection.BeginTransactionAsync();
            await statements.ExecAsync(tx, "INSERT INTO bench_instances (id, status, step, version, state) VALUES (@p0, 'Running', 'leader', 0, @p1)", ids[i], "{\"variables\":{}}");
            await statements.ExecAsync(tx, "INSERT INTO bench_tasks (id, instance_id, step, status) VALUES (@p0, @p1, 'leader', 'Open')", tasks[i], ids[i]);
            await statements.ExecAsync(tx, "INSERT INTO bench_candidates (employee_id, task_id) VALUES (@p0, @p1)", "leader", tasks[i]);
            await statements.ExecAsync(tx, "INSERT INTO bench_history (instance_id, seq, kind, actor) VALUES (@p0, 1, 'instance.started', 'x')", ids[i]);
            await tx.CommitAsync();
        }

        var startSeconds = started.Elapsed.TotalSeconds;
        var latencies = new List<double>(count * 3);
        var completing = Stopwatch.StartNew();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        for (var s = 0; s < steps.Length; s++)
        {
            for (var i = 0; i < count; i++)
            {
                var one = Stopwatch.StartNew();
                await using var tx = await connection.BeginTransactionAsync();
                var won = await statements.ExecAsync(tx, "UPDATE bench_tasks SET status = 'Completed', completed_by = 'x' WHERE id = @p0 AND status = 'Open'", tasks[i]);
                if (won != 1)
                {
                    throw new InvalidOperationException("baseline lost a race it cannot lose");
                }

                await statements.ExecAsync(tx, "INSERT INTO bench_history (instance_id, seq, kind, actor) VALUES (@p0, @p1, 'task.completed', 'x')", ids[i], s + 2);
                var next = s + 1 < steps.Length ? steps[s + 1] : null;
                await statements.ExecAsync(tx, "UPDATE bench_instances SET step = @p1, version = version + 1, status = @p2, state = @p3 WHERE id = @p0 AND version = @p4",
                    ids[i], (object?)next ?? DBNull.Value, next is null ? "Completed" : "Running", "{\"variables\":{}}", s);
                if (next is not null)
                {
                    tasks[i] = Guid.NewGuid().ToString();
                    await statements.ExecAsync(tx, "INSERT INTO bench_tasks (id, instance_id, step, status) VALUES (@p0, @p1, @p2, 'Open')", tasks[i], ids[i], next);
                    await statements.ExecAsync(tx, "INSERT INTO bench_candidates (employee_id, task_id) VALUES (@p0, @p1)", next, tasks[i]);
                }

                await tx.CommitAsync();
                latencies.Add(one.Elapsed.TotalMilliseconds);
            }
        }

        completing.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        await using (var drop = connection.CreateCommand())
        {
            drop.CommandText = "DROP TABLE bench_history; DROP TABLE bench_candidates; DROP TABLE bench_tasks; DROP TABLE bench_instances;";
            await drop.ExecuteNonQueryAsync();
        }

        return FiguresOf(count, startSeconds, completing.Elapsed, cpu, latencies);
    }

    /// <summary>Reference numbers of the baseline's instances: negative, so they never take a number the runner's starts will take.</summary>
    private static long sameRowsNumbers;

    /// <summary>
    /// Not the baseline but a measure of the schema: by hand with plain ADO.NET (statements prepared once, one
    /// transaction per step), the same rows the runner writes for this design, into the runner's own tables with their
    /// indexes: per start the instance, its first task and candidate, three history rows, the task's due timer and
    /// reminder and its candidate's notification; per completion the guarded task update, its candidate rows closed, the
    /// instance's timers cancelled, three history rows, the instance update with its version check and a state as large
    /// as the runner's, and the next task with its candidate, timers and notification. The gap between the two baselines
    /// is what the product's rows cost; the gap to the runner is the runner's own overhead.
    /// </summary>

    private static async Task<Figures> RunSameRowsBaselineAsync(IServiceProvider services, DatabaseInfo info, int count)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WorkflowDbContext>();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        var now = DateTimeOffset.UtcNow;
        // Each statement prepared once on this connection, as the runner's are: the baseline measures the rows, not parsing.
        await using var statements = new Statements(connection, prepare: true);

        // The stored form of an instant, computed once (building a value converter per call would dominate the baseline).
        var at = Stamp(info, now);
        const string Actions = """[{"name":"approve","commentRequired":false,"requires":[]},{"name":"reject","commentRequired":true,"requires":[]}]""";
        const string Decision = """{"action":"approve","actorId":"c492d7b5-57b2-4f76-8da4-0566c9aa31d2","actingRole":"HR","comment":null,"at":"2026-11-27T00:58:34.4141043+00:00","data":{}}""";
        const string Assign = """{"dueAt":null,"excluded":["8f768f3c-8f83-4d59-aa92-7470219781ce"],"assigneeId":null,"assign":{"role":"GroupLeader","scope":"subjectGroup","person":null,"isSubject":false}}""";
        string State(int decisions) => "{\"status\":\"Running\",\"variables\":{" + string.Join(",", Enumerable.Range(0, decisions).Select(d => $"\"decision.{d}\":{Decision}")
            .Append("\"subject\":\"781fe953-a17f-4af0-b75d-1c014cdd77ee\",\"startedBy\":\"781fe953-a17f-4af0-b75d-1c014cdd77ee\"")) + "},\"consecutiveAutoSteps\":0,\"isRunning\":true}";
        const string InsertTask = """
            INSERT INTO "Tasks" ("Id", "InstanceId", "Type", "Step", "Visit", "Title", "ActingRole", "RequiredRole", "Status", "AssigneeId", "SubjectId", "ActionsJson", "CreatedAt", "DueAt", "CompletedAt", "CompletedBy", "Action", "Version")
            VALUES (@p0, @p1, 'bench-rows', @p2, @p3, 'title of the step', @p4, @p4, 'Open', NULL, 'subject', @p5, @p6, NULL, NULL, NULL, NULL, 0)
            """;
        const string InsertHistory = """
            INSERT INTO "History" ("InstanceId", "Seq", "At", "Kind", "Step", "ActorId", "ActingRole", "Action", "Comment", "DataJson") VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, NULL, @p8)
            """;
        // Every human task has a due timer and a reminder, cancelled when the step is left, and tells its candidate (a
        // notification's recipient must be an employee: the bench's org has them).
        var recipient = await db.Users.Select(u => u.Id).FirstAsync();
        const string InsertTimer = """
            INSERT INTO "Timers" ("Id", "InstanceId", "Step", "Visit", "Kind", "DueAt", "FiredAt", "CancelledAt") VALUES (@p0, @p1, @p2, @p3, @p4, @p5, NULL, NULL)
            """;
        const string CancelTimers = """
            UPDATE "Timers" SET "CancelledAt" = @p1 WHERE "InstanceId" = @p0 AND "FiredAt" IS NULL AND "CancelledAt" IS NULL
            """;
        const string InsertNotification = """
            INSERT INTO "Notifications" ("Id", "RecipientId", "Kind", "InstanceId", "TaskId", "Language", "Title", "Body", "Url", "CreatedAt", "ReadAt")
            VALUES (@p0, @p1, 'task.assigned', @p2, @p3, 'zh-CN', '待审批：三级审批（基准测试）', '基准员工 的申请等您审批。', @p4, @p5, NULL)
            """;
        async Task OpenTaskAsync(DbTransaction tx, string instanceId, string taskId, string step, int visit, string candidate)
        {
            await statements.ExecAsync(tx, InsertTimer, Guid.CreateVersion7().ToString(), instanceId, step, visit, "TaskDue", at);
            await statements.ExecAsync(tx, InsertTimer, Guid.CreateVersion7().ToString(), instanceId, step, visit, "TaskReminder", at);
            await statements.ExecAsync(tx, InsertNotification, Guid.NewGuid().ToString(), recipient, instanceId, taskId, "/Instances/" + instanceId, at);
        }

        var steps = new[] { "leader", "supervisor", "hr" };
        var roles = new[] { "GroupLeader", "Supervisor", "HR" };
        var ids = Enumerable.Range(0, count).Select(_ => Guid.CreateVersion7().ToString()).ToArray();
        var tasks = new string[count];
        var started = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            tasks[i] = Guid.CreateVersion7().ToString();
            await using var tx = await connection.BeginTransactionAsync();
            await statements.ExecAsync(tx, """
                INSERT INTO "Instances" ("Id", "Type", "DesignName", "DesignVersion", "Status", "Outcome", "SubjectId", "StartedBy", "StartedAt", "CompletedAt", "CurrentStep", "StepVisit", "WaitingFor", "StateJson", "HistoryCount", "ActiveTimers", "HasIncident", "Version", "Number")
                VALUES (@p0, 'bench-rows', 'bench.three-approvals', 1, 'Running', NULL, 'subject', 'subject', @p1, NULL, 'leader', 1, NULL, @p2, 3, 0, @p3, 0, @p4)
                """, ids[i], at, State(0), info.Provider == DatabaseProvider.Sqlite ? 0 : false, Interlocked.Decrement(ref sameRowsNumbers));
            await statements.ExecAsync(tx, InsertTask, tasks[i], ids[i], "leader", 1, "GroupLeader", Actions, at);
            await statements.ExecAsync(tx, "INSERT INTO \"TaskCandidates\" (\"TaskId\", \"EmployeeId\") VALUES (@p0, @p1)", tasks[i], "bench-rows-leader");
            await OpenTaskAsync(tx, ids[i], tasks[i], "leader", 1, "bench-rows-leader");
            await statements.ExecAsync(tx, InsertHistory, ids[i], 1, at, "instance.started", null, "subject", "Applicant", null, null);
            await statements.ExecAsync(tx, InsertHistory, ids[i], 2, at, "step.entered", "leader", null, null, null, null);
            await statements.ExecAsync(tx, InsertHistory, ids[i], 3, at, "task.created", "leader", null, "GroupLeader", null, Assign);
            await tx.CommitAsync();
        }

        var startSeconds = started.Elapsed.TotalSeconds;
        var latencies = new List<double>(count * 3);
        var completing = Stopwatch.StartNew();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        for (var s = 0; s < steps.Length; s++)
        {
            for (var i = 0; i < count; i++)
            {
                var one = Stopwatch.StartNew();
                await using var tx = await connection.BeginTransactionAsync();
                var seq = 3 + (s * 3);
                if (await statements.ExecAsync(tx, """UPDATE "Tasks" SET "Status" = 'Completed', "CompletedAt" = @p1, "CompletedBy" = @p2, "Action" = 'approve', "Version" = 1 WHERE "Id" = @p0 AND "Version" = 0""",
                    tasks[i], at, "bench-rows-" + steps[s]) != 1)
                {
                    throw new InvalidOperationException("baseline lost a race it cannot lose");
                }

                await statements.ExecAsync(tx, "UPDATE \"TaskCandidates\" SET \"Closed\" = @p1 WHERE \"TaskId\" = @p0 AND NOT \"Closed\"", tasks[i], info.Provider == DatabaseProvider.Sqlite ? 1 : true);
                await statements.ExecAsync(tx, CancelTimers, ids[i], at);
                var next = s + 1 < steps.Length ? steps[s + 1] : null;
                await statements.ExecAsync(tx, InsertHistory, ids[i], seq + 1, at, "task.completed", steps[s], "bench-rows-" + steps[s], roles[s], "approve", null);
                await statements.ExecAsync(tx, InsertHistory, ids[i], seq + 2, at, "step.entered", next ?? "approved", null, null, null, null);
                await statements.ExecAsync(tx, InsertHistory, ids[i], seq + 3, at, next is null ? "instance.completed" : "task.created", next, null, next is null ? null : roles[s + 1], null,
                    next is null ? """{"outcome":"Approved","status":"Completed"}""" : Assign);
                if (await statements.ExecAsync(tx, """UPDATE "Instances" SET "CurrentStep" = @p1, "StepVisit" = @p2, "StateJson" = @p3, "HistoryCount" = @p4, "Version" = @p5, "Status" = @p6 WHERE "Id" = @p0 AND "Version" = @p7""",
                    ids[i], next, s + 2, State(s + 1), seq + 3, s + 1, next is null ? "Completed" : "Running", s) != 1)
                {
                    throw new InvalidOperationException("baseline lost a race it cannot lose");
                }

                if (next is not null)
                {
                    tasks[i] = Guid.CreateVersion7().ToString();
                    await statements.ExecAsync(tx, InsertTask, tasks[i], ids[i], next, s + 2, roles[s + 1], Actions, at);
                    await statements.ExecAsync(tx, "INSERT INTO \"TaskCandidates\" (\"TaskId\", \"EmployeeId\") VALUES (@p0, @p1)", tasks[i], "bench-rows-" + next);
                    await OpenTaskAsync(tx, ids[i], tasks[i], next, s + 2, "bench-rows-" + next);
                }

                await tx.CommitAsync();
                latencies.Add(one.Elapsed.TotalMilliseconds);
            }
        }

        completing.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        return FiguresOf(count, startSeconds, completing.Elapsed, cpu, latencies);
    }

    /// <summary>
    /// Plain ADO.NET statements on one connection, parameters <c>@p0</c>, <c>@p1</c> … in order. Unprepared, each call is
    /// a new command (the baseline); prepared, each statement text is prepared once and reused.
    /// </summary>
    private sealed class Statements(DbConnection connection, bool prepare) : IAsyncDisposable
    {
        private readonly Dictionary<string, DbCommand> kept = new(StringComparer.Ordinal);

        public async Task<int> ExecAsync(DbTransaction tx, string sql, params object?[] values)
        {
            var reuse = kept.TryGetValue(sql, out var command);
            if (!reuse)
            {
                command = connection.CreateCommand();
                command.CommandText = sql;
                for (var i = 0; i < values.Length; i++)
                {
                    var parameter = command.CreateParameter();
                    parameter.ParameterName = "@p" + i;
                    command.Parameters.Add(parameter);
                }
            }

            try
            {
                command!.Transaction = tx;
                for (var i = 0; i < values.Length; i++)
                {
                    command.Parameters[i].Value = values[i] ?? DBNull.Value;
                }

                if (prepare && !reuse)
                {
                    await command.PrepareAsync();
                    kept[sql] = command;
                }

                return await command.ExecuteNonQueryAsync();
            }
            finally
            {
                if (!prepare)
                {
                    await command!.DisposeAsync();
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var command in kept.Values)
            {
                await command.DisposeAsync();
            }
        }
    }

    /// <summary>Fills the real task and candidate tables with open tasks, then times the API's inbox query.</summary>
    private static async Task<(double P50, double P95)> InboxAsync(IServiceProvider services, DatabaseInfo info, int taskCount, int employeeCount)
    {
        string instanceId;
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<WorkflowDbContext>();
            instanceId = await db.Instances.OrderBy(i => i.Id).Select(i => i.Id).FirstAsync();
            var connection = db.Database.GetDbConnection();
            await connection.OpenAsync();
            await using var statements = new Statements(connection, prepare: false);
            var random = new Random(42);
            var employees = Enumerable.Range(0, employeeCount).Select(i => $"inbox-employee-{i}").ToArray();
            var created = DateTimeOffset.UtcNow;
            const int batch = 5_000;
            for (var start = 0; start < taskCount; start += batch)
            {
                await using var tx = await connection.BeginTransactionAsync();
                for (var i = start; i < Math.Min(taskCount, start + batch); i++)
                {
                    var taskId = Guid.NewGuid().ToString();
                    // Most tasks go to one person; one in five to a role held by three people.
                    var candidates = i % 5 == 0 ? 3 : 1;
                    await statements.ExecAsync(tx, """
                        INSERT INTO "Tasks" ("Id", "InstanceId", "Type", "Step", "Visit", "Title", "ActingRole", "Status", "SubjectId", "ActionsJson", "CreatedAt", "DueAt", "Version")
                        VALUES (@p0, @p1, 'bench', 'leader', 1, 'bench', 'GroupLeader', 'Open', 'x', '[]', @p2, @p3, 0)
                        """, taskId, instanceId, Stamp(info, created.AddSeconds(-i)), i % 3 == 0 ? Stamp(info, created.AddDays(random.Next(-3, 5))) : null);
                    foreach (var e in Enumerable.Range(0, candidates).Select(_ => employees[random.Next(employeeCount)]).Distinct())
                    {
                        await statements.ExecAsync(tx, "INSERT INTO \"TaskCandidates\" (\"EmployeeId\", \"TaskId\") VALUES (@p0, @p1)", e, taskId);
                    }
                }

                await tx.CommitAsync();
            }

            if (info.Provider == DatabaseProvider.PostgreSql)
            {
                await db.Database.ExecuteSqlRawAsync("ANALYZE \"Tasks\"; ANALYZE \"TaskCandidates\";");
            }
            else
            {
                await db.Database.ExecuteSqlRawAsync("ANALYZE;");
            }
        }

        var latencies = new List<double>();
        var pick = new Random(7);
        for (var i = 0; i < 500; i++)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<WorkflowDbContext>();
            var employee = $"inbox-employee-{pick.Next(employeeCount)}";
            var one = Stopwatch.StartNew();
            var inbox = await TasksApi.InboxQuery(db, employee).ToListAsync();
            latencies.Add(one.Elapsed.TotalMilliseconds);
            _ = inbox.Count;
        }

        latencies.RemoveRange(0, 50);
        return (Percentile(latencies, 0.50), Percentile(latencies, 0.95));
    }

    /// <summary>The stored form of an instant: SQLite keeps the sortable binary number, PostgreSQL a timestamp.</summary>
    private static object? Stamp(DatabaseInfo info, DateTimeOffset? value) => value is null
        ? null
        : info.Provider == DatabaseProvider.Sqlite
            ? ToBinary.ConvertToProvider(value.Value)
            : value.Value.ToUniversalTime();

    private static readonly Microsoft.EntityFrameworkCore.Storage.ValueConversion.DateTimeOffsetToBinaryConverter ToBinary = new();

    /// <summary>The figures of <paramref name="count"/> instances started in <paramref name="startSeconds"/> and completed three tasks each.</summary>
    private static Figures FiguresOf(int count, double startSeconds, TimeSpan completing, TimeSpan cpu, List<double> latencies) =>
        new(count / startSeconds, count * 3 / completing.TotalSeconds,
            Percentile(latencies, 0.50), Percentile(latencies, 0.95), Percentile(latencies, 0.99), cpu.TotalMilliseconds / (count * 3));

    private static void Print(string label, List<Figures> figures) =>
        Console.WriteLine($"{label,-28}{Median(figures.Select(f => f.InstancesPerSecond)),11:F0}   {Median(figures.Select(f => f.CompletionsPerSecond)),13:F0}   " +
            $"{Median(figures.Select(f => f.P50)),11:F2}   {Median(figures.Select(f => f.P95)),6:F2}   {Median(figures.Select(f => f.P99)),6:F2}   {Median(figures.Select(f => f.CpuMsPerCompletion)),17:F3}");

    private static double Median(IEnumerable<double> values) => Percentile([.. values], 0.50);

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }
}
