using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Workflows.Host.Auth;
using Workflows.Host.Organization;

namespace Workflows.Host.Pages.Account;

[AllowAnonymous]
public sealed class LoginModel(SignInManager<Employee> signIn, UserManager<Employee> users) : PageModel
{
    [BindProperty]
    public string UserName { get; set; } = "";

    [BindProperty]
    public string Password { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (string.IsNullOrWhiteSpace(UserName) || string.IsNullOrEmpty(Password))
        {
            Error = "请输入用户名和密码。Enter your user name and password.";
            return Page();
        }

        // The password is checked before any cookie is issued: a temporary password leads to the change-password page
        // instead of a session.
        var user = await users.FindByNameAsync(UserName.Trim());
        var result = user is null ? Microsoft.AspNetCore.Identity.SignInResult.Failed : await signIn.CheckPasswordSignInAsync(user, Password, lockoutOnFailure: true);
        if (result.IsLockedOut)
        {
            Error = "多次登录失败，账号已暂时锁定，请稍后再试或联系人事部。Locked after repeated failures; try again later or ask HR.";
            return Page();
        }

        if (!result.Succeeded)
        {
            Error = "用户名或密码错误。Wrong user name or password.";
            return Page();
        }

        if (await PasswordChange.IsTemporaryAsync(users, user!))
        {
            return RedirectToPage("/Account/ChangePassword", new { userName = user!.UserName, returnUrl = ReturnUrl, first = true });
        }

        await signIn.SignInAsync(user!, isPersistent: false);
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/");
    }
}
