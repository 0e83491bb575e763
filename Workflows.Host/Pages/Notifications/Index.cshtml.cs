using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Notifications;
using Workflows.Host.Platform;

namespace Workflows.Host.Pages.Notifications;

/// <summary>My notifications, newest first, with mark read and all read, and my notification settings (the API's <c>/api/notifications</c> and <c>/api/me/notification-settings</c>).</summary>
public sealed class IndexModel(CurrentActor current, WorkflowDbContext db, DepartmentClock clock) : PageModel
{
    public const int PageSize = 50;

    public NotificationPage Notifications { get; private set; } = new([], 0, 0, 1, PageSize);

    public NotificationSettings Settings { get; private set; } = new(true, true, null);

    [BindProperty(SupportsGet = true)]
    public int P { get; set; } = 1;

    public string? Saved { get; private set; }

    public IDictionary<string, string[]>? Errors { get; private set; }

    public DepartmentClock Clock => clock;

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostReadAsync(string id)
    {
        var actor = await current.GetAsync(HttpContext.RequestAborted);
        var now = clock.Now;
        var notification = await db.Set<Notification>().SingleOrDefaultAsync(n => n.Id == id && n.RecipientId == actor.Id, HttpContext.RequestAborted);
        if (notification is null)
        {
            return NotFound();
        }

        notification.ReadAt ??= now;
        await db.SaveChangesAsync(HttpContext.RequestAborted);
        return Url.IsLocalUrl(notification.Url) ? LocalRedirect(notification.Url) : RedirectToPage();
    }

    public async Task<IActionResult> OnPostReadAllAsync()
    {
        var actor = await current.GetAsync(HttpContext.RequestAborted);
        var now = clock.Now;
        await db.Set<Notification>().Where(n => n.RecipientId == actor.Id && n.ReadAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(n => n.ReadAt, now), HttpContext.RequestAborted);
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostSettingsAsync(bool email, bool digest, string? emailAddress, string? language)
    {
        var actor = await current.GetAsync(HttpContext.RequestAborted);
        var request = new NotificationSettings(email, digest, emailAddress ?? "", language);
        if (NotificationsApi.Validate(request) is { } invalid)
        {
            Errors = invalid.ProblemDetails.Errors;
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            await LoadAsync();
            return Page();
        }

        await NotificationsApi.SaveSettingsAsync(db, actor.Id, request, HttpContext.RequestAborted);
        Saved = "saved";
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        var actor = await current.GetAsync(HttpContext.RequestAborted);
        P = Math.Max(1, P);
        Notifications = await NotificationsApi.PageAsync(db, actor.Id, unreadOnly: false, P, PageSize, HttpContext.RequestAborted);
        Settings = await NotificationsApi.SettingsAsync(db, actor.Id, HttpContext.RequestAborted);
    }
}
