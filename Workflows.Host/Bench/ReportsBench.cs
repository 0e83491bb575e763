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
    private const int Months = 48, Employees = 2_000, Groups = 100;

    public static async Task<int> RunAsync(WebApplication app, int applications, int rounds)
    {
        var info = app.Services.GetRequiredService<DatabaseInfo>();
        Console.WriteLine($"bench --reports: {info.Provider}, {applications:N0} applications over {Months} months, {Employees:N0} employees in {Groups} groups, {Environment.ProcessorCount} cores");
        await DatabaseSetup.MigrateAsync(app.Services);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await app.Services.GetRequiredService<PublishedDesigns>().PublishAsync(
                scope.ServiceProvider.GetRequiredService<WorkflowDbContext>(), app.Services.GetRequiredService<DepartmentClock>().Now, CancellationToken.None);
        }

        var clock = app.Services.GetRequiredService<DepartmentClock>();
        var firstMonth = new DateOnly(clock.Today.Year, clock.Today.Month, 1).AddMonths(-Months + 1);
        var load = Stopwatch.StartNew();
        var rows = await SeedAsync(app.Services, info, applications, firstMonth);
        Console.WriteLine($"loaded {applications:N0} instances, {rows:N0} history rows and the open tasks in {load.Elapsed.TotalSeconds:F0} s");

        var lastFull = firstMonth.AddMonths(Months - 2);
        var month = new ReportRange(null, lastFull, lastFull.AddMonths(1).AddDays(-1));
        var year = new ReportRange(null, lastFull.AddMonths(-11), lastFull.AddMonths(1).AddDays(-1));
        foreach (var (label, range) in new[] { ("month", month), ("year", year) })
        {
            var times = new List<double>();
            var count = 0;
            for (var r = 0; r < rounds + 1; r++)
            {
                await using var scope = app.Services.CreateAsyncScope();
                var reports = scope.ServiceProvider.GetRequiredService<ReportsService>();
                var watch = Stopwatch.StartNew();
                count = await reports.CountApplicationsAsync(range, CancellationToken.None);
                var read = 0;
                await foreach (var row in reports.ApplicationsAsync(range, (_, _, title) => title, CancellationToken.None))
                {
                    read += row.Returns >= 0 ? 1 : 0;
                }

                if (r > 0)
                {
                    times.Add(watch.Elapsed.TotalMilliseconds);
                }

                count = Math.Max(count, read);
            }

            times.Sort();
            Console.WriteLine($"applications report, a {label} ({count:N0} rows, count and every row): median {times[times.Count / 2]:F0} ms, " +
                $"slowest {times[^1]:F0} ms over {rounds} run(s); {count / (times[times.Count / 2] / 1000):N0} rows/s");
        }

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var reports = scope.ServiceProvider.GetRequiredService<ReportsService>();
            var localizer = scope.ServiceProvider.GetRequiredService<Microsoft.Extensions.Localization.IStringLocalizer<SharedResource>>();
            using var process = Process.GetCurrentProcess();
            process.Refresh();
            var before = process.PeakWorkingSet64;
            var watch = Stopwatch.StartNew();
            var rowsOut = reports.ApplicationsAsync(year, (_, _, title) => title, CancellationToken.None).Select(r => ReportsApi.ApplicationCells(r, reports, localizer));
            var sink = new CountingStream();
            await Sheet.WriteXlsxAsync(sink, "bench", ReportsApi.ApplicationColumns(localizer), rowsOut, CancellationToken.None);
            process.Refresh();
            Console.WriteLine($"applications .xlsx for the year: {sink.Length / 1e6:F1} MB in {watch.Elapsed.TotalSeconds:F1} s; peak working set {before / 1e6:F0} MB before, {process.PeakWorkingSet64 / 1e6:F0} MB after");
        }

        return 0;
    }

    private static async Task<long> SeedAsync(IServiceProvider services, DatabaseInfo info, int applications, DateOnly firstMonth)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WorkflowDbContext>();
        var clock = scope.ServiceProvider.GetRequiredService<DepartmentClock>();
        var groups = Enumerable.Range(0, Groups).Select(g => new Group { Name = $"规模组{g:D3}-{Guid.NewGuid():N}"[..16] }).ToList();
        db.Groups.AddRange(groups);
        var people = Enumerable.Range(0, Employees).Select(i => new Employee
        {
            Id = Guid.NewGuid().ToString(), UserName = $"scale{i}-{Guid.NewGuid():N}"[..20], Name = $"员工{i:D5}",
            Rank = i % 20 == 0 ? Rank.GroupLeader : Rank.Member, GroupId = groups[i % Groups].Id, SecurityStamp = Guid.NewGuid().ToString(),
        }).ToList();
        db.Users.AddRange(people);
        await db.SaveChangesAsync();
        var leaders = people.Where(p => p.Rank == Rank.GroupLeader).Select(p => p.Id).ToArray();
        var ids = people.Select(p => p.Id).ToArray();

        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        var random = new Random(20);
        var start = clock.ToInstant(firstMonth, TimeOnly.MinValue);
        var span = clock.ToInstant(firstMonth.AddMonths(Months), TimeOnly.MinValue) - start;
        var promotionState = new Dictionary<string, string>(StringComparer.Ordinal);
        long history = 0;
        const int batch = 5_000;
        for (var from = 0; from < applications; from += batch)
        {
            await using var tx = await connection.BeginTransactionAsync();
            await using var instance = Command(connection, tx, """
                INSERT INTO "Instances" ("Id", "Type", "DesignName", "DesignVersion", "Status", "Outcome", "SubjectId", "StartedBy", "StartedAt", "CompletedAt",
                    "CurrentStep", "StepVisit", "WaitingFor", "StateJson", "HistoryCount", "ActiveTimers", "HasIncident", "Version")
                VALUES (@p0, @p1, 'bench.three-approvals', 1, @p2, @p3, @p4, @p4, @p5, @p6, @p7, 1, NULL, @p8, @p9, 0, @p10, 0)
                """, 11);
            await using var entry = Command(connection, tx, """
                INSERT INTO "History" ("InstanceId", "Seq", "At", "Kind", "Step", "ActorId", "ActingRole", "Action", "Comment", "DataJson")
                VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, NULL, NULL)
                """, 8);
            await using var task = Command(connection, tx, """
                INSERT INTO "Tasks" ("Id", "InstanceId", "Type", "Step", "Visit", "Title", "ActingRole", "Status", "SubjectId", "ActionsJson", "CreatedAt", "DueAt", "Version")
                VALUES (@p0, @p1, @p2, 'leader', 1, '组长审批 / Leader approves', 'GroupLeader', 'Open', @p3, '[]', @p4, @p5, 0)
                """, 6);
            await using var candidate = Command(connection, tx, "INSERT INTO \"TaskCandidates\" (\"EmployeeId\", \"TaskId\") VALUES (@p0, @p1)", 2);
            for (var i = from; i < Math.Min(applications, from + batch); i++)
            {
                var id = Guid.CreateVersion7().ToString();
                var subject = ids[random.Next(ids.Length)];
                var type = i % 3 == 0 ? "promotion" : i % 3 == 1 ? "shift-swap" : "penalty-dispute";
                var at = start + span * (i / (double)applications);
                var running = i % 50 == 0;
                var returned = i % 10 == 0;
                var done = at.AddHours(2 + random.Next(200));
                var state = type == "promotion" ? PromotionState(promotionState, subject) : "{}";
                await Exec(instance, id, type, running ? "Running" : "Completed", running ? null : "Approved", subject, Stamp(info, at),
                    running ? null : Stamp(info, done), running ? "leader" : null, state, returned ? 5 : 4, false);
                var seq = 0;
                await Exec(entry, id, ++seq, Stamp(info, at), HistoryKinds.InstanceStarted, null, subject, "Applicant", null);
                if (returned)
                {
                    await Exec(entry, id, ++seq, Stamp(info, at.AddHours(1)), HistoryKinds.TaskCompleted, "leader", leaders[i % leaders.Length], "GroupLeader", "return");
                }

                await Exec(entry, id, ++seq, Stamp(info, at.AddHours(1)), HistoryKinds.TaskCompleted, "leader", leaders[i % leaders.Length], "GroupLeader", "approve");
                await Exec(entry, id, ++seq, Stamp(info, done), HistoryKinds.TaskCompleted, "supervisor", leaders[(i + 1) % leaders.Length], "Supervisor", "approve");
                await Exec(entry, id, ++seq, Stamp(info, done), HistoryKinds.InstanceCompleted, null, null, null, "Approved");
                history += seq;
                if (running)
                {
                    var taskId = Guid.CreateVersion7().ToString();
                    await Exec(task, taskId, id, type, subject, Stamp(info, at), Stamp(info, at.AddDays(2)));
                    await Exec(candidate, leaders[i % leaders.Length], taskId);
                }
            }

            await tx.CommitAsync();
        }

        await db.Database.ExecuteSqlRawAsync("ANALYZE;");
        return history;
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

    private static Task<int> Exec(DbCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }

        return command.ExecuteNonQueryAsync();
    }

    private static object Stamp(DatabaseInfo info, DateTimeOffset value) =>
        info.Provider == DatabaseProvider.Sqlite ? ToBinary.ConvertToProvider(value)! : value.ToUniversalTime();

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
