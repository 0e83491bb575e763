using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Workflows.Definitions;
using Workflows.Host.Data;
using Workflows.Host.Organization;
using Workflows.Host.Platform;
using Workflows.Host.Promotion;
using Workflows.Host.Runtime;

namespace Workflows.Host.Pages;

/// <summary>
/// Which seat a promotion would fill if it were appointed now, for the approvers: the appointment's own rule
/// (<see cref="AppointActivity.ChooseSeat"/>: a leader's own group first, else the longest-vacant seat, the candidate
/// moving to that group), in words. The seat is chosen at appointment by that rule; nobody picks it, so the card says
/// what will happen instead of offering a choice. See docs/domain.md §Appointment, vacancies and waiting
/// Loaded for many applications in two queries.
/// </summary>
public static class SeatPreview
{
    public static async Task<IReadOnlyDictionary<string, string>> LoadAsync(
        WorkflowDbContext db, IStringLocalizer localizer, IReadOnlyCollection<WorkflowInstance> instances, CancellationToken ct)
    {
        var promotions = instances.Where(i => i.Type == SubjectFactsLoader.PromotionType && i.Status == Definitions.Engine.InstanceStatus.Running).ToList();
        if (promotions.Count == 0)
        {
            return new Dictionary<string, string>();
        }

        var subjects = promotions.Select(i => i.SubjectId).Distinct().ToList();
        var groupOf = await db.Users.AsNoTracking().Where(u => subjects.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.GroupId, ct);
        var vacant = await db.Seats.AsNoTracking().Where(s => s.HolderId == null).ToListAsync(ct);
        var groups = await db.Groups.AsNoTracking().ToDictionaryAsync(g => g.Id, g => g.Name, ct);
        var text = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var instance in promotions)
        {
            var variables = WorkflowRunner.Deserialize(instance).Values;
            if (!variables.TryGetValue("targetRank", out var value) || value.ValueKind != JsonValueKind.String
                || !Enum.TryParse<Rank>(value.GetString(), ignoreCase: false, out var target) || !Enum.IsDefined(target))
            {
                continue;
            }

            var own = groupOf.GetValueOrDefault(instance.SubjectId);
            var rank = localizer.Term("Rank", target.ToString());
            text[instance.Id] = AppointActivity.ChooseSeat(vacant, target, own) switch
            {
                null => localizer["P19_No {0} seat is vacant now: once approved, the application waits for one.", rank],
                { GroupId: { } group } when group == own => localizer["P19_Fills the {0} seat of their own group {1}.", rank, groups.GetValueOrDefault(group, "—")],
                { GroupId: { } group } => localizer["P19_Fills the {0} seat of {1} (their own group has none vacant): they move to {1}.", rank,
                    groups.GetValueOrDefault(group, "—")],
                _ => localizer["P19_Fills a vacant {0} seat of the department.", rank],
            };
        }

        return text;
    }
}
