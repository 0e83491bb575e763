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
