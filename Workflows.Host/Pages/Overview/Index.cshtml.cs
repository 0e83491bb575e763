using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Workflows.Definitions;
using Workflows.Definitions.Engine;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Runtime;

namespace Workflows.Host.Pages.Overview;

/// <summary>One line of the overview: applications of a type resting on a step.</summary>
public sealed record OverviewRow(string Type, string Step, int Running, int Overdue, DateTimeOffset OldestStart, string? WaitingFor);

/// <summary>
/// 总览 for the general manager and senior leadership (and HR, the Manager): what is running and where it waits, by type
/// and step, with how many tasks there are overdue — counts only, read-only, no one's records (those roles may not
/// open the applications themselves).
/// </summary>
public sealed class IndexModel(
    CurrentActor current, WorkflowDbContext db, DepartmentClock clock, PublishedDesigns designs, IStringLocalizer<SharedResource> localizer)
    : GuardedPageModel(current)
{
    public IReadOnlyList<OverviewRow> Rows { get; private set; } = [];

    public IReadOnlyList<(string Outcome, int Count)> EndedThisMonth { get; private set; } = [];

    public static bool MaySee(Actor actor) =>
        actor.IsHR || actor.HasRole(CompanyRoles.GeneralManager) || actor.HasRole(CompanyRoles.SeniorLeadership) || actor.Rank == Rank.Manager;

    protected override ValueTask<bool> MayOpenAsync(Actor actor, CancellationToken ct) => ValueTask.FromResult(MaySee(actor));

    public async Task OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        var now = clock.Now;
        var running = await db.Instances.AsNoTracking().Where(i => i.Status == InstanceStatus.Running)
            .GroupBy(i => new { i.Type, i.DesignName, i.DesignVersion, i.CurrentStep, i.WaitingFor })
            .Select(g => new { g.Key.Type, g.Key.DesignName, g.Key.DesignVersion, g.Key.CurrentStep, g.Key.WaitingFor, Count = g.Count(), Oldest = g.Min(i => i.StartedAt) })
            .ToListAsync(ct);
        var overdue = (await db.Tasks.AsNoTracking().Where(t => t.Status == TaskState.Open && t.DueAt != null)
                .Select(t => new { t.Type, t.Step, t.DueAt }).ToListAsync(ct))
            .Where(t => t.DueAt < now).GroupBy(t => (t.Type, t.Step)).ToDictionary(g => g.Key, g => g.Count());
        Rows = [.. running
            .Select(r => new OverviewRow(r.Type, localizer.StepName(designs.Get(r.DesignName, r.DesignVersion), r.CurrentStep), r.Count,
                overdue.GetValueOrDefault((r.Type, r.CurrentStep ?? "")), r.Oldest, r.WaitingFor))
            .GroupBy(r => (r.Type, r.Step, r.WaitingFor))
            .Select(g => new OverviewRow(g.Key.Type, g.Key.Step, g.Sum(r => r.Running), g.Max(r => r.Overdue), g.Min(r => r.OldestStart), g.Key.WaitingFor))
            .OrderBy(r => r.Type, StringComparer.Ordinal).ThenByDescending(r => r.Running)];
        var monthStart = new DateTimeOffset(clock.Today.Year, clock.Today.Month, 1, 0, 0, 0, TimeZoneInfo.ConvertTime(now, clock.Zone).Offset);
        EndedThisMonth = [.. (await db.Instances.AsNoTracking().Where(i => i.Status != InstanceStatus.Running && i.CompletedAt != null)
                .Select(i => new { i.Outcome, i.Status, i.CompletedAt }).ToListAsync(ct))
            .Where(i => i.CompletedAt >= monthStart)
            .GroupBy(i => i.Outcome ?? i.Status.ToString()).Select(g => (g.Key, g.Count())).OrderByDescending(g => g.Item2)];
    }

    public string Local(DateTimeOffset at) => clock.Local(at);
}
