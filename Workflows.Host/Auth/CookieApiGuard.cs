using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Workflows.Definitions;

namespace Workflows.Host.Auth;

/// <summary>
/// The web sign-in cookie travels with every request a browser makes, also one another site makes it send. So an
/// API request that changes something (anything but GET, HEAD, OPTIONS) authenticated by the cookie alone must carry
/// the page's antiforgery token (header <c>RequestVerificationToken</c>); without it the answer is 403 and nothing
/// runs — with or without a body (withdraw, claim, release, month close, vacate, retry). Bearer tokens are not sent
/// by browsers on their own and need no token. Also shows the site's 无权访问 page to a web user who may not open the
/// jobs dashboard.
/// </summary>
public static class CookieApiGuard
{
    public static IApplicationBuilder UseCookieApiGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        var cookieUser = context.User.Identity?.IsAuthenticated == true
            && !request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);
        if (cookieUser && request.Path.StartsWithSegments("/api") && !request.Path.StartsWithSegments("/api/auth/login")
            && !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
            && !await context.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(context))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = new ProblemDetails
                {
                    Status = StatusCodes.Status403Forbidden,
                    Title = "Antiforgery token missing",
                    Detail = "A change through the API signed in by the web cookie needs the page's antiforgery token; API clients send a bearer token.",
                },
            });
            return;
        }

        await next();
    });

    /// <summary>
    /// Before routing: a web user (cookie) who is not HR asking for <c>/hangfire</c> is shown the site's 无权访问 page
    /// (403) instead of the dashboard's bare refusal. API clients (bearer) still get a 403 without a page.
    /// </summary>
    public static IApplicationBuilder UseDashboardDeniedPage(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.Path.StartsWithSegments("/hangfire")
            && !context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            && await context.AuthenticateAsync(IdentityConstants.ApplicationScheme) is { Succeeded: true } signedIn
            && !signedIn.Principal.IsInRole(CompanyRoles.HR))
        {
            context.Request.Path = "/Account/Denied";
            context.Request.QueryString = QueryString.Empty;
        }

        await next();
    });
}
