using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Identity;
using Workflows.Definitions;
using Workflows.Host.Data;
using Workflows.Host.Organization;

namespace Workflows.Host.Auth;

public static class Policies
{
    public const string HR = "HR";
}

/// <summary>
/// Identity on the application database. One smart scheme picks the bearer token when the request
/// carries one (API clients) and the cookie otherwise (the web UI). API paths never redirect to the
/// login page: they answer 401/403 as ProblemDetails.
/// </summary>
public static class AuthSetup
{
    private const string SmartScheme = "Workflows";

    public static IHostApplicationBuilder AddWorkflowAuth(this IHostApplicationBuilder builder)
    {
        builder.Services
            .AddAuthentication(o =>
            {
                o.DefaultScheme = SmartScheme;
                o.DefaultChallengeScheme = SmartScheme;
            })
            .AddPolicyScheme(SmartScheme, "Bearer or cookie", o => o.ForwardDefaultSelector = ctx =>
                ctx.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? IdentityConstants.BearerScheme
                    : IdentityConstants.ApplicationScheme)
            .AddBearerToken(IdentityConstants.BearerScheme, o => o.BearerTokenExpiration = TimeSpan.FromHours(8))
            .AddIdentityCookies(cookies => cookies.ApplicationCookie?.Configure(o =>
            {
                o.LoginPath = "/Account/Login";
                o.LogoutPath = "/Account/Logout";
                o.AccessDeniedPath = "/Account/Denied";
                o.Cookie.Name = "workflows.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.SlidingExpiration = true;
                o.ExpireTimeSpan = TimeSpan.FromHours(10);
                o.Events.OnRedirectToLogin = ctx => ApiAware(ctx.HttpContext, ctx.RedirectUri, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = ctx => ApiAware(ctx.HttpContext, ctx.RedirectUri, StatusCodes.Status403Forbidden);
            }));

        // The antiforgery cookie follows the sign-in cookie: Secure whenever the request came over HTTPS.
        builder.Services.AddAntiforgery(o => o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);

        builder.Services
            .AddIdentityCore<Employee>(o =>
            {
                o.User.RequireUniqueEmail = false;
                // Which characters a user name may hold is TextLimits' rule (letters of any script), checked by UserNameRule.
                o.User.AllowedUserNameCharacters = "";
                o.Password.RequiredLength = 8;
                o.Password.RequireDigit = true;
                o.Password.RequireLowercase = true;
                o.Password.RequireUppercase = true;
                o.Password.RequireNonAlphanumeric = true;
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<WorkflowDbContext>()
            .AddUserManager<ClockedUserManager>()
            .AddClaimsPrincipalFactory<SessionClaimsFactory>()
            .AddUserValidator<UserNameRule>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policies.HR, p => p.RequireAuthenticatedUser().RequireRole(CompanyRoles.HR))
            // Every endpoint needs a signed-in user unless it says otherwise.
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());

        // Identity's own cookie check (every 30 minutes) re-makes the principal: the session it belongs to goes on.
        builder.Services.Configure<SecurityStampValidatorOptions>(o => o.OnRefreshingPrincipal = context =>
        {
            if (context.CurrentPrincipal?.FindFirst(SessionClaims.SessionId) is { } sid && context.NewPrincipal?.Identity is System.Security.Claims.ClaimsIdentity identity)
            {
                identity.RemoveClaim(identity.FindFirst(SessionClaims.SessionId));
                identity.AddClaim(new System.Security.Claims.Claim(SessionClaims.SessionId, sid.Value));
            }

            return Task.CompletedTask;
        });
        builder.AddSignInRateLimit();
        builder.Services.AddScoped<CurrentActor>();
        return builder;
    }

    private static Task ApiAware(HttpContext context, string redirectUri, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/hangfire")
            || context.Request.Path.StartsWithSegments("/metrics"))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }

        context.Response.Redirect(redirectUri);
        return Task.CompletedTask;
    }
}
