using System.Globalization;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.Extensions.Localization;
using Workflows.Host.Runtime;

namespace Workflows.Host.Pages;

/// <summary>
/// Shows a filing service's answer on a form page: field errors against their inputs, in the UI language
/// (<c>{form}.{field}</c> in the resources; the service's own words when there is no entry), and a refusal as one
/// message with its status code.
/// </summary>
public static class FormAnswers
{
    public static void AddFieldErrors(this ModelStateDictionary modelState, Filing.Invalid invalid, IStringLocalizer localizer, string form)
    {
        foreach (var (field, messages) in invalid.Errors)
        {
            var localized = localizer[form + "." + field];
            var key = field.Length == 0 ? field : char.ToUpperInvariant(field[0]) + field[1..];
            modelState.AddModelError(key, localized.ResourceNotFound ? string.Join(" ", messages) : localized.Value);
        }
    }

    public static string Refusal(this IStringLocalizer localizer, Filing.Refused refused) =>
        string.Format(CultureInfo.CurrentCulture, localizer["Not done ({0}): {1}"], refused.Status, refused.Detail);

    /// <summary>An instant as department-local "yyyy-MM-dd HH:mm".</summary>
    public static string Local(this Platform.DepartmentClock clock, DateTimeOffset at) =>
        TimeZoneInfo.ConvertTime(at, clock.Zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    public static string Iso(this DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Whether the page speaks English (else Chinese).</summary>
    public static bool English => CultureInfo.CurrentUICulture.Name.StartsWith("en", StringComparison.OrdinalIgnoreCase);
}
