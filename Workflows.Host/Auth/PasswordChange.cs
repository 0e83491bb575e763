using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Workflows.Host.Organization;

namespace Workflows.Host.Auth;

/// <summary>
/// Accounts created with a temporary password (the organisation import) carry a claim that makes the first
/// sign-in change the password: the API login refuses to issue a token until it is given a new password, and the
/// sign-in page leads to the change-password page. The claim goes with the change.
/// </summary>
public static class PasswordChange
{
    public const string TemporaryClaim = "workflows:temporary-password";

    public const string RequiredCode = "passwordChangeRequired";

    public static async Task<bool> IsTemporaryAsync(UserManager<Employee> users, Employee user) =>
        (await users.GetClaimsAsync(user)).Any(c => c.Type == TemporaryClaim);

    /// <summary>Sets the account's own password in place of the temporary one; the security stamp moves on.</summary>
    public static async Task<IdentityResult> ReplaceTemporaryAsync(UserManager<Employee> users, Employee user, string current, string replacement)
    {
        if (string.Equals(current, replacement, StringComparison.Ordinal))
        {
            return IdentityResult.Failed(new IdentityError { Code = "PasswordUnchanged", Description = "The new password must differ from the temporary one." });
        }

        var changed = await users.ChangePasswordAsync(user, current, replacement);
        if (!changed.Succeeded)
        {
            return changed;
        }

        return await users.RemoveClaimAsync(user, new Claim(TemporaryClaim, "true"));
    }
}
