using System.Net.Mail;
using Hangfire;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;

namespace Workflows.Host.Notifications;

public sealed record NotificationDto(
    string Id, string Kind, string? InstanceId, string? TaskId, string Title, string Body, string Url, DateTimeOffset CreatedAt, DateTimeOffset? ReadAt);

public sealed record NotificationPage(IReadOnlyList<NotificationDto> Items, int Total, int Unread, int Page, int PageSize);

/// <param name="Language">The language notifications are written in: <c>zh-CN</c> (default) or <c>en</c>.</param>
public sealed record NotificationSettings(bool? Email, bool? Digest, string? EmailAddress, string? Language = null);

public sealed record DeliveryDto(
    string Id, string? NotificationId, string Channel, string Status, int Attempts, string? LastError, DateTimeOffset At,
    string Recipient, string Subject, DateTimeOffset NextAttemptAt);

/// <summary>docs/api.md §Notifications: the caller's own notifications and settings; HR's view of failed deliveries.</summary>
public static class NotificationsApi
{
    public const int MaxEmailLength = 256;

    public static IEndpointRouteBuilder MapNotificationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/notifications").WithTags("Notifications");
        api.MapGet("/", List);
        api.MapPost("/read-all", ReadAll);
        api.MapPost("/{id}/read", Read);
        var me = app.MapGroup("/api/me/notification-settings").WithTags("Notifications");
        me.MapGet("/", GetSettings);
        me.MapPut("/", PutSettings);
        var hr = app.MapGroup("/api/notification-deliveries").WithTags("Notifications").RequireAuthorization(Policies.HR);
        hr.MapGet("/", Deliveries);
        hr.MapPost("/{id}/retry", Retry);
        return app;
    }

    /// <summary>The caller's notifications, newest first, with the total and the unread count.</summary>
    public static async Task<Results<Ok<NotificationPage>, ValidationProblem>> List(
        CurrentActor current, WorkflowDbContext db, CancellationToken ct, bool unread = false, int page = 1, int pageSize = 20)
    {
        if (page < 1 || pageSize is < 1 or > 200)
        {
            return Problems.Invalid("page", "page starts at 1; pageSize is between 1 and 200.");
        }

        var actor = await current.GetAsync(ct);
        return TypedResults.Ok(await PageAsync(db, actor.Id, unread, page, pageSize, ct));
    }

    public static async Task<NotificationPage> PageAsync(WorkflowDbContext db, string employeeId, bool unreadOnly, int page, int pageSize, CancellationToken ct)
    {
        var mine = db.Set<Notification>().AsNoTracking().Where(n => n.RecipientId == employeeId);
        var unread = await mine.CountAsync(n => n.ReadAt == null, ct);
        var query = unreadOnly ? mine.Where(n => n.ReadAt == null) : mine;
        var total = unreadOnly ? unread : await query.CountAsync(ct);
        var rows = await query.OrderByDescending(n => n.CreatedAt).ThenByDescending(n => n.Id)
            .Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(ct);
        return new NotificationPage([.. rows.Select(ToDto)], total, unread, page, pageSize);
    }

    public static Task<int> UnreadCountAsync(WorkflowDbContext db, string employeeId, CancellationToken ct) =>
        db.Set<Notification>().CountAsync(n => n.RecipientId == employeeId && n.ReadAt == null, ct);

    /// <summary>Marks one of the caller's notifications read (again is fine); someone else's is 404.</summary>
    public static async Task<Results<Ok<NotificationDto>, ProblemHttpResult>> Read(
        string id, CurrentActor current, WorkflowDbContext db, DepartmentClock clock, CancellationToken ct)
    {
        var actor = await current.GetAsync(ct);
        var now = clock.Now;
        await db.Set<Notification>().Where(n => n.Id == id && n.RecipientId == actor.Id && n.ReadAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(n => n.ReadAt, now), ct);
        var notification = await db.Set<Notification>().AsNoTracking().SingleOrDefaultAsync(n => n.Id == id && n.RecipientId == actor.Id, ct);
        return notification is null
            ? Problems.NotFound($"You have no notification '{id}'.")
            : TypedResults.Ok(ToDto(notification));
    }

    public static async Task<Ok<ReadAllResult>> ReadAll(CurrentActor current, WorkflowDbContext db, DepartmentClock clock, CancellationToken ct)
    {
        var actor = await current.GetAsync(ct);
        var now = clock.Now;
        var marked = await db.Set<Notification>().Where(n => n.RecipientId == actor.Id && n.ReadAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(n => n.ReadAt, now), ct);
        return TypedResults.Ok(new ReadAllResult(marked, 0));
    }

    public sealed record ReadAllResult(int Marked, int Unread);

    public static async Task<Ok<NotificationSettings>> GetSettings(CurrentActor current, WorkflowDbContext db, CancellationToken ct)
    {
        var actor = await current.GetAsync(ct);
        return TypedResults.Ok(await SettingsAsync(db, actor.Id, ct));
    }

    public static Task<NotificationSettings> SettingsAsync(WorkflowDbContext db, string employeeId, CancellationToken ct) =>
        db.Users.AsNoTracking().Where(u => u.Id == employeeId)
            .Select(u => new NotificationSettings(!u.EmailOff, !u.DigestOff, u.Email, u.Language ?? WebLocalization.Chinese))
            .SingleAsync(ct);

    /// <summary>Sets e-mail and digest on or off, the address, and the language; a field left out stays as it is.</summary>
    public static async Task<Results<Ok<NotificationSettings>, ValidationProblem>> PutSettings(
        NotificationSettings request, CurrentActor current, WorkflowDbContext db, CancellationToken ct)
    {
        var actor = await current.GetAsync(ct);
        if (Validate(request) is { } invalid)
        {
            return invalid;
        }

        await SaveSettingsAsync(db, actor.Id, request, ct);
        return TypedResults.Ok(await SettingsAsync(db, actor.Id, ct));
    }

    public static ValidationProblem? Validate(NotificationSettings request)
    {
        var errors = new Dictionary<string, string[]>();
        var address = request.EmailAddress?.Trim();
        if (!string.IsNullOrEmpty(address) && (address.Length > MaxEmailLength || !IsAddress(address)))
        {
            errors["emailAddress"] = [$"Not an e-mail address (name@example.com, at most {MaxEmailLength} characters)."];
        }

        if (request.Language is { } language && !WebLocalization.IsSupported(language))
        {
            errors["language"] = ["The language is zh-CN or en."];
        }

        return errors.Count == 0 ? null : Problems.Invalid(errors);
    }

    public static async Task SaveSettingsAsync(WorkflowDbContext db, string employeeId, NotificationSettings request, CancellationToken ct)
    {
        var employee = await db.Users.SingleAsync(u => u.Id == employeeId, ct);
        if (request.Email is { } email)
        {
            employee.EmailOff = !email;
        }

        if (request.Digest is { } digest)
        {
            employee.DigestOff = !digest;
        }

        if (request.EmailAddress is not null)
        {
            var address = request.EmailAddress.Trim();
            employee.Email = address.Length == 0 ? null : address;
            employee.NormalizedEmail = employee.Email?.ToUpperInvariant();
            employee.EmailConfirmed = false;
        }

        if (request.Language is { } language)
        {
            employee.Language = NotificationText.LanguageOf(language);
        }

        await db.SaveChangesAsync(ct);
    }

    private static bool IsAddress(string address) =>
        MailAddress.TryCreate(address, out var parsed) && parsed.Address == address && address.Contains('.', StringComparison.Ordinal);

    /// <summary>HR: deliveries by status (default the failed ones), newest change first.</summary>
    public static async Task<Results<Ok<DeliveryDto[]>, ValidationProblem>> Deliveries(WorkflowDbContext db, CancellationToken ct, string? status = null)
    {
        var wanted = DeliveryStatus.Failed;
        if (status is not null && !Enum.TryParse(status, ignoreCase: true, out wanted))
        {
            return Problems.Invalid("status", "The status is Pending, Sending, Sent or Failed.");
        }

        var rows = await db.Set<NotificationDelivery>().AsNoTracking().Where(d => d.Status == wanted)
            .OrderByDescending(d => d.UpdatedAt).Take(500).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(ToDto).ToArray());
    }

    /// <summary>HR: a failed delivery gets a fresh set of attempts, starting now.</summary>
    public static async Task<Results<Ok<DeliveryDto>, ProblemHttpResult>> Retry(
        string id, WorkflowDbContext db, DepartmentClock clock, IBackgroundJobClient jobs, CancellationToken ct)
    {
        var now = clock.Now;
        var reset = await db.Set<NotificationDelivery>().Where(d => d.Id == id && d.Status == DeliveryStatus.Failed)
            .ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Status, DeliveryStatus.Pending)
                .SetProperty(d => d.Attempts, 0)
                .SetProperty(d => d.NextAttemptAt, now)
                .SetProperty(d => d.UpdatedAt, now), ct);
        var delivery = await db.Set<NotificationDelivery>().AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, ct);
        if (delivery is null)
        {
            return Problems.NotFound($"There is no delivery '{id}'.");
        }

        if (reset == 0)
        {
            return Problems.Conflict($"The delivery is {delivery.Status.ToString().ToLowerInvariant()}, not failed; there is nothing to retry.");
        }

        try
        {
            jobs.Enqueue<NotificationJobs>(j => j.DeliverAsync(id, CancellationToken.None));
        }
        catch (Exception)
        {
            // The sweeper sends it: the row says it is owed.
        }

        return TypedResults.Ok(ToDto(delivery));
    }

    public static NotificationDto ToDto(Notification n) => new(n.Id, n.Kind, n.InstanceId, n.TaskId, n.Title, n.Body, n.Url, n.CreatedAt, n.ReadAt);

    public static DeliveryDto ToDto(NotificationDelivery d) =>
        new(d.Id, d.NotificationId, d.Channel.ToString(), d.Status.ToString(), d.Attempts, d.LastError, d.UpdatedAt, d.Recipient, d.Subject, d.NextAttemptAt);
}
