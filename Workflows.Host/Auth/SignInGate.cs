using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Host.Data;
using Workflows.Host.Organization;

namespace Workflows.Host.Auth;

/// <summary>The answer of <see cref="SignInGate.CheckAsync"/>.</summary>
public enum SignInCheck
{
    Succeeded,
    Failed,
    LockedOut,
}

/// <summary>
/// Password sign-in for the API and the login page alike. Each guess first takes one of the account's attempts in one
/// atomic UPDATE (failed count below the limit and not locked), and only a guess that got one has its password checked:
/// parallel guesses can never test more passwords than the limit. The guess that uses the last attempt locks the
/// account and gives it a new security stamp, which ends its earlier tokens and cookies. An unknown user name costs
/// the same password hashing as a known one, so the answer's time tells nothing about which names exist.
/// </summary>
public sealed class SignInGate(WorkflowDbContext db, UserManager<Employee> users, TimeProvider time)
{
    /// <summary>A hash of a random password, verified for unknown user names so they cost what known ones do.</summary>
    private static readonly Lazy<string> DecoyHash = new(() => new PasswordHasher<Employee>().HashPassword(new Employee(), Guid.NewGuid().ToString()));

    public async Task<(SignInCheck Check, Employee? User)> CheckAsync(string userName, string password, CancellationToken ct)
    {
        var user = userName.Length > TextLimits.UserName ? null : await users.FindByNameAsync(userName);
        if (user is null)
        {
            users.PasswordHasher.VerifyHashedPassword(new Employee(), DecoyHash.Value, password);
            return (SignInCheck.Failed, null);
        }

        var limit = users.Options.Lockout.MaxFailedAccessAttempts;
        var now = time.GetUtcNow();
        if (user.LockoutEnabled)
        {
            // Take an attempt: the count is the number of guesses being checked or failed since the last success.
            var taken = await db.Users.Where(u => u.Id == user.Id && u.AccessFailedCount < limit && (u.LockoutEnd == null || u.LockoutEnd <= now))
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.AccessFailedCount, u => u.AccessFailedCount + 1), ct);
            if (taken == 0)
            {
                users.PasswordHasher.VerifyHashedPassword(new Employee(), DecoyHash.Value, password);
                return (SignInCheck.LockedOut, null);
            }
        }

        var verified = user.PasswordHash is not null
            && users.PasswordHasher.VerifyHashedPassword(user, user.PasswordHash, password) != PasswordVerificationResult.Failed;
        if (verified)
        {
            await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.AccessFailedCount, 0), ct);
            return (SignInCheck.Succeeded, await users.FindByIdAsync(user.Id));
        }

        if (user.LockoutEnabled)
        {
            // The guess that used the last attempt locks the account and ends every earlier session of it.
            var end = now + users.Options.Lockout.DefaultLockoutTimeSpan;
            var stamp = Guid.NewGuid().ToString("N").ToUpperInvariant();
            await db.Users.Where(u => u.Id == user.Id && u.AccessFailedCount >= limit)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.LockoutEnd, end).SetProperty(u => u.AccessFailedCount, 0)
                    .SetProperty(u => u.SecurityStamp, stamp).SetProperty(u => u.ConcurrencyStamp, Guid.NewGuid().ToString()), ct);
        }

        return (SignInCheck.Failed, null);
    }
}
