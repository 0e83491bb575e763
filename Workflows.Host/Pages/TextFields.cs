using System.Globalization;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.Extensions.Localization;
using Workflows.Definitions;

namespace Workflows.Host.Pages;

/// <summary>
/// A form's free-text fields against <see cref="TextLimits.Text"/>: a text that is too long is told so ("最多 2000 字，
/// 现在 2345 字"), never the field's general "请填写…" line, and the text itself is kept in the field.
/// </summary>
public static class TextFields
{
    /// <summary>Replaces the error of every field in <paramref name="fields"/> whose text is over the limit.</summary>
    public static void SayTooLong(this ModelStateDictionary modelState, IStringLocalizer localizer, params (string Key, string? Text)[] fields)
    {
        foreach (var (key, text) in fields)
        {
            if (text is { Length: > TextLimits.Text })
            {
                modelState.Remove(key);
                modelState.AddModelError(key, TooLong(localizer, text.Length));
            }
        }
    }

    public static string TooLong(IStringLocalizer localizer, int length) =>
        string.Format(CultureInfo.CurrentCulture, localizer["P19_Too long: at most {0} characters, this has {1}."], TextLimits.Text, length);
}
