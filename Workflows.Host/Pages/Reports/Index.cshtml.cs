using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Workflows.Definitions.Ledger;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Ledger;
using Workflows.Host.Platform;
using Workflows.Host.Reports;
using Workflows.Host.Runtime;

namespace Workflows.Host.Pages.Reports;

public sealed record WaitingStep(string Type, string Step, int Open, int Overdue);

public sealed record WaitingApprover(string Name, int Open, int Overdue, string? OldestDue);

public sealed record GroupMonth(string GroupName, string Month, int Count, decimal Amount);

/// <summary>
/// The dashboard (HR, the supervisor and the manager — the readers of docs/api.md §Reports): work waiting per step and
/// per approver, overdue first; cycle times per human step over the last three months; violations per group and month
/// over the last six; the fund's balance month by month. Each chart is server-rendered SVG with its table below it.
/// </summary>
public sealed class IndexModel(CurrentActor current, WorkflowDbContext db, DepartmentClock clock, ReportsService reports, LedgerService ledger,
    IStringLocalizer<SharedResource> localizer) : GuardedPageModel(current)
{
    public IReadOnlyList<WaitingStep> Steps { get; private set; } = [];

    public IReadOnlyList<WaitingApprover> Approvers { get; private set; } = [];

    public IReadOnlyList<CycleTimeRow> CycleTimes { get; private set; } = [];

    public IReadOnlyList<GroupMonth> Violations { get; private set; } = [];

    public IReadOnlyList<FundMonth> Fund { get; private set; } = [];

    public ReportRange CycleRange { get; private set; } = new(null, default, default);

    public (DateOnly From, DateOnly To) ViolationRange { get; private set; }

    public LedgerMonth ThisMonth => LedgerMonth.Of(clock.Today);

    protected override ValueTask<bool> MayOpenAsync(Actor actor, CancellationToken ct) => ValueTask.FromResult(ReportsService.MaySee(actor));

    public async Task<IActionResult> OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        var now = clock.Now;
        var open = await db.Tasks.AsNoTracking().Where(t => t.Status == TaskState.Open)
            .Select(t => new { t.Id, t.Type, t.Step, t.Title, t.AssigneeId, t.DueAt }).ToListAsync(ct);
        Steps = [.. open.GroupBy(t => (t.Type, t.Step))
            .Select(g => new WaitingStep(g.Key.Type, localizer.StepName(g.Key.Type, g.Key.Step, g.First().Title), g.Count(), g.Count(t => t.DueAt < now)))
            .OrderByDescending(s => s.Overdue).ThenByDescending(s => s.Open).ThenBy(s => s.Step, StringComparer.Ordinal)];

        var unassigned = open.Where(t => t.AssigneeId == null).Select(t => t.Id).ToList();
        var candidates = (await db.TaskCandidates.AsNoTracking().Where(c => unassigned.Contains(c.TaskId)).Select(c => new { c.TaskId, c.EmployeeId }).ToListAsync(ct))
            .ToLookup(c => c.TaskId, c => c.EmployeeId);
        var people = await reports.PeopleAsync(ct);
        Approvers = [.. open.SelectMany(t => (t.AssigneeId is { } a ? [a] : candidates[t.Id]).Select(p => (Person: p, t.DueAt)))
            .GroupBy(x => x.Person)
            .Select(g =>
            {
                var oldest = g.Where(x => x.DueAt is not null).Select(x => x.DueAt!.Value).DefaultIfEmpty().Min();
                return new WaitingApprover(people.Name(g.Key), g.Count(), g.Count(x => x.DueAt < now), oldest == default ? null : clock.Local(oldest));
            })
            .OrderByDescending(a => a.Overdue).ThenByDescending(a => a.Open).ThenBy(a => a.Name, StringComparer.Ordinal)];

        var today = clock.Today;
        CycleRange = new ReportRange(null, LedgerMonth.Of(today).FirstDay.AddMonths(-2), today);
        CycleTimes = await reports.CycleTimesAsync(CycleRange, (t, s, title) => localizer.StepName(t, s, title), ct);

        ViolationRange = (LedgerMonth.Of(today).FirstDay.AddMonths(-5), today);
        Violations = [.. (await reports.ViolationsAsync(ViolationRange.From, ViolationRange.To, ct))
            .GroupBy(v => (v.GroupName, v.Month))
            .Select(g => new GroupMonth(g.Key.GroupName.Length == 0 ? localizer["No group"] : g.Key.GroupName, g.Key.Month, g.Sum(v => v.Count), g.Sum(v => v.Amount)))
            .OrderBy(v => v.Month, StringComparer.Ordinal).ThenBy(v => v.GroupName, StringComparer.Ordinal)];

        var statements = await ledger.StatementsAsync(null, null, LedgerMonth.Of(today), ct);
        Fund = [.. DepartmentFund.Summarize(statements.Select(s => s.Statement)).TakeLast(12)];
        return Page();
    }

    public string Hours(double? hours) => hours is { } h ? h.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) : "—";
}
