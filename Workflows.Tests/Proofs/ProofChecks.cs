using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions.Engine;
using Workflows.Host.Data;
using Workflows.Host.Roster;
using Workflows.Host.Runtime;
using Workflows.Host.Violations;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Proofs;

/// <summary>What the proofs read straight from the database, and the promises they check on it.</summary>
public sealed class ProofChecks(Lane lane, string connectionString)
{
    public WorkflowDbContext Open() => lane == Lane.Sqlite
        ? new SqliteWorkflowDbContext(new DbContextOptionsBuilder<SqliteWorkflowDbContext>()
            .UseSqlite(connectionString + ";Pooling=False").Options)
        : new PostgresWorkflowDbContext(new DbContextOptionsBuilder<PostgresWorkflowDbContext>().UseNpgsql(connectionString).Options);

    /// <summary>How many acknowledged actions are not in the database (must be 0), with a line for each.</summary>
    public async Task<List<string>> LostAsync(IEnumerable<Ack> acks)
    {
        await using var db = Open();
        var instances = (await db.Instances.AsNoTracking().Select(i => i.Id).ToListAsync()).ToHashSet(StringComparer.Ordinal);
        var violations = (await db.Set<Violation>().AsNoTracking().Select(v => v.Id).ToListAsync()).ToHashSet(StringComparer.Ordinal);
        var tasks = (await db.Tasks.AsNoTracking().Select(t => new { t.Id, t.Status, t.CompletedBy, t.Action }).ToListAsync())
            .ToDictionary(t => t.Id, StringComparer.Ordinal);
        var seats = (await db.Seats.AsNoTracking().Select(s => s.Id).ToListAsync()).ToHashSet(StringComparer.Ordinal);
        var lost = new List<string>();
        foreach (var ack in acks)
        {
            var there = ack.Kind switch
            {
                AckKind.Instance => instances.Contains(ack.Id),
                AckKind.Violation => violations.Contains(ack.Id),
                AckKind.Completion => tasks.TryGetValue(ack.Id, out var t) && t.Status == TaskState.Completed
                    && t.CompletedBy == ack.ActorId && t.Action == ack.Detail,
                AckKind.Vacancy => seats.Contains(ack.Id),
                _ => false,
            };
            if (!there)
            {
                lost.Add($"{ack.Kind} {ack.Id} ({ack.Detail}) was answered with success but is not in the database as answered");
            }
        }

        return lost;
    }

    /// <summary>
    /// The promises that hold at any moment, crash or not: a finished instance has no open task, a seat has one
    /// holder at most and nobody holds two, every shift has its minimum staff, a timer fired at most once (one
    /// <c>timer.fired</c> per instance, as every timeout here ends its instance), a promotion expired exactly
    /// when its timer fired, and the statements add up to their lines and to the violations behind them.
    /// </summary>
    public async Task<List<string>> BrokenAsync(HttpClient api, string hrToken, string month)
    {
        await using var db = Open();
        var problems = new List<string>();

        var finishedWithOpenTasks = await (from i in db.Instances
                                           join t in db.Tasks on i.Id equals t.InstanceId
                                           where i.Status != InstanceStatus.Running && t.Status == TaskState.Open
                                           select i.Id + " (" + i.Status + ") has open task " + t.Id).ToListAsync();
        problems.AddRange(finishedWithOpenTasks);

        var seats = await db.Seats.AsNoTracking().Where(s => s.HolderId != null).ToListAsync();
        var people = await db.Users.AsNoTracking().Select(u => new { u.Id, u.Rank }).ToDictionaryAsync(u => u.Id);
        problems.AddRange(seats.GroupBy(s => s.HolderId!).Where(g => g.Count() > 1).Select(g => $"{g.Key} holds {g.Count()} seats"));
        problems.AddRange(seats.Where(s => people[s.HolderId!].Rank != s.Rank).Select(s => $"seat {s.Id} ({s.Rank}) is held by someone of rank {people[s.HolderId!].Rank}"));

        var shifts = await db.Set<Shift>().AsNoTracking().Include(s => s.Assignments).ToListAsync();
        problems.AddRange(shifts.Where(s => s.Assignments.Count < s.MinStaff)
            .Select(s => $"shift {s.Id} has {s.Assignments.Count} people, below its minimum {s.MinStaff}"));

        var fired = await db.History.AsNoTracking().Where(h => h.Kind == HistoryKinds.TimerFired)
            .GroupBy(h => h.InstanceId).Select(g => new { Instance = g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Instance, g => g.Count);
        problems.AddRange(fired.Where(f => f.Value > 1).Select(f => $"instance {f.Key} has {f.Value} timer firings"));
        var promotions = await db.Instances.AsNoTracking().Where(i => i.Type == "promotion").Select(i => new { i.Id, i.Outcome }).ToListAsync();
        problems.AddRange(promotions.Where(p => (p.Outcome == "Expired") != fired.ContainsKey(p.Id))
            .Select(p => $"promotion {p.Id} ended {p.Outcome ?? "running"} with {fired.GetValueOrDefault(p.Id)} timer firing(s)"));

        // Statements: each adds up to its lines, and each violation's lines add up to its current amount.
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/statements?month={month}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", hrToken);
        using var response = await api.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            problems.Add($"GET statements answered {(int)response.StatusCode}: {body}");
            return problems;
        }

        var byViolation = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var statement in JsonDocument.Parse(body).RootElement.EnumerateArray())
        {
            var lines = statement.GetProperty("lines").EnumerateArray().ToArray();
            var sum = lines.Sum(l => l.GetProperty("amount").GetDecimal());
            var total = statement.GetProperty("total").GetDecimal();
            if (sum != total)
            {
                problems.Add($"statement of {statement.GetProperty("employeeId").GetString()} totals {total} but its lines add up to {sum}");
            }

            foreach (var line in lines.Where(l => l.GetProperty("violationId").ValueKind == JsonValueKind.String))
            {
                var id = line.GetProperty("violationId").GetString()!;
                byViolation[id] = byViolation.GetValueOrDefault(id) + line.GetProperty("amount").GetDecimal();
            }
        }

        var monthStart = DateOnly.ParseExact(month + "-01", "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var recorded = await db.Set<Violation>().AsNoTracking().Where(v => v.OccurredOn >= monthStart && v.OccurredOn < monthStart.AddMonths(1)).ToListAsync();
        problems.AddRange(recorded.Where(v => byViolation.GetValueOrDefault(v.Id) != v.PenaltyAmount)
            .Select(v => $"violation {v.Id} ({v.Status}) is {v.PenaltyAmount} but its statement lines add up to {byViolation.GetValueOrDefault(v.Id)}"));
        return problems;
    }

    /// <summary>Timers due by now that have not fired (nor been cancelled).</summary>
    public async Task<List<WorkflowTimer>> DueUnfiredAsync(DateTimeOffset now)
    {
        await using var db = Open();
        var open = await db.Timers.AsNoTracking().Where(t => t.FiredAt == null && t.CancelledAt == null).ToListAsync();
        return [.. open.Where(t => t.DueAt <= now)];
    }

    /// <summary>Timers not fired nor cancelled, due or not.</summary>
    public async Task<List<WorkflowTimer>> PendingTimersAsync()
    {
        await using var db = Open();
        return await db.Timers.AsNoTracking().Where(t => t.FiredAt == null && t.CancelledAt == null).ToListAsync();
    }

    /// <summary>The given timers as they are now.</summary>
    public async Task<List<WorkflowTimer>> TimersAsync(IReadOnlyCollection<string> ids)
    {
        await using var db = Open();
        return await db.Timers.AsNoTracking().Where(t => ids.Contains(t.Id)).ToListAsync();
    }

    /// <summary>For each given instance, its <c>timer.fired</c> history entries and its outcome.</summary>
    public async Task<Dictionary<string, (int Fired, string? Outcome)>> FiringsAsync(IReadOnlyCollection<string> instanceIds)
    {
        await using var db = Open();
        var fired = await db.History.AsNoTracking().Where(h => instanceIds.Contains(h.InstanceId) && h.Kind == HistoryKinds.TimerFired)
            .GroupBy(h => h.InstanceId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count);
        var outcomes = await db.Instances.AsNoTracking().Where(i => instanceIds.Contains(i.Id)).ToDictionaryAsync(i => i.Id, i => i.Outcome);
        return instanceIds.ToDictionary(id => id, id => (fired.GetValueOrDefault(id), outcomes.GetValueOrDefault(id)));
    }

    /// <summary>Rows per table the proofs report: instances, tasks, history entries, violations.</summary>
    public async Task<(int Instances, int Tasks, int History, int Violations, int Incidents)> CountsAsync()
    {
        await using var db = Open();
        return (await db.Instances.CountAsync(), await db.Tasks.CountAsync(), await db.History.CountAsync(),
            await db.Set<Violation>().CountAsync(), await db.Incidents.CountAsync());
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or the deadline passes; returns whether it held.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan deadline)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(250);
        }

        return await condition();
    }
}
