namespace Workflows.Host.Notifications;

public static class NotificationSetup
{
    public static IHostApplicationBuilder AddNotifications(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<NotificationOptions>().BindConfiguration(NotificationOptions.Section)
            .Validate(o => o.MaxAttempts >= 1, "Notifications:MaxAttempts is at least 1.")
            .Validate(o => o.RetryDelay > TimeSpan.Zero && o.Lease > TimeSpan.Zero, "Notifications:RetryDelay and Notifications:Lease are positive.")
            .Validate(o => o.Webhook.Format is "wecom" or "dingtalk", "Notifications:Webhook:Format is wecom or dingtalk.")
            .ValidateOnStart();
        builder.Services.AddScoped<NotificationText>();
        builder.Services.AddScoped<Notifier>();
        builder.Services.AddScoped<NotificationJobs>();
        builder.Services.AddScoped<INotificationChannel, EmailChannel>();
        builder.Services.AddScoped<INotificationChannel, WebhookChannel>();
        builder.Services.AddHttpClient(WebhookChannel.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(30));
        return builder;
    }
}
