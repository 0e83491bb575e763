using Microsoft.EntityFrameworkCore;
using Workflows.Definitions.Engine;
using Workflows.Host.Data;
using Workflows.Host.Platform;

namespace Workflows.Host.Runtime;

/// <summary>
/// The instance filters of <c>GET /api/instances</c> and the HR history search: one definition, so the page
/// and the API cannot find different things. Dates are calendar dates in the department's time zone and
/// bound the start; <see cref="SubjectIds"/>/<see cref="ActorIds"/> match any of the given people (an empty
/// list matches nothing), an actor being anyone with an entry in the instance's history. The bounds are
/// compared in UTC: Npgsql writes only offset-0 values to <c>timestamptz</c>.
/// </summary>
public sealed record InstanceSearch(
    string? Type = null,
    InstanceStatus? Status = null,
    IReadOnlyCollection<string>? SubjectIds = null,
    IReadOnlyCollection<string>? ActorIds = null,
    DateOnly? From = null,
    DateOnly? To = null,
    long? Number = null)
{
    public IQueryable<WorkflowInstance> Apply(IQueryable<WorkflowInstance> query, WorkflowDbContext db, DepartmentClock clock)
    {
        if (Number is { } number)
        {
            query = query.Where(i => i.Number == number);
        }

        if (Type is not null)
        {
            query = query.Where(i => i.Type == Type);
        }

        if (Status is not null)
        {
            query = query.Where(i => i.Status == Status);
        }

        if (SubjectIds is not null)
        {
            var subjects = SubjectIds;
            query = query.Where(i => subjects.Contains(i.SubjectId));
        }

        if (ActorIds is not null)
        {
            var actors = ActorIds;
            // IN (the actor's history rows, through their ActorId index) rather than a correlated EXISTS: SQLite runs an EXISTS
            // once per instance row, which at a million instances read every instance's history to find one actor's few thousand.
            query = query.Where(i => db.History.Where(h => h.ActorId != null && actors.Contains(h.ActorId)).Select(h => h.InstanceId).Contains(i.Id));
        }

        if (From is not null)
        {
            var start = clock.ToInstant(From.Value, TimeOnly.MinValue).ToUniversalTime();
            query = query.Where(i => i.StartedAt >= start);
        }

        if (To is not null)
        {
            var end = clock.ToInstant(To.Value.AddDays(1), TimeOnly.MinValue).ToUniversalTime();
            query = query.Where(i => i.StartedAt < end);
        }

        return query;
    }

    /// <summary>
    /// How many instances match. <paramref name="everyInstance"/>: <paramref name="query"/> is this search over every
    /// instance (HR's view, no visibility filter). Then a search by actor alone is counted from the actor's history index:
    /// every history row's instance exists (a restricting foreign key), so the distinct instance ids there are the answer,
    /// without probing an instance row for each of a supervisor's thousands.
    /// </summary>
    public async Task<int> CountAsync(WorkflowDbContext db, IQueryable<WorkflowInstance> query, bool everyInstance, CancellationToken ct)
    {
        if (everyInstance && ActorIds is { } actors && this with { ActorIds = null } == new InstanceSearch())
        {
            return await ActorRows(db, actors).Select(h => h.InstanceId).Distinct().CountAsync(ct);
        }

        return await query.CountAsync(ct);
    }

    /// <summary>
    /// One page of <paramref name="query"/> (this search applied), newest first. A search by actor walks the actor's history
    /// index from the latest entry back (<see cref="ActorCandidatesAsync"/>) instead of reading the start of every instance
    /// the actor touched; other searches go through <see cref="PageAsync(WorkflowDbContext, IQueryable{WorkflowInstance}, int, int, CancellationToken)"/>.
    /// </summary>
    public async Task<List<WorkflowInstance>> FindPageAsync(WorkflowDbContext db, IQueryable<WorkflowInstance> query, int page, int pageSize, CancellationToken ct)
    {
        if (ActorIds is not { } actors)
        {
            return await PageAsync(db, query, page, pageSize, ct);
        }

        var candidates = await ActorCandidatesAsync(db, query, actors, page * pageSize, ct);
        return await PageAsync(db, query.Where(i => candidates.Contains(i.Id)), page, pageSize, ct);
    }

    /// <summary>
    /// A set of instance ids holding the first <paramref name="need"/> matches of <paramref name="query"/> newest first, read
    /// from the actor's history index latest first. An entry is appended at the clock's now, after its instance started, so
    /// once the entries from time T on have been read, every instance not yet seen started before T: when <paramref name="need"/>
    /// matches seen so far started at T or later, they outrank every unseen one, and the page is sorted from them alone.
    /// </summary>
    private static async Task<List<string>> ActorCandidatesAsync(WorkflowDbContext db, IQueryable<WorkflowInstance> query, IReadOnlyCollection<string> actors,
        int need, CancellationToken ct)
    {
        var rows = ActorRows(db, actors);
        var chunk = Math.Max(200, 4 * need);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var found = new List<(string Id, DateTimeOffset StartedAt)>();
        DateTimeOffset? before = null;
        while (true)
        {
            var next = before is { } b ? rows.Where(h => h.At < b) : rows;
            var read = await next.OrderByDescending(h => h.At).Take(chunk).Select(h => new { h.InstanceId, h.At }).ToListAsync(ct);
            var exhausted = read.Count < chunk;
            if (read.Count == 0)
            {
                return [.. found.Select(f => f.Id)];
            }

            var earliest = read[^1].At;
            if (!exhausted)
            {
                // The rest of the entries at the earliest time read, so that "every entry from T on" holds.
                read.AddRange(await rows.Where(h => h.At == earliest).Select(h => new { h.InstanceId, h.At }).ToListAsync(ct));
            }

            var fresh = read.Select(r => r.InstanceId).Where(seen.Add).ToList();
            if (fresh.Count > 0)
            {
                found.AddRange((await query.Where(i => fresh.Contains(i.Id)).Select(i => new { i.Id, i.StartedAt }).ToListAsync(ct))
                    .Select(i => (i.Id, i.StartedAt)));
            }

            if (exhausted)
            {
                return [.. found.Select(f => f.Id)];
            }

            var ahead = found.Where(f => f.StartedAt >= earliest).Select(f => f.Id).ToList();
            if (ahead.Count >= need)
            {
                return ahead;
            }

            before = earliest;
        }
    }

    private static IQueryable<HistoryEntry> ActorRows(WorkflowDbContext db, IReadOnlyCollection<string> actors) =>
        db.History.AsNoTracking().Where(h => h.ActorId != null && actors.Contains(h.ActorId));

    /// <summary>
    /// One page, newest first, in two reads: the page's ids (sorted on id and start time alone, which an index holds), then
    /// those rows. Sorting whole rows would read every matching row (an actor's thousands) only to keep 50.
    /// </summary>
    public static async Task<List<WorkflowInstance>> PageAsync(WorkflowDbContext db, IQueryable<WorkflowInstance> query, int page, int pageSize, CancellationToken ct)
    {
        var ids = await Newest(query).Skip((page - 1) * pageSize).Take(pageSize).Select(i => i.Id).ToListAsync(ct);
        var rows = await db.Instances.AsNoTracking().Where(i => ids.Contains(i.Id)).ToDictionaryAsync(i => i.Id, StringComparer.Ordinal, ct);
        return [.. ids.Where(rows.ContainsKey).Select(id => rows[id])];
    }

    /// <summary>Newest first; the id breaks ties so paging is stable.</summary>
    public static IQueryable<WorkflowInstance> Newest(IQueryable<WorkflowInstance> query) =>
        query.OrderByDescending(i => i.StartedAt).ThenBy(i => i.Id);
}
