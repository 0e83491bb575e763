using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Workflows.Host.Notifications;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Notifications;

/// <summary>The host with e-mail pointed at an in-process SMTP server and the group robot at a listener, both on loopback.</summary>
public abstract class NotifyingApp(Lane lane) : WorkflowsApp(lane)
{
    public const int MaxAttempts = 3;

    public SmtpReceiver Smtp { get; } = new();

    public WebhookReceiver Robot { get; } = new();

    public NotificationOptions Options => Services.GetRequiredService<IOptions<NotificationOptions>>().Value;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Notifications:Smtp:Host", "127.0.0.1");
        builder.UseSetting("Notifications:Smtp:Port", Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Notifications:Smtp:From", "workflows@example.test");
        builder.UseSetting("Notifications:Webhook:Url", Robot.Url);
        builder.UseSetting("Notifications:Webhook:Format", "wecom");
        builder.UseSetting("Notifications:MaxAttempts", MaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Notifications:RetryDelay", "00:01:00");
        builder.UseSetting("Notifications:Lease", "00:05:00");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Smtp.DisposeAsync();
        Robot.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>What Hangfire's workers do with the jobs the host enqueued: deliver everything owed now.</summary>
    public async Task<int> DeliverOwedAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        var jobs = scope.ServiceProvider.GetRequiredService<NotificationJobs>();
        var sent = 0;
        foreach (var id in await jobs.OwedAsync(1000, CancellationToken.None))
        {
            await using var one = Services.CreateAsyncScope();
            if (await one.ServiceProvider.GetRequiredService<NotificationJobs>().DeliverAsync(id, CancellationToken.None))
            {
                sent++;
            }
        }

        return sent;
    }

    public Task<List<NotificationDelivery>> DeliveriesAsync(Func<NotificationDelivery, bool> match) =>
        WithDbAsync(async db => (await db.Set<NotificationDelivery>().AsNoTracking().ToListAsync()).Where(match).ToList());

    public Task<List<Notification>> NotificationsAsync(Func<Notification, bool> match) =>
        WithDbAsync(async db => (await db.Set<Notification>().AsNoTracking().ToListAsync()).Where(match).ToList());
}

public sealed class NotifyingSqliteApp() : NotifyingApp(Lane.Sqlite);

public sealed class NotifyingPostgresApp() : NotifyingApp(Lane.Postgres)
{
    public override ValueTask InitializeAsync() =>
        PostgresLane.ServerConnectionString is null ? ValueTask.CompletedTask : base.InitializeAsync();
}
