using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using Workflows.Host.Platform;

namespace Workflows.Host.Notifications;

/// <summary>Sends one delivery on its channel; throws when the receiver did not take it (the deliverer retries).</summary>
public interface INotificationChannel
{
    DeliveryChannel Channel { get; }

    Task SendAsync(NotificationDelivery delivery, CancellationToken ct);
}

/// <summary>
/// E-mail through SMTP with MailKit (<c>Notifications:Smtp:*</c>). The delivery's idempotency key is the message's
/// <c>Message-Id</c> and its <c>X-Idempotency-Key</c> header, so a resend after a lost mark is recognisable.
/// </summary>
public sealed class EmailChannel(IOptions<NotificationOptions> options) : INotificationChannel
{
    public DeliveryChannel Channel => DeliveryChannel.Email;

    public static string MessageId(string idempotencyKey) => $"{idempotencyKey}@workflows.notifications";

    public async Task SendAsync(NotificationDelivery delivery, CancellationToken ct)
    {
        var smtp = options.Value.Smtp;
        if (!smtp.Enabled)
        {
            throw new InvalidOperationException("E-mail is not configured (Notifications:Smtp:Host is empty).");
        }

        var message = new MimeMessage { Subject = delivery.Subject, MessageId = MessageId(delivery.IdempotencyKey) };
        message.From.Add(MailboxAddress.Parse(smtp.From));
        message.To.Add(MailboxAddress.Parse(delivery.Recipient));
        message.Headers.Add("X-Idempotency-Key", delivery.IdempotencyKey);
        message.Body = new TextPart("plain") { Text = delivery.Body };

        using var client = new SmtpClient { Timeout = 30_000 };
        var security = smtp.UseTls
            ? smtp.Port == 465 ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls
            : SecureSocketOptions.StartTlsWhenAvailable;
        await client.ConnectAsync(smtp.Host, smtp.Port, security, ct);
        if (!string.IsNullOrEmpty(smtp.UserName))
        {
            await client.AuthenticateAsync(smtp.UserName, smtp.Password, ct);
        }

        await client.SendAsync(message, ct);
        await client.DisconnectAsync(quit: true, ct);
    }
}

/// <summary>
/// The department's group robot (<c>Notifications:Webhook:*</c>): a markdown message as WeCom's (企业微信) and
/// DingTalk's (钉钉) robots accept it, with the delivery's idempotency key in the payload and in an
/// <c>Idempotency-Key</c> header. With a secret, DingTalk's signing: <c>timestamp</c> (Unix milliseconds) and
/// <c>sign</c> = Base64(HMAC-SHA256(secret, timestamp + "\n" + secret)) on the query string.
/// </summary>
public sealed class WebhookChannel(IOptions<NotificationOptions> options, IHttpClientFactory clients, DepartmentClock clock) : INotificationChannel
{
    public const string HttpClientName = "notifications-webhook";

    public DeliveryChannel Channel => DeliveryChannel.Webhook;

    public async Task SendAsync(NotificationDelivery delivery, CancellationToken ct)
    {
        var hook = options.Value.Webhook;
        if (!hook.Enabled)
        {
            throw new InvalidOperationException("The group robot is not configured (Notifications:Webhook:Url is empty).");
        }

        var dingTalk = string.Equals(hook.Format, "dingtalk", StringComparison.OrdinalIgnoreCase);
        object payload = dingTalk
            ? new { msgtype = "markdown", markdown = new { title = delivery.Subject, text = delivery.Body }, idempotencyKey = delivery.IdempotencyKey }
            : new { msgtype = "markdown", markdown = new { content = delivery.Body }, idempotencyKey = delivery.IdempotencyKey };
        var url = hook.Url;
        if (dingTalk && !string.IsNullOrEmpty(hook.Secret))
        {
            var timestamp = clock.Now.ToUnixTimeMilliseconds();
            url += (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + $"timestamp={timestamp}&sign={Uri.EscapeDataString(Sign(timestamp, hook.Secret))}";
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(payload) };
        request.Headers.Add("Idempotency-Key", delivery.IdempotencyKey);
        using var response = await clients.CreateClient(HttpClientName).SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"The robot answered {(int)response.StatusCode}: {Shorten(text)}");
        }

        // Both robots answer 200 with {"errcode":0,"errmsg":"ok"}; any other errcode is a refusal.
        if (ErrorCode(text) is { } code && code != 0)
        {
            throw new HttpRequestException($"The robot refused the message: {Shorten(text)}");
        }
    }

    public static string Sign(long timestamp, string secret) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}\n{secret}")));

    private static long? ErrorCode(string text)
    {
        try
        {
            using var json = JsonDocument.Parse(text);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("errcode", out var code) && code.TryGetInt64(out var value)
                ? value
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
