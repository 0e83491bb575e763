using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Workflows.Host.Auth;
using Workflows.Host.Organization;

namespace Workflows.Host.Pages.Account;

/// <summary>
/// Where a sign-in with a temporary password leads: the user gives the temporary password again and their own, and is
/// signed in with the new one. Open without a session, as the sign-in page is; the current password is the proof, with
/// the same lockout as the sign-in.
/// </summary>
[AllowAnonymous]
public sealed class ChangePasswordModel(SignInManager<Employee> signIn, UserManager<Employee> users) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string UserName { get; set; } = "";

    [BindProperty]
    public string CurrentPassword { get; set; } = "";

    [BindProperty]
    public string NewPassword { get; set; } = "";

    [BindProperty]
    public string ConfirmPassword { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>Arrived from the sign-in with a temporary password.</summary>
    [BindProperty(SupportsGet = true)]
    public bool First { get; set; }

    public string? Error { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (string.IsNullOrWhiteSpace(UserName) || string.IsNullOrEmpty(CurrentPassword) || string.IsNullOrEmpty(NewPassword))
        {
            Error = "请填写用户名、当前密码和新密码。Enter your user name, current password and new password.";
            return Page();
        }

        if (!string.Equals(NewPassword, ConfirmPassword, StringComparison.Ordinal))
        {
            Error = "两次输入的新密码不一致。The new passwords do not match.";
            return Page();
        }

        var user = await users.FindByNameAsync(UserName.Trim());
        var check = user is null ? Microsoft.AspNetCore.Identity.SignInResult.Failed : await signIn.CheckPasswordSignInAsync(user, CurrentPassword, lockoutOnFailure: true);
        if (check.IsLockedOut)
        {
            Error = "多次登录失败，账号已暂时锁定，请稍后再试或联系人事部。Locked after repeated failures; try again later or ask HR.";
            return Page();
        }

        if (!check.Succeeded)
        {
            Error = "用户名或当前密码错误。Wrong user name or current password.";
            return Page();
        }

        var changed = await PasswordChange.IsTemporaryAsync(users, user!)
            ? await PasswordChange.ReplaceTemporaryAsync(users, user!, CurrentPassword, NewPassword)
            : await users.ChangePasswordAsync(user!, CurrentPassword, NewPassword);
        if (!changed.Succeeded)
        {
            Error = "新密码不符合要求：至少 8 位，含大小写字母、数字和符号，且不同于当前密码。The new password needs 8+ characters with upper and lower case, a digit and a symbol, and must differ from the current one. "
                + string.Join(" ", changed.Errors.Select(e => e.Description));
            return Page();
        }

        await signIn.SignInAsync((await users.FindByIdAsync(user!.Id))!, isPersistent: false);
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/");
    }
}
