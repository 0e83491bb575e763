using Hangfire;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Notifications;
using Workflows.Host.Platform;

namespace Workflows.Host.Pages.Notifications;

/// <summary>HR: deliveries that ran out of attempts, with their last error and a retry button (the API's <c>/api/notification-deliveries</c>).</summary>
public sealed class FailedModel(CurrentActor current, WorkflowDbContext db, DepartmentClock clock, IBackgroundJobClient jobs) : GuardedPageModel(current)
{
    public IReadOnlyList<DeliveryDto> Deliveries { get; private set; } = [];

    public string? Message { get; private set; }

    public DepartmentClock Clock => clock;

    protected override ValueTask<bool> MayOpenAsync(Actor actor, CancellationToken ct) => ValueTask.FromResult(actor.IsHR);

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostRetryAsync(string id)
    {
        var result = await NotificationsApi.Retry(id, db, clock, jobs, HttpContext.RequestAborted);
        Message = result.Result is Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult problem ? problem.ProblemDetails.Detail : "retried";
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync() =>
        Deliveries = [.. (await db.Set<NotificationDelivery>().AsNoTracking().Where(d => d.Status == DeliveryStatus.Failed)
            .OrderByDescending(d => d.UpdatedAt).Take(500).ToListAsync(HttpContext.RequestAborted)).Select(NotificationsApi.ToDto)];
}
