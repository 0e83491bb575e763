using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Workflows.Host.Platform;

/// <summary>
/// Every error leaves as RFC 7807 ProblemDetails with a human-readable detail. Expected failures
/// are returned by handlers as typed results; this file holds the shared shapes and the last-resort
/// handler that turns framework exceptions (bad JSON, concurrency) into the right 4xx.
/// </summary>
public static class Problems
{
    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict");

    public static ProblemHttpResult Unprocessable(string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status422UnprocessableEntity, title: "Rule violated");

    public static ProblemHttpResult Unauthorized(string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized");

    public static ValidationProblem Invalid(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, detail: "The request has invalid or missing fields: " + string.Join(", ", errors.Keys) + ".",
            title: "Invalid request");

    public static ValidationProblem Invalid(string field, string message) =>
        Invalid(new Dictionary<string, string[]> { [field] = [message] });

    public static IHostApplicationBuilder AddProblemResponses(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            ctx.ProblemDetails.Instance ??= ctx.HttpContext.Request.Path;
            ctx.ProblemDetails.Detail ??= ctx.ProblemDetails.Status switch
            {
                StatusCodes.Status401Unauthorized => "Sign in first: send a bearer token from POST /api/auth/login.",
                StatusCodes.Status403Forbidden => "You are signed in but not allowed to do this.",
                StatusCodes.Status404NotFound => "There is nothing at this address.",
                StatusCodes.Status405MethodNotAllowed => "This address does not accept that method.",
                StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
                StatusCodes.Status415UnsupportedMediaType => "Send JSON with Content-Type: application/json.",
                _ => ctx.ProblemDetails.Title,
            };
        });
        builder.Services.AddExceptionHandler<KnownExceptionHandler>();
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return builder;
    }

    /// <summary>Maps the exceptions a client can cause to 4xx; anything else stays a logged 500.</summary>
    private sealed class KnownExceptionHandler(IProblemDetailsService problems, ILogger<KnownExceptionHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            var (status, title, detail) = exception switch
            {
                BadHttpRequestException bad when bad.InnerException is JsonException json =>
                    (StatusCodes.Status400BadRequest, "Malformed request", "The body is not valid JSON for this request: " + json.Message),
                BadHttpRequestException bad => (bad.StatusCode, "Bad request", bad.Message),
                JsonException json => (StatusCodes.Status400BadRequest, "Malformed request", "The body is not valid JSON for this request: " + json.Message),
                DbUpdateConcurrencyException => (StatusCodes.Status409Conflict, "Conflict", "Someone else changed this at the same time. Reload and try again."),
                // Two requests creating the same thing at once (a group's name, a user name): the database's unique key
                // let one in; the other is told so instead of failing.
                DbUpdateException unique when Data.DbErrors.IsConflict(unique) =>
                    (StatusCodes.Status409Conflict, "Conflict", "A concurrent request created the same thing just now; nothing more was written. Reload and check."),
                // Sums over amounts stored before the bounds existed: say so instead of failing (docs/domain.md §Limits).
                Definitions.Ledger.AmountOverflowException overflow => (StatusCodes.Status422UnprocessableEntity, "Amounts out of range",
                    await Pages.EmployeeNames.OverflowInWordsAsync(httpContext.RequestServices.GetRequiredService<Data.WorkflowDbContext>(), overflow, cancellationToken)),
                _ => (0, "", ""),
            };
            if (status == 0)
            {
                return false;
            }

            logger.LogInformation("Request {Path} answered {Status}: {Detail}", httpContext.Request.Path, status, detail);
            httpContext.Response.StatusCode = status;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                Exception = exception,
                ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
            });
        }
    }
}
