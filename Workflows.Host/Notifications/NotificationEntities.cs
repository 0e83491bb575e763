using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Workflows.Host.Organization;

namespace Workflows.Host.Notifications;

/// <summary>What a notification is about (docs/domain.md §Notifications); the API's <c>kind</c>.</summary>
public static class NotificationKinds
{
    public const string TaskAssigned = "task.assigned";
    public const string TaskDueSoon = "task.dueSoon";
    public const string TaskOverdue = "task.overdue";
    public const string TaskReminded = "task.reminded";
    public const string InstanceReturned = "instance.returned";
    public const string InstanceDecided = "instance.decided";
    public const string InstanceCc = "instance.cc";
    public const string StatementClosed = "statement.closed";

    public static readonly IReadOnlyList<string> All =
        [TaskAssigned, TaskDueSoon, TaskOverdue, TaskReminded, InstanceReturned, InstanceDecided, InstanceCc, StatementClosed];

    /// <summary>Kinds about one open task: a person who chose the daily digest gets these in the digest, not one e-mail each.</summary>
    public static bool IsTaskKind(string kind) => kind is TaskAssigned or TaskDueSoon or TaskOverdue or TaskReminded;
}

/// <summary>
/// One message to one person, in their language, written in the transaction of the change that causes it. Its
/// in-app delivery is the row itself (visible once committed); the outbound channels have a
/// <see cref="NotificationDelivery"/> each.
/// </summary>
public sealed class Notification
{
    public string Id { get; init; } = Guid.NewGuid().ToString();

    public string RecipientId { get; init; } = "";

    public string Kind { get; init; } = "";

    public string? InstanceId { get; init; }

    public string? TaskId { get; init; }

    /// <summary>The culture the title and body were rendered in (zh-CN or en).</summary>
    public string Language { get; init; } = "";

    public string Title { get; init; } = "";

    public string Body { get; init; } = "";

    /// <summary>The page it links to, relative to the site (<c>/Instances/…</c>).</summary>
    public string Url { get; init; } = "";

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? ReadAt { get; set; }
}

public enum DeliveryChannel
{
    Email,
    Webhook,
}

public enum DeliveryStatus
{
    /// <summary>Waiting for its next attempt (<see cref="NotificationDelivery.NextAttemptAt"/>).</summary>
    Pending,

    /// <summary>Claimed by a deliverer until <see cref="NotificationDelivery.ClaimedUntil"/>; a crash leaves it here and the lease runs out.</summary>
    Sending,

    Sent,

    /// <summary>Out of attempts; HR sees it with its last error and may retry it.</summary>
    Failed,
}

/// <summary>
/// One outbound message on one channel: an e-mail to one address or one post to the department's group robot. It is
/// self-contained (address, subject and text rendered when it was written), so sending it needs nothing else. The
/// database row, not a job, says whether it is owed: a deliverer claims it with a conditional update, sends it with its
/// <see cref="IdempotencyKey"/>, and marks it.
/// </summary>
public sealed class NotificationDelivery
{
    public string Id { get; init; } = Guid.NewGuid().ToString();

    /// <summary>The notification it carries; null for a daily digest, which sums up open tasks instead.</summary>
    public string? NotificationId { get; init; }

    public DeliveryChannel Channel { get; init; }

    /// <summary>The e-mail address (e-mail); the recipients' names (webhook, for HR's list).</summary>
    public string Recipient { get; init; } = "";

    public string Subject { get; init; } = "";

    /// <summary>Plain text (e-mail) or markdown (webhook).</summary>
    public string Body { get; init; } = "";

    /// <summary>Sent with every attempt (SMTP <c>Message-Id</c> and a header; the webhook payload): a receiver that got an attempt whose mark was lost can drop the repeat.</summary>
    public string IdempotencyKey { get; init; } = Guid.NewGuid().ToString("N");

    public DeliveryStatus Status { get; set; }

    public int Attempts { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset NextAttemptAt { get; set; }

    public DateTimeOffset? ClaimedUntil { get; set; }

    public DateTimeOffset? SentAt { get; set; }

    public string? LastError { get; set; }

    /// <summary>When it last changed state (the API's <c>at</c>).</summary>
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Its job was enqueued after the commit that wrote it (not stored: the sweeper covers lost jobs).</summary>
    internal bool Enqueued { get; set; }
}

/// <summary>The daily digest of one department date was written: its key makes it once per day, even with two nodes.</summary>
public sealed class NotificationDigestRun
{
    public DateOnly Date { get; init; }

    public DateTimeOffset WrittenAt { get; init; }

    public int Digests { get; init; }
}

internal sealed class NotificationConfiguration : IEntityTypeConfiguration<Notification>
{
    public void Configure(EntityTypeBuilder<Notification> n)
    {
        n.ToTable("Notifications");
        n.Property(x => x.Id).HasMaxLength(36);
        n.Property(x => x.RecipientId).HasMaxLength(450);
        n.Property(x => x.Kind).HasMaxLength(40);
        n.Property(x => x.InstanceId).HasMaxLength(36);
        n.Property(x => x.TaskId).HasMaxLength(36);
        n.Property(x => x.Language).HasMaxLength(10);
        n.Property(x => x.Title).HasMaxLength(300);
        n.Property(x => x.Body).HasMaxLength(4000);
        n.Property(x => x.Url).HasMaxLength(300);
        n.HasOne<Employee>().WithMany().HasForeignKey(x => x.RecipientId).OnDelete(DeleteBehavior.Cascade);
        // The bell and the list: one person's, newest first, and the unread among them.
        n.HasIndex(x => new { x.RecipientId, x.CreatedAt });
        n.HasIndex(x => new { x.RecipientId, x.ReadAt });
    }
}

internal sealed class NotificationDeliveryConfiguration : IEntityTypeConfiguration<NotificationDelivery>
{
    public void Configure(EntityTypeBuilder<NotificationDelivery> d)
    {
        d.ToTable("NotificationDeliveries");
        d.Property(x => x.Id).HasMaxLength(36);
        d.Property(x => x.NotificationId).HasMaxLength(36);
        d.Property(x => x.Channel).HasConversion<string>().HasMaxLength(10);
        d.Property(x => x.Status).HasConversion<string>().HasMaxLength(10);
        d.Property(x => x.Recipient).HasMaxLength(1000);
        d.Property(x => x.Subject).HasMaxLength(300);
        d.Property(x => x.Body).HasMaxLength(16000);
        d.Property(x => x.IdempotencyKey).HasMaxLength(64);
        d.Property(x => x.LastError).HasMaxLength(2000);
        d.Ignore(x => x.Enqueued);
        d.HasOne<Notification>().WithMany().HasForeignKey(x => x.NotificationId).OnDelete(DeleteBehavior.Cascade);
        d.HasIndex(x => x.IdempotencyKey).IsUnique();
        // The sweeper: deliveries owed (pending and due, or a lease that ran out); HR's list of failed ones.
        d.HasIndex(x => new { x.Status, x.NextAttemptAt });
    }
}

internal sealed class NotificationDigestRunConfiguration : IEntityTypeConfiguration<NotificationDigestRun>
{
    public void Configure(EntityTypeBuilder<NotificationDigestRun> r)
    {
        r.ToTable("NotificationDigestRuns");
        r.HasKey(x => x.Date);
        r.Property(x => x.Date).ValueGeneratedNever();
    }
}
