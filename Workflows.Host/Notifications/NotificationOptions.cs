namespace Workflows.Host.Notifications;

/// <summary><c>Notifications:*</c> (docs/api.md §Notifications). A channel without its address is off.</summary>
public sealed class NotificationOptions
{
    public const string Section = "Notifications";

    /// <summary>Attempts per delivery before it is marked <see cref="DeliveryStatus.Failed"/>.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The wait after the first failed attempt; each further failure doubles it (capped at <see cref="MaxRetryDelay"/>).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a claimed delivery is its deliverer's: a deliverer that died leaves it to the sweeper after this.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>When the daily digest is written, in the department's time zone.</summary>
    public TimeOnly DigestTime { get; set; } = new(9, 0);

    /// <summary>The site's address, for links in e-mails and robot messages (in-app links are relative).</summary>
    public string BaseUrl { get; set; } = "http://localhost:5080";

    public SmtpOptions Smtp { get; set; } = new();

    public WebhookOptions Webhook { get; set; } = new();
}

public sealed class SmtpOptions
{
    /// <summary>Empty: e-mail is off.</summary>
    public string Host { get; set; } = "";

    public int Port { get; set; } = 25;

    public string From { get; set; } = "workflows@localhost";

    public string UserName { get; set; } = "";

    public string Password { get; set; } = "";

    /// <summary>True: TLS (implicit on port 465, STARTTLS otherwise); false: STARTTLS when the server offers it.</summary>
    public bool UseTls { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Host);
}

public sealed class WebhookOptions
{
    /// <summary>Empty: the group robot is off.</summary>
    public string Url { get; set; } = "";

    /// <summary><c>wecom</c> (企业微信群机器人) or <c>dingtalk</c> (钉钉群机器人).</summary>
    public string Format { get; set; } = "wecom";

    /// <summary>DingTalk's signing secret (<c>SEC…</c>); when set, every post is signed with a timestamp and HMAC-SHA256.</summary>
    public string Secret { get; set; } = "";

    public bool Enabled => !string.IsNullOrWhiteSpace(Url);
}
