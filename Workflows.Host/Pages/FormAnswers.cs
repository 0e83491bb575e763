using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using Workflows.Host.Platform;
using Workflows.Host.Runtime;

namespace Workflows.Host.Pages;

/// <summary>
/// Shows a filing service's answer on a form page: field errors against their inputs, in the UI language
/// (<c>{form}.{field}</c> in the resources; the service's own words when there is no entry), and a refusal as one
/// message with its status code.
/// </summary>
public static class FormAnswers
{
    /// <summary>
    /// A form page's answer to a filing: filed → the new instance's page, which shows <paramref name="done"/> once;
    /// otherwise null, with the field errors in the model state or the refusal in <paramref name="refused"/>, and the
    /// response status set — the page then shows the form again.
    /// </summary>
    public static IActionResult? Answer(this PageModel page, Filing result, string done, IStringLocalizer localizer, string form, out Filing.Refused? refused)
    {
        refused = null;
        switch (result)
        {
            case Filing.Filed filed:
                page.TempData["Done"] = done;
                return new RedirectResult($"/Instances/{filed.InstanceId}");
            case Filing.Invalid invalid:
                page.ModelState.AddFieldErrors(invalid, localizer, form);
                page.Response.StatusCode = StatusCodes.Status400BadRequest;
                return null;
            case Filing.Refused refusal:
                refused = refusal;
                page.Response.StatusCode = refusal.Status;
                return null;
            default:
                throw new InvalidOperationException($"Unknown filing result {result.GetType().Name}.");
        }
    }

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
}
