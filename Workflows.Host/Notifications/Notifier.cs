using System.Globalization;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Runtime;

namespace Workflows.Host.Notifications;

/// <summary>
/// What a notification says beyond its instance and task: who did what (transferred, reminded, returned, copied), the
/// comment, why a task came (<see cref="Via"/>), the month of a statement.
/// </summary>
/// <param name="ActorId">Who caused it; never notified of their own act.</param>
/// <param name="Via">For <see cref="NotificationKinds.TaskAssigned"/>: <c>transferred</c>, <c>delegated</c> or <c>addedSigner</c>; null for a new task.</param>
/// <param name="Month">For <see cref="NotificationKinds.StatementClosed"/>: <c>yyyy-MM</c>.</param>
public sealed record NotificationFacts(string? ActorId = null, string? Comment = null, string? Via = null, string? Month = null);

/// <summary>
/// The one way anything notifies (docs/domain.md §Notifications; ADR 0012): <see cref="NotifyAsync"/> adds, on the
/// caller's context, one <see cref="Notification"/> per recipient in their language and the outbound deliveries it is
/// owed. Nothing is saved here: the rows commit with the caller's change or not at all (inside a runner step both step
/// stores save the context's tracked rows in the step's transaction). After the commit <see cref="EnqueueCommitted"/>
/// hands the deliveries to Hangfire; the recurring sweeper sends any whose job was lost.
/// </summary>
public sealed class Notifier(
    IOptions<NotificationOptions> options,
    DepartmentClock clock,
    NotificationText text,
    IBackgroundJobClient jobs,
    Runtime.Store.IStepStore store,
    ILogger<Notifier> logger)
{
    private readonly List<NotificationDelivery> written = [];

    /// <summary>
    /// Notifies <paramref name="recipientIds"/> (duplicates, unknown ids and the actor are dropped) of
    /// <paramref name="kind"/> (<see cref="NotificationKinds"/>) about <paramref name="instance"/> and
    /// <paramref name="task"/>. Adds rows to <paramref name="db"/>; the caller commits them.
    /// </summary>
    public async Task<IReadOnlyList<Notification>> NotifyAsync(
        WorkflowDbContext db, IEnumerable<string> recipientIds, string kind, WorkflowInstance? instance, WorkflowTask? task,
        NotificationFacts? facts, CancellationToken ct)
    {
        var (notifications, deliveries) = await WriteAsync(db, row => db.Add(row), recipientIds, kind, instance, task, facts, ct);
        written.AddRange(deliveries);
        return notifications;
    }

    /// <summary>
    /// As <see cref="NotifyAsync"/>, but the rows go to <paramref name="add"/> (a runner step's rows, which its store writes
    /// at commit) and the caller enqueues the deliveries returned once that commit succeeded (<see cref="Enqueue"/>).
    /// </summary>
    public Task<(IReadOnlyList<Notification> Notifications, IReadOnlyList<NotificationDelivery> Deliveries)> NotifyInStepAsync(
        WorkflowDbContext db, Action<object> add, IEnumerable<string> recipientIds, string kind, WorkflowInstance? instance, WorkflowTask? task,
        NotificationFacts? facts, CancellationToken ct) =>
        WriteAsync(db, add, recipientIds, kind, instance, task, facts, ct);

    private async Task<(IReadOnlyList<Notification> Notifications, IReadOnlyList<NotificationDelivery> Deliveries)> WriteAsync(
        WorkflowDbContext db, Action<object> add, IEnumerable<string> recipientIds, string kind, WorkflowInstance? instance, WorkflowTask? task,
        NotificationFacts? facts, CancellationToken ct)
    {
        if (!NotificationKinds.All.Contains(kind))
        {
            throw new ArgumentException($"Unknown notification kind '{kind}'.", nameof(kind));
        }

        facts ??= new NotificationFacts();
        var ids = recipientIds.Where(id => !string.IsNullOrEmpty(id) && id != facts.ActorId).Distinct(StringComparer.Ordinal).ToList();
        if (ids.Count == 0)
        {
            return ([], []);
        }

        var named = new List<string>(ids);
        if (instance?.SubjectId is { } subjectId)
        {
            named.Add(subjectId);
        }

        if (facts.ActorId is { } actorId)
        {
            named.Add(actorId);
        }

        var people = (await store.ContactsAsync(db, named, ct)).ToDictionary(p => p.Id, StringComparer.Ordinal);
        var settings = options.Value;
        var now = clock.Now;
        var about = new NotificationSubject(
            kind,
            instance?.Type,
            instance is null ? null : people.GetValueOrDefault(instance.SubjectId)?.Name,
            task?.Step,
            task?.Title,
            task?.DueAt,
            facts.ActorId is null ? null : people.GetValueOrDefault(facts.ActorId)?.Name,
            facts.Comment,
            instance?.Outcome,
            facts.Via,
            facts.Month);
        var url = instance is not null ? $"/Instances/{instance.Id}" : facts.Month is not null ? $"/Statements/Mine?month={facts.Month}" : "/Notifications";

        var notifications = new List<Notification>();
        var deliveries = new List<NotificationDelivery>();
        foreach (var id in ids)
        {
            if (!people.TryGetValue(id, out var person))
            {
                continue;
            }

            var language = NotificationText.LanguageOf(person.Language);
            var (title, body) = text.Render(about, language);
            var notification = new Notification
            {
                RecipientId = id,
                Kind = kind,
                InstanceId = instance?.Id,
                TaskId = task?.Id,
                Language = language,
                Title = title,
                Body = body,
                Url = url,
                CreatedAt = now,
            };
            add(notification);
            notifications.Add(notification);

            // Someone who chose the digest hears of their open tasks once a day, not once per task.
            var perTaskMail = !NotificationKinds.IsTaskKind(kind) || person.DigestOff;
            if (settings.Smtp.Enabled && !person.EmailOff && perTaskMail && !string.IsNullOrWhiteSpace(person.Email))
            {
                deliveries.Add(new NotificationDelivery
                {
                    NotificationId = notification.Id,
                    Channel = DeliveryChannel.Email,
                    Recipient = person.Email,
                    Subject = title,
                    Body = body + "\n\n" + Absolute(settings, url),
                    CreatedAt = now,
                    NextAttemptAt = now,
                    UpdatedAt = now,
                });
            }
        }

        // The group robot gets one message per event, naming everyone it concerns, in the department's language.
        if (settings.Webhook.Enabled && notifications.Count > 0)
        {
            var names = string.Join("、", notifications.Select(n => people[n.RecipientId].Name));
            var (title, markdown) = text.RenderForGroup(about, names, Absolute(settings, url));
            deliveries.Add(new NotificationDelivery
            {
                NotificationId = notifications[0].Id,
                Channel = DeliveryChannel.Webhook,
                Recipient = names,
                Subject = title,
                Body = markdown,
                CreatedAt = now,
                NextAttemptAt = now,
                UpdatedAt = now,
            });
        }

        foreach (var delivery in deliveries)
        {
            add(delivery);
        }

        return (notifications, deliveries);
    }

    /// <summary>After a runner step's commit: a Hangfire job for each delivery it wrote (<see cref="NotifyInStepAsync"/>).</summary>
    public void Enqueue(IEnumerable<NotificationDelivery> deliveries)
    {
        foreach (var delivery in deliveries)
        {
            EnqueueOne(delivery);
        }
    }

    /// <summary>A delivery written outside <see cref="NotifyAsync"/> (the digest); enqueued by <see cref="EnqueueCommitted"/> like the others.</summary>
    internal void Add(WorkflowDbContext db, NotificationDelivery delivery)
    {
        db.Add(delivery);
        written.Add(delivery);
    }

    /// <summary>
    /// After the commit: enqueues a delivery job for each delivery written through this notifier that is now saved on
    /// <paramref name="db"/>. Deliveries of a step that rolled back are forgotten. A job that cannot be enqueued is
    /// left to the sweeper (<see cref="NotificationJobs.SweepAsync"/>).
    /// </summary>
    public void EnqueueCommitted(WorkflowDbContext db)
    {
        if (written.Count == 0)
        {
            return;
        }

        foreach (var delivery in written)
        {
            if (delivery.Enqueued || db.Entry(delivery).State != EntityState.Unchanged)
            {
                continue;
            }

            EnqueueOne(delivery);
        }

        written.Clear();
    }

    private void EnqueueOne(NotificationDelivery delivery)
    {
        delivery.Enqueued = true;
        try
        {
            jobs.Enqueue<NotificationJobs>(j => j.DeliverAsync(delivery.Id, CancellationToken.None));
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not enqueue delivery {Delivery}; the sweeper will send it.", delivery.Id);
        }
    }

    internal static string Absolute(NotificationOptions settings, string url) => settings.BaseUrl.TrimEnd('/') + url;

}

/// <summary>Everything a notification's text is made of.</summary>
public sealed record NotificationSubject(
    string Kind, string? Type, string? SubjectName, string? Step, string? TaskTitle, DateTimeOffset? DueAt,
    string? ActorName, string? Comment, string? Outcome, string? Via, string? Month);
