using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Definitions.Engine;
using Workflows.Host.Data;
using Workflows.Host.Organization;
using Workflows.Host.Runtime;

namespace Workflows.Host.Promotion;

/// <summary>
/// Whom a vacancy (<c>seat.vacated</c>) concerns (docs/domain.md §Appointment, vacancies and waiting): the applications waiting for a seat of that rank, and
/// only while a seat of that rank is vacant — a woken application takes any vacant seat of its rank or goes back to
/// waiting (<see cref="CheckVacancyActivity"/>), so without one the wake would change nothing. For a group's leader seat,
/// the candidates of that group wake first (their own group's seat is the one an appointment takes first), then the
/// others, oldest first. A new group's vacant leader seat thus wakes only applications for GroupLeader, and a seat change
/// of another rank wakes nobody.
/// </summary>
public sealed class SeatVacancyAudience : ISignalAudience
{
    public string Signal => OrganizationApi.SeatVacated;

    public async Task<IReadOnlyList<string>> SelectAsync(WorkflowDbContext db, IReadOnlyList<string> waiting, ImmutableDictionary<string, JsonElement>? data,
        CancellationToken ct)
    {
        if (data is null || !data.TryGetValue("rank", out var rankValue) || !Enum.TryParse<Rank>(rankValue.GetString(), out var rank))
        {
            return waiting; // a vacancy that does not say its rank: every waiting application looks for itself
        }

        if (!await db.Seats.AsNoTracking().AnyAsync(s => s.Rank == rank && s.HolderId == null, ct))
        {
            return []; // taken again before delivery: nobody would find a seat
        }

        var ids = waiting.ToList();
        var forms = await db.History.AsNoTracking()
            .Where(h => ids.Contains(h.InstanceId) && h.Kind == HistoryKinds.InstanceStarted)
            .Select(h => new { h.InstanceId, h.DataJson })
            .ToListAsync(ct);
        var targets = forms.ToDictionary(f => f.InstanceId, f => TargetRank(f.DataJson), StringComparer.Ordinal);
        var concerned = ids.Where(id => !targets.TryGetValue(id, out var target) || target is null || target == rank).ToList();

        var groupId = data.TryGetValue("groupId", out var g) && g.ValueKind == JsonValueKind.String ? g.GetString() : null;
        if (rank != Rank.GroupLeader || groupId is null || concerned.Count < 2)
        {
            return concerned;
        }

        var ownGroup = await (from i in db.Instances.AsNoTracking()
                              join u in db.Users.AsNoTracking() on i.SubjectId equals u.Id
                              where concerned.Contains(i.Id) && u.GroupId == groupId
                              select i.Id).ToListAsync(ct);
        return [.. concerned.OrderBy(id => ownGroup.Contains(id) ? 0 : 1)]; // stable: oldest first within each part
    }

    /// <summary>The target rank as filed (the <c>instance.started</c> row: task data cannot change it); null when there is none.</summary>
    private static Rank? TargetRank(string? formJson)
    {
        if (formJson is null)
        {
            return null;
        }

        using var doc = JsonDocument.Parse(formJson);
        return doc.RootElement.ValueKind == JsonValueKind.Object
            && doc.RootElement.TryGetProperty(PromotionVariables.TargetRank, out var target)
            && Enum.TryParse<Rank>(target.GetString(), out var parsed)
                ? parsed
                : null;
    }
}
