using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;
using Workflows.Host.Data;
using Workflows.Host.Organization;
using Workflows.Host.Platform;

namespace Workflows.Host.Auth;

/// <param name="NewPassword">Only for an account whose password is temporary: its own password, set at this sign-in.</param>
public sealed record LoginRequest(string? UserName, string? Password, string? NewPassword = null);

public sealed record RefreshRequest(string? RefreshToken);

public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

public static class AuthApi
{
    /// <summary>The rate limit on sign-in (API and login page): <c>Auth:SignInPermitLimit</c> tries per minute per client address.</summary>
    public const string SignInPolicy = "sign-in";

    public static IHostApplicationBuilder AddSignInRateLimit(this IHostApplicationBuilder builder)
    {
        var permits = builder.Configuration.GetValue("Auth:SignInPermitLimit", 20);
        builder.Services.AddRateLimiter(o =>
        {
            o.AddPolicy(SignInPolicy, context => HttpMethods.IsPost(context.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "local",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 })
                : RateLimitPartition.GetNoLimiter("read"));
            o.OnRejected = async (context, ct) =>
            {
                var response = context.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMinutes(1);
                response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (!context.HttpContext.Request.Path.StartsWithSegments("/api"))
                {
                    // The sign-in page: left without a body, so the status code pages show the page in the site's
                    // layout (SignInRefusalPages), in the reader's language, with the way back.
                    return;
                }

                await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status429TooManyRequests, Title = "Too many sign-in attempts",
                        Detail = $"Too many sign-in attempts from this address; try again in {response.Headers.RetryAfter} seconds. / 登录尝试过于频繁，请稍后再试。",
                    },
                });
            };
        });
        builder.Services.AddScoped<SignInGate>();
        return builder;
    }

    /// <summary>
    /// The status code pages (ProblemDetails for an empty error answer), except a page's refused sign-in (429 outside
    /// /api): that request is run again as GET /Account/Login, which shows the refusal in the site's layout
    /// (<see cref="Pages.Account.LoginModel.Limited"/>) and keeps the 429 and its Retry-After.
    /// </summary>
    /// <summary>The request item that tells the login page it is showing a refused sign-in.</summary>
    public const string SignInRefused = "sign-in-refused";

    public static StatusCodePagesOptions SignInRefusalPages()
    {
        var pages = new StatusCodePagesOptions();
        var problems = pages.HandleAsync;
        pages.HandleAsync = async context =>
        {
            var http = context.HttpContext;
            if (http.Response.StatusCode != StatusCodes.Status429TooManyRequests || http.Request.Path.StartsWithSegments("/api"))
            {
                await problems(context);
                return;
            }

            var (path, query, method) = (http.Request.Path, http.Request.QueryString, http.Request.Method);
            http.Items[SignInRefused] = true;
            http.SetEndpoint(null);
            http.Features.Get<Microsoft.AspNetCore.Http.Features.IRouteValuesFeature>()?.RouteValues.Clear();
            (http.Request.Path, http.Request.QueryString, http.Request.Method) = ("/Account/Login", QueryString.Empty, HttpMethods.Get);
            try
            {
                await context.Next(http);
            }
            finally
            {
                (http.Request.Path, http.Request.QueryString, http.Request.Method) = (path, query, method);
                http.Items.Remove(SignInRefused);
            }
        };
        return pages;
    }

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Auth");
        group.MapPost("/auth/login", Login).AllowAnonymous().RequireRateLimiting(SignInPolicy);
        group.MapPost("/auth/refresh", Refresh).AllowAnonymous().RequireRateLimiting(SignInPolicy);
        group.MapPost("/auth/logout", Logout);
        group.MapGet("/me", Me);
        group.MapPost("/me/password", ChangePassword);
        return app;
    }

    /// <summary>Password sign-in with lockout (<see cref="SignInGate"/>); the answer is an Identity bearer token.</summary>
    public static async Task<Results<SignInHttpResult, ProblemHttpResult, ValidationProblem>> Login(
        LoginRequest request, SignInGate gate, UserManager<Employee> users, SignInManager<Employee> signIn, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.UserName))
        {
            errors["userName"] = ["The user name is required."];
        }

        if (string.IsNullOrEmpty(request.Password))
        {
            errors["password"] = ["The password is required."];
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var (check, user) = await gate.CheckAsync(request.UserName!, request.Password!, ct);
        switch (check)
        {
            case SignInCheck.LockedOut:
                return Problems.Unauthorized("This account is locked after repeated failed sign-ins. Try again later or ask HR.");
            case SignInCheck.Failed:
                return Problems.Unauthorized("Wrong user name or password.");
        }

        // A temporary password (the organisation import's) is changed before any token is issued.
        if (await PasswordChange.IsTemporaryAsync(users, user!))
        {
            if (string.IsNullOrEmpty(request.NewPassword))
            {
                return TypedResults.Problem(
                    detail: "This account's password is temporary and must be changed before it can be used: sign in again with the same userName and password and your own password as newPassword.",
                    statusCode: StatusCodes.Status403Forbidden, title: "Password change required",
                    extensions: new Dictionary<string, object?> { ["code"] = PasswordChange.RequiredCode });
            }

            var replaced = await PasswordChange.ReplaceTemporaryAsync(users, user!, request.Password!, request.NewPassword);
            if (!replaced.Succeeded)
            {
                return Problems.Invalid("newPassword", string.Join(" ", replaced.Errors.Select(e => e.Description)));
            }

            user = (await users.FindByIdAsync(user!.Id))!;
        }

        var principal = await signIn.CreateUserPrincipalAsync(user!);
        return TypedResults.SignIn(principal, authenticationScheme: IdentityConstants.BearerScheme);
    }

    /// <summary>A new access token (and refresh token) for a refresh token of a session that is still current.</summary>
    public static async Task<Results<SignInHttpResult, ProblemHttpResult, ValidationProblem>> Refresh(
        RefreshRequest request, HttpContext context, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.RefreshToken))
        {
            return Problems.Invalid("refreshToken", "The refresh token is required.");
        }

        return await Sessions.RefreshAsync(context.RequestServices, request.RefreshToken, ct) is { } principal
            ? TypedResults.SignIn(principal, authenticationScheme: IdentityConstants.BearerScheme)
            : Problems.Unauthorized("The refresh token is expired, signed out or no longer valid; sign in again.");
    }

    /// <summary>Ends the caller's session: this token (and its refresh token, and any copy of it) stops working at once.</summary>
    public static async Task<NoContent> Logout(HttpContext context, WorkflowDbContext db, TimeProvider time, CancellationToken ct)
    {
        await Sessions.RevokeAsync(db, time, context.User, ct);
        return TypedResults.NoContent();
    }

    /// <summary>Changes the caller's password; the new security stamp ends every earlier token and web session of the account.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> ChangePassword(
        ChangePasswordRequest request, CurrentActor current, UserManager<Employee> users, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(request.CurrentPassword))
        {
            errors["currentPassword"] = ["The current password is required."];
        }

        if (string.IsNullOrEmpty(request.NewPassword))
        {
            errors["newPassword"] = ["The new password is required."];
        }
        else if (request.NewPassword.Length > 128)
        {
            errors["newPassword"] = ["A password is at most 128 characters."];
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var user = await users.FindByIdAsync((await current.GetAsync(ct)).Id);
        if (user is null)
        {
            return Problems.Unauthorized("The signed-in account no longer exists.");
        }

        var changed = await users.ChangePasswordAsync(user, request.CurrentPassword!, request.NewPassword!);
        if (changed.Succeeded)
        {
            return TypedResults.NoContent();
        }

        return changed.Errors.Any(e => e.Code == "PasswordMismatch")
            ? Violations.ViolationsApi.Unprocessable(new Dictionary<string, string[]> { ["currentPassword"] = ["The current password is wrong."] })
            : Problems.Invalid(new Dictionary<string, string[]> { ["newPassword"] = [.. changed.Errors.Select(e => e.Description)] });
    }

    public static async Task<Ok<EmployeeDto>> Me(CurrentActor current, WorkflowDbContext db)
    {
        var actor = await current.GetAsync();
        var email = await db.Users.Where(u => u.Id == actor.Id).Select(u => u.Email).SingleAsync();
        return TypedResults.Ok(new EmployeeDto(actor.Id, actor.UserName, actor.Name, actor.Rank, actor.GroupId, actor.Roles, email));
    }
}
