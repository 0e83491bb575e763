using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;

namespace Workflows.Host.Pages;

/// <summary>
/// What an API handler answered, for a page that calls the same handler: the pages reuse the API's
/// handlers (their validation and permission rules) instead of repeating them, and show a refusal's
/// status and detail on the page.
/// </summary>
public sealed record ApiOutcome(int Status, string? Detail, object? Value)
{
    public bool Succeeded => Status is >= 200 and < 300;

    public T ValueAs<T>() => Value is T value ? value : throw new InvalidOperationException($"The answer holds no {typeof(T).Name}.");

    public static ApiOutcome Of(IResult result) => result switch
    {
        INestedHttpResult nested => Of(nested.Result),
        ValidationProblem validation => new(validation.StatusCode, Describe(validation.ProblemDetails), null),
        ProblemHttpResult problem => new(problem.StatusCode, Describe(problem.ProblemDetails), null),
        IValueHttpResult value and IStatusCodeHttpResult status => new(status.StatusCode ?? StatusCodes.Status200OK, null, value.Value),
        IStatusCodeHttpResult status => new(status.StatusCode ?? StatusCodes.Status200OK, null, null),
        _ => throw new InvalidOperationException($"Unexpected API result {result.GetType().Name}."),
    };

    private static string Describe(Microsoft.AspNetCore.Mvc.ProblemDetails problem)
    {
        var errors = problem is HttpValidationProblemDetails validation ? validation.Errors.SelectMany(e => e.Value) : [];
        var parts = new[] { problem.Detail }.Concat(errors).Where(p => !string.IsNullOrWhiteSpace(p)).Distinct(StringComparer.Ordinal).ToList();
        return parts.Count > 0 ? string.Join(" ", parts) : problem.Title ?? "";
    }
}
