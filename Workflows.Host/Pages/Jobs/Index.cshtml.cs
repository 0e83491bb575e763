using Hangfire;
using Hangfire.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Ledger;
using Workflows.Host.Notifications;
using Workflows.Host.Platform;
using Workflows.Host.Runtime;

namespace Workflows.Host.Pages.Jobs;

/// <summary>One timer that has not fired yet, in words: what happens, on whose application, at which step, when.</summary>
public sealed record DueTimer(string InstanceId, string Type, string What, string Subject, string Step, string With, DateTimeOffset DueAt);

/// <summary>
/// HR's view of the work that runs by itself, in the department's words: the timers still to fire (due dates,
/// reminders, waits running out), the last month close and the next, and how many notifications could not be
/// delivered (with the failed list one click away). Read only; Hangfire's own dashboard stays at /hangfire for the
/// operators and is not linked from here.
/// </summary>
public sealed class IndexModel(
    CurrentActor current, WorkflowDbContext db, DepartmentClock clock, PublishedDesigns designs, JobStorage storage, IStringLocalizer<SharedResource> localizer)
    : GuardedPageModel(current)
{
    public const int MaxTimers = 200;

    public IReadOnlyList<DueTimer> Timers { get; private set; } = [];

    public int TimerCount { get; private set; }

    public MonthClosing? LastClose { get; private set; }

    public string? LastClosedBy { get; private set; }

    public DateTimeOffset? NextClose { get; private set; }

    public int FailedDeliveries { get; private set; }

    protected override ValueTask<bool> MayOpenAsync(Actor actor, CancellationToken ct) => ValueTask.FromResult(actor.IsHR);

    public async Task OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        var pending = db.Timers.AsNoTracking().Where(t => t.FiredAt == null && t.CancelledAt == null);
        TimerCount = await pending.CountAsync(ct);
        var rows = await (from t in pending
                          join i in db.Instances.AsNoTracking() on t.InstanceId equals i.Id
                          orderby t.DueAt
                          select new { t.InstanceId, t.Step, t.Kind, t.DueAt, i.Type, i.DesignName, i.DesignVersion, i.SubjectId })
            .Take(MaxTimers).ToListAsync(ct);
        var instanceIds = rows.Select(r => r.InstanceId).Distinct().ToList();
        var holders = await (from task in db.Tasks.AsNoTracking()
                             where instanceIds.Contains(task.InstanceId) && task.Status == TaskState.Open
                             join c in db.TaskCandidates.AsNoTracking() on task.Id equals c.TaskId
                             select new { task.InstanceId, task.Step, task.AssigneeId, c.EmployeeId }).ToListAsync(ct);
        var names = await EmployeeNames.LoadAsync(db, rows.Select(r => r.SubjectId).Concat(holders.Select(h => h.AssigneeId ?? h.EmployeeId)), ct);
        Timers = [.. rows.Select(r => new DueTimer(
            r.InstanceId, r.Type,
            localizer.Term("P19_TimerKind", r.Kind),
            names.NameOf(r.SubjectId),
            localizer.StepName(designs.Get(r.DesignName, r.DesignVersion), r.Step),
            string.Join("、", holders.Where(h => h.InstanceId == r.InstanceId && h.Step == r.Step).Select(h => names.NameOf(h.AssigneeId ?? h.EmployeeId)).Distinct()),
            r.DueAt))];

        LastClose = (await db.Set<MonthClosing>().AsNoTracking().ToListAsync(ct)).OrderByDescending(m => m.Month, StringComparer.Ordinal).FirstOrDefault();
        if (LastClose is not null)
        {
            LastClosedBy = LastClose.ClosedBy == LedgerService.SystemActor
                ? localizer["P19_the monthly job"]
                : (await EmployeeNames.LoadAsync(db, [LastClose.ClosedBy], ct)).NameOf(LastClose.ClosedBy);
        }

        using (var connection = storage.GetConnection())
        {
            var job = connection.GetRecurringJobs([LedgerSetup.MonthCloseJobId]).FirstOrDefault();
            if (job?.NextExecution is { } next)
            {
                NextClose = new DateTimeOffset(DateTime.SpecifyKind(next, DateTimeKind.Utc));
            }
        }

        FailedDeliveries = await db.Set<NotificationDelivery>().AsNoTracking().CountAsync(d => d.Status == DeliveryStatus.Failed, ct);
    }

    public string Local(DateTimeOffset at) => clock.Local(at);

    public string Due(DateTimeOffset at) => localizer.RelativeDue(at, clock.Now);
}
