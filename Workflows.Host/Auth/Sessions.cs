using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workflows.Host.Data;
using Workflows.Host.Organization;

namespace Workflows.Host.Auth;

/// <summary>Every principal Identity makes (a bearer token's, a cookie's) names a new session (<see cref="SessionClaims.SessionId"/>).</summary>
public sealed class SessionClaimsFactory(UserManager<Employee> users, RoleManager<IdentityRole> roles, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<Employee, IdentityRole>(users, roles, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(Employee user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaim(new Claim(SessionClaims.SessionId, Guid.NewGuid().ToString()));
        return identity;
    }
}

/// <summary>
/// Sessions that really end (docs/domain.md §Limits, docs/api.md §Authentication). On every request a signed-in principal is checked against
/// the database: its account still exists and is not locked out, its security stamp is the account's current one (a
/// password change or a lockout makes a new stamp), and its session was not signed out. One that fails is treated as
/// not signed in (the cookie is removed), so sign-out, a password change and a lockout end earlier tokens and cookies
/// on their next request.
/// </summary>
public static class Sessions
{
    /// <summary>How long a revoked session id is kept: longer than any token of it can live (refresh tokens, 14 days).</summary>
    public static readonly TimeSpan Keep = TimeSpan.FromDays(15);

    public static IApplicationBuilder UseSessionValidation(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated == true && !await IsCurrentAsync(context.RequestServices, user, context.RequestAborted))
        {
            if (!context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                await context.SignOutAsync(IdentityConstants.ApplicationScheme);
            }

            context.User = new ClaimsPrincipal(new ClaimsIdentity());
        }

        await next();
    });

    /// <summary>Whether <paramref name="principal"/>'s session is still good (see the class remarks).</summary>
    public static async Task<bool> IsCurrentAsync(IServiceProvider services, ClaimsPrincipal principal, CancellationToken ct)
    {
        var id = principal.FindFirstValue(ClaimTypes.NameIdentifier);
        var sid = principal.FindFirstValue(SessionClaims.SessionId);
        var stampType = services.GetRequiredService<IOptions<IdentityOptions>>().Value.ClaimsIdentity.SecurityStampClaimType;
        var stamp = principal.FindFirstValue(stampType);
        if (id is null || sid is null || stamp is null)
        {
            return false;
        }

        var db = services.GetRequiredService<WorkflowDbContext>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var account = await db.Users.AsNoTracking().Where(u => u.Id == id)
            .Select(u => new { u.SecurityStamp, u.LockoutEnabled, u.LockoutEnd, Revoked = db.Set<RevokedSession>().Any(r => r.SessionId == sid) })
            .SingleOrDefaultAsync(ct);
        return account is not null && !account.Revoked && account.SecurityStamp == stamp
            && !(account.LockoutEnabled && account.LockoutEnd is { } end && end > now);
    }

    /// <summary>Signs the session of <paramref name="principal"/> out everywhere its token or cookie was copied to.</summary>
    public static async Task RevokeAsync(WorkflowDbContext db, TimeProvider time, ClaimsPrincipal principal, CancellationToken ct)
    {
        var sid = principal.FindFirstValue(SessionClaims.SessionId);
        var id = principal.FindFirstValue(ClaimTypes.NameIdentifier);
        if (sid is null || id is null || await db.Set<RevokedSession>().AnyAsync(r => r.SessionId == sid, ct))
        {
            return;
        }

        var now = time.GetUtcNow();
        await db.Set<RevokedSession>().Where(r => r.ExpiresAt < now).ExecuteDeleteAsync(ct);
        db.Add(new RevokedSession { SessionId = sid, UserId = id, RevokedAt = now, ExpiresAt = now + Keep });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Revoked by a concurrent sign-out of the same session: that is the answer too.
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>A new access token for a refresh token whose session is still current; null when it is not.</summary>
    public static async Task<ClaimsPrincipal?> RefreshAsync(IServiceProvider services, string refreshToken, CancellationToken ct)
    {
        var options = services.GetRequiredService<IOptionsMonitor<BearerTokenOptions>>().Get(IdentityConstants.BearerScheme);
        var ticket = options.RefreshTokenProtector.Unprotect(refreshToken);
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        if (ticket?.Properties.ExpiresUtc is not { } expires || now >= expires || !await IsCurrentAsync(services, ticket.Principal, ct))
        {
            return null;
        }

        var users = services.GetRequiredService<UserManager<Employee>>();
        var user = await users.FindByIdAsync(ticket.Principal.FindFirstValue(ClaimTypes.NameIdentifier)!);
        if (user is null)
        {
            return null;
        }

        // The same session goes on: a sign-out of it ends the refreshed token too.
        var principal = await services.GetRequiredService<SignInManager<Employee>>().CreateUserPrincipalAsync(user);
        var identity = (ClaimsIdentity)principal.Identity!;
        identity.RemoveClaim(identity.FindFirst(SessionClaims.SessionId));
        identity.AddClaim(new Claim(SessionClaims.SessionId, ticket.Principal.FindFirstValue(SessionClaims.SessionId)!));
        return principal;
    }
}
