using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Workflows.Host.Platform;

/// <summary>
/// Query-string values read one way by the API and the pages: dates as <c>yyyy-MM-dd</c> within <see cref="DateBounds"/>,
/// enums by their names only (never a number, never an undefined value).
/// </summary>
public static class QueryValues
{
    /// <summary>A date filter: null and no problem when empty; otherwise the date, or the reason it is none.</summary>
    public static string? Date(string? text, out DateOnly? date)
    {
        date = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (!DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            return $"'{text}' is not a date (yyyy-MM-dd).";
        }

        if (!DateBounds.Contains(parsed))
        {
            return DateBounds.Message(parsed);
        }

        date = parsed;
        return null;
    }

    /// <summary>The page's words for <see cref="Date"/>'s problem with <paramref name="field"/>.</summary>
    public static string DateProblem(IStringLocalizer localizer, string field, string? text) =>
        DateOnly.TryParseExact(text?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
            ? localizer["{0}: {1} is out of range ({2} to {3}).", localizer[field], text!.Trim(), DateBounds.Earliest.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                DateBounds.Latest.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)]
            : localizer["{0}: '{1}' is not a date (yyyy-MM-dd).", localizer[field], text ?? ""];

    /// <summary>An enum by one of its names (any case); numbers, flags and undefined values are not names.</summary>
    public static bool TryName<T>(string? text, out T value)
        where T : struct, Enum
    {
        var name = Enum.GetNames<T>().FirstOrDefault(n => string.Equals(n, text?.Trim(), StringComparison.OrdinalIgnoreCase));
        value = name is null ? default : Enum.Parse<T>(name);
        return name is not null;
    }

    /// <summary>
    /// The API's query-string enums by name only: minimal APIs bind an enum with <c>Enum.TryParse</c>, which also takes
    /// "1", "99" or "1,2". Every endpoint whose handler has an enum parameter bound from the query is checked here
    /// first; a value that is not one of the names is a 400 naming the parameter.
    /// </summary>
    public static IApplicationBuilder UseEnumQueryNames(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var handler = context.GetEndpoint()?.Metadata.GetMetadata<MethodInfo>();
        if (handler is not null && context.Request.QueryString.HasValue)
        {
            foreach (var parameter in handler.GetParameters())
            {
                var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
                if (!type.IsEnum || parameter.Name is null || !context.Request.Query.TryGetValue(parameter.Name, out var values))
                {
                    continue;
                }

                var names = Enum.GetNames(type);
                // Exactly a name, as the binder after this reads it (case included).
                if (values.Count > 1 || values.Any(v => !string.IsNullOrEmpty(v) && !names.Contains(v, StringComparer.Ordinal)))
                {
                    var detail = $"{parameter.Name} must be one of {string.Join(", ", names)}.";
                    context.Response.StatusCode = StatusCodes.Status400BadRequest;
                    await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                    {
                        HttpContext = context,
                        ProblemDetails = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [parameter.Name] = [detail] })
                        {
                            Status = StatusCodes.Status400BadRequest, Title = "Invalid request", Detail = detail,
                        },
                    });
                    return;
                }
            }
        }

        await next();
    });
}
