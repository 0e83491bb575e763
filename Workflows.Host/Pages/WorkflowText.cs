using System.Globalization;
using Microsoft.Extensions.Localization;
using Workflows.Definitions.Engine;
using Workflows.Host.Platform;
using Workflows.Host.Runtime;

namespace Workflows.Host.Pages;

/// <summary>
/// The words the workflow pages need beyond single terms: step names, the runner's refusals and due times,
/// all in the reader's language.
/// </summary>
public static class WorkflowText
{
    /// <summary>
    /// A step's name: the resource entry <c>Step.{design}.{step}</c>, else <c>Step.{type}.{step}</c> (the promotion
    /// designs share their step names), else the task's title from the design (its Chinese or English half of a
    /// "中文 / English" title), else the step id.
    /// </summary>
    public static string StepName(this IStringLocalizer localizer, WorkflowDesign? design, string? stepId)
    {
        if (string.IsNullOrEmpty(stepId))
        {
            return "—";
        }

        if (design is null)
        {
            return stepId;
        }

        foreach (var key in new[] { $"Step.{design.Name}.{stepId}", $"Step.{design.Type}.{stepId}" })
        {
            var found = localizer[key];
            if (!found.ResourceNotFound)
            {
                return found.Value;
            }
        }

        return design.Steps.TryGetValue(stepId, out var step) && step is TaskStep task ? InLanguage(task.Title) : stepId;
    }

    /// <summary>A task's step name from its type and its title as created (the inbox has no design at hand).</summary>
    public static string StepName(this IStringLocalizer localizer, string type, string stepId, string title)
    {
        var found = localizer[$"Step.{type}.{stepId}"];
        return found.ResourceNotFound ? InLanguage(title) : found.Value;
    }

    /// <summary>The half of a bilingual "中文 / English" title in the UI language; the whole title when it is not bilingual.</summary>
    public static string InLanguage(string title)
    {
        var parts = title.Split(" / ", 2, StringSplitOptions.TrimEntries);
        if (parts.Length < 2)
        {
            return title;
        }

        var chineseFirst = parts[0].Any(IsCjk);
        var english = IsEnglish;
        return (chineseFirst ^ english) ? parts[0] : parts[1];
    }

    public static bool IsEnglish => CultureInfo.CurrentUICulture.Name.StartsWith(WebLocalization.English, StringComparison.OrdinalIgnoreCase);

    private static bool IsCjk(char c) => c is >= '\u4e00' and <= '\u9fff';

    /// <summary>
    /// Why the runner refused, in the reader's language: the translation of its code (<c>Refusal.{code}</c>),
    /// with the fields an action still needs; the runner's English sentence only for a refusal without a known code.
    /// </summary>
    public static string Refusal(this IStringLocalizer localizer, RunResult.Refused refused)
    {
        var found = refused.Code is null ? null : localizer["Refusal." + refused.Code];
        if (found is null || found.ResourceNotFound)
        {
            return refused.Errors is { Count: > 0 } errors
                ? refused.Detail + " " + string.Join(" ", errors.SelectMany(e => e.Value))
                : refused.Detail;
        }

        var text = found.Value;
        if (refused.Code == nameof(RejectionCode.MissingData) && refused.Errors is { Count: > 0 } missing)
        {
            var fields = missing.Keys.Select(k => localizer.Term("Field", k.StartsWith("data.", StringComparison.Ordinal) ? k[5..] : k));
            text += " " + localizer["needs {0}", string.Join(IsEnglish ? ", " : "、", fields)];
        }

        return text;
    }

    /// <summary>"Overdue by 2 days", "due in 5 h": how far a due time is from now, in whole days, hours or minutes.</summary>
    public static string RelativeDue(this IStringLocalizer localizer, DateTimeOffset due, DateTimeOffset now)
    {
        var span = due - now;
        return span < TimeSpan.Zero
            ? localizer["Overdue by {0}", Span(localizer, -span)]
            : localizer["Due in {0}", Span(localizer, span)];
    }

    private static string Span(IStringLocalizer localizer, TimeSpan span)
    {
        if (span >= TimeSpan.FromDays(1))
        {
            var days = (int)span.TotalDays;
            return localizer[days == 1 ? "{0} day" : "{0} days", days];
        }

        if (span >= TimeSpan.FromHours(1))
        {
            return localizer["{0} h", (int)span.TotalHours];
        }

        return localizer["{0} min", Math.Max(1, (int)span.TotalMinutes)];
    }
}
