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
            // IN (the actor's history rows, through their ActorId index) rather than a correlated EXISTS: SQLite runs an EXISTS
            // once per instance row, which at a million instances read every instance's history to find one actor's few thousand.
            var acted = ActorRows(db, ActorIds).Select(h => h.InstanceId);
            query = query.Where(i => acted.Contains(i.Id));
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
    /// How many instances match over <paramref name="visible"/> (what the caller may see), and one page of them, newest first,
    /// in one statement where it can: the page's ids are picked from an index (start time and id), only those rows are read,
    /// and the count rides along as a subquery the database runs once. <paramref name="everyInstance"/>: <paramref name="visible"/>
    /// is every instance (HR's view); then a search by actor alone is counted from the actor's history index: every history
    /// row's instance exists (a restricting foreign key), so the distinct instance ids there are the answer. A search by
    /// actor first finds the page's candidates by walking the actor's history index (<see cref="ActorCandidatesAsync"/>).
    /// A page past the last one is empty and counted by itself.
    /// </summary>
    public async Task<SearchPage> FindAsync(WorkflowDbContext db, IQueryable<WorkflowInstance> visible, DepartmentClock clock, bool everyInstance,
        int page, int pageSize, CancellationToken ct)
    {
        var query = Apply(visible, db, clock);
        // What is counted: the matching instances, or for HR's search by actor alone, the actor's distinct instance ids.
        var counted = everyInstance && ActorIds is { } only && this with { ActorIds = null } == new InstanceSearch()
            ? ActorRows(db, only).Select(h => h.InstanceId).Distinct()
            : query.Select(i => i.Id);
        if ((long)page * pageSize > int.MaxValue)
        {
            // Far past any last page: nothing to read but the count.
            return new SearchPage(await counted.CountAsync(ct), []);
        }

        var skip = (page - 1) * pageSize;
        var matches = query;
        if (ActorIds is { } actors)
        {
            // The walk reads the actor's own entries, so each instance met already has the actor in its history: it is
            // checked against the other filters and the visibility alone.
            var others = (this with { ActorIds = null }).Apply(visible, db, clock);
            var candidates = await ActorCandidatesAsync(db, others, actors, skip + pageSize, ct);
            if (candidates.Count == 0 && page == 1)
            {
                return new SearchPage(0, []);
            }

            matches = db.Instances.AsNoTracking().Where(i => candidates.Contains(i.Id));
        }

        var ids = Newest(matches).Skip(skip).Take(pageSize).Select(i => i.Id);
        var rows = Newest(db.Instances.AsNoTracking().Where(i => ids.Contains(i.Id)));
        var found = await rows.Select(i => new { Row = i, Total = counted.Count() }).ToListAsync(ct);
        if (found.Count > 0)
        {
            return new SearchPage(found[0].Total, [.. found.Select(c => c.Row)]);
        }

        return new SearchPage(page == 1 ? 0 : await counted.CountAsync(ct), []);
    }

    /// <summary>
    /// A set of instance ids holding the first <paramref name="need"/> matches newest first, read from the actor's history
    /// index latest first, each entry with its instance's start when <paramref name="others"/> (the search without the actor)
    /// holds it: one statement per chunk of entries. An entry is appended at the clock's now, after its instance started, so
    /// once every entry later than T has been read, every instance not yet met started at T or before: when
    /// <paramref name="need"/> matches met so far started after T, they outrank every instance not met, and the page is
    /// sorted from them alone.
    /// </summary>
    private static async Task<List<string>> ActorCandidatesAsync(WorkflowDbContext db, IQueryable<WorkflowInstance> others, IReadOnlyCollection<string> actors,
        int need, CancellationToken ct)
    {
        var rows = ActorRows(db, actors);
        var chunk = (int)Math.Min(int.MaxValue, Math.Max(200, 4L * need));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var found = new List<(string Id, DateTimeOffset StartedAt)>();
        DateTimeOffset? upTo = null;
        var afterTies = false;
        // An instance counts once, when first met, and only if the search without the actor holds it (a start to sort by).
        void Meet(string instanceId, DateTimeOffset? startedAt)
        {
            if (seen.Add(instanceId) && startedAt is { } started)
            {
                found.Add((instanceId, started));
            }
        }

        while (true)
        {
            var window = upTo is not { } t ? rows : afterTies ? rows.Where(h => h.At < t) : rows.Where(h => h.At <= t);
            var read = await window.OrderByDescending(h => h.At).Take(chunk)
                .Select(h => new { h.InstanceId, h.At, StartedAt = others.Where(i => i.Id == h.InstanceId).Select(i => (DateTimeOffset?)i.StartedAt).FirstOrDefault() })
                .ToListAsync(ct);
            foreach (var entry in read)
            {
                Meet(entry.InstanceId, entry.StartedAt);
            }

            if (read.Count < chunk)
            {
                return [.. found.Select(f => f.Id)];
            }

            var earliest = read[^1].At;
            if (read[0].At == earliest)
            {
                // A whole chunk at one instant: the rest of that instant's entries, so that the next chunk can start before it.
                var tied = await rows.Where(h => h.At == earliest)
                    .Select(h => new { h.InstanceId, StartedAt = others.Where(i => i.Id == h.InstanceId).Select(i => (DateTimeOffset?)i.StartedAt).FirstOrDefault() })
                    .ToListAsync(ct);
                foreach (var entry in tied)
                {
                    Meet(entry.InstanceId, entry.StartedAt);
                }

                afterTies = true;
            }
            else
            {
                // Every entry later than the earliest read has been read; some at that instant may not have been.
                afterTies = false;
            }

            var ahead = found.Where(f => afterTies ? f.StartedAt >= earliest : f.StartedAt > earliest).Select(f => f.Id).ToList();
            if (ahead.Count >= need)
            {
                return ahead;
            }

            upTo = earliest;
        }
    }

    /// <summary>
    /// The actors' entries. One actor (the API's <c>actorId</c>) is compared with <c>=</c>: PostgreSQL reads an index range in
    /// order only for an equality, while <c>= ANY (array)</c>, even of one, reads the actor's every entry and sorts them.
    /// </summary>
    private static IQueryable<HistoryEntry> ActorRows(WorkflowDbContext db, IReadOnlyCollection<string> actors)
    {
        if (actors.Count == 1)
        {
            var actor = actors.First();
            return db.History.AsNoTracking().Where(h => h.ActorId != null && h.ActorId == actor);
        }

        return db.History.AsNoTracking().Where(h => h.ActorId != null && actors.Contains(h.ActorId));
    }

    /// <summary>Newest first; the id breaks ties so paging is stable.</summary>
    public static IQueryable<WorkflowInstance> Newest(IQueryable<WorkflowInstance> query) =>
        query.OrderByDescending(i => i.StartedAt).ThenBy(i => i.Id);
}

/// <summary>How many instances a search matches, and the rows of the page asked for.</summary>
public sealed record SearchPage(int Total, IReadOnlyList<WorkflowInstance> Rows);
