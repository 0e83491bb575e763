using System.Globalization;
using Microsoft.Extensions.Localization;
using Workflows.Host.Pages;
using Workflows.Host.Platform;

namespace Workflows.Host.Notifications;

/// <summary>
/// A notification's words in one language, from the same glossary as the pages (<c>Resources/SharedResource.*.resx</c>,
/// keys <c>Notify.*</c>, <c>Type.*</c>, <c>Step.*</c>, <c>Outcome.*</c>): who it is about, what is asked, by when.
/// Rendered when the notification is written, in the recipient's language, so the text does not change afterwards.
/// </summary>
public sealed class NotificationText(IStringLocalizer<SharedResource> localizer, DepartmentClock clock)
{
    public static string LanguageOf(string? language) =>
        string.Equals(language, WebLocalization.English, StringComparison.OrdinalIgnoreCase) ? WebLocalization.English : WebLocalization.Chinese;

    public (string Title, string Body) Render(NotificationSubject about, string language) =>
        InCulture(language, () =>
        {
            var args = Arguments(about);
            var title = Format($"Notify.{about.Kind}.Title", args);
            var parts = new List<string>();
            if (about.Kind == NotificationKinds.TaskAssigned && about.Via is { } via)
            {
                parts.Add(Format($"Notify.Via.{via}", args));
            }

            parts.Add(Format($"Notify.{about.Kind}.Body", args));
            if (about.Kind == NotificationKinds.TaskAssigned && about.DueAt is not null)
            {
                parts.Add(Format("Notify.DueBy", args));
            }

            if (!string.IsNullOrWhiteSpace(about.Comment))
            {
                parts.Add(Format("Notify.Comment", args));
            }

            var separator = language == WebLocalization.English ? " " : "";
            return (title, string.Join(separator, parts));
        });

    /// <summary>The group robot's markdown: a heading, the text, whom it concerns, and the link.</summary>
    public (string Title, string Markdown) RenderForGroup(NotificationSubject about, string names, string absoluteUrl)
    {
        var (title, body) = Render(about, WebLocalization.Chinese);
        var markdown = InCulture(WebLocalization.Chinese, () =>
            $"### {title}\n\n{body}\n\n{Format("Notify.Recipients", [names])}\n\n[{localizer["Notify.Open"].Value}]({absoluteUrl})");
        return (title, markdown);
    }

    /// <summary>The daily digest: open tasks, overdue first.</summary>
    public (string Subject, string Body) RenderDigest(IReadOnlyList<DigestItem> items, string language, string baseUrl) =>
        InCulture(language, () =>
        {
            var now = clock.Now;
            var lines = items.Select(i =>
            {
                var args = Arguments(new NotificationSubject(NotificationKinds.TaskAssigned, i.Type, i.SubjectName, i.Step, i.Title, i.DueAt, null, null, null, null, null));
                var line = Format(i.DueAt is null ? "Notify.Digest.Line" : "Notify.Digest.LineDue", args);
                var overdue = i.DueAt is { } due && due <= now ? localizer["Notify.Digest.Overdue"].Value : "";
                return $"- {overdue}{line} {baseUrl.TrimEnd('/')}/Instances/{i.InstanceId}";
            });
            var count = items.Count.ToString(CultureInfo.InvariantCulture);
            return (Format("Notify.Digest.Subject", [count]), Format("Notify.Digest.Body", [count]) + "\n\n" + string.Join("\n", lines));
        });

    private string[] Arguments(NotificationSubject about) =>
    [
        about.SubjectName ?? "—",
        about.Type is null ? "" : localizer.Term("Type", about.Type),
        about.Type is null || about.Step is null ? "" : localizer.StepName(about.Type, about.Step, about.TaskTitle ?? about.Step),
        about.DueAt is { } due ? TimeZoneInfo.ConvertTime(due, clock.Zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "",
        about.ActorName ?? "—",
        about.Comment ?? "",
        about.Outcome is null ? "" : localizer.Term("Outcome", about.Outcome),
        about.Month ?? "",
    ];

    private string Format(string key, string[] args)
    {
        var template = localizer[key];
        if (template.ResourceNotFound)
        {
            throw new InvalidOperationException($"No notification text '{key}'.");
        }

        return string.Format(CultureInfo.InvariantCulture, template.Value, args);
    }

    private static T InCulture<T>(string language, Func<T> render)
    {
        var before = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(language);
            return render();
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
    }
}

public sealed record DigestItem(string InstanceId, string Type, string SubjectName, string Step, string Title, DateTimeOffset? DueAt);
