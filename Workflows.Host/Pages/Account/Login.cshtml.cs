using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Workflows.Host.Auth;
using Workflows.Host.Organization;

namespace Workflows.Host.Pages.Account;

[AllowAnonymous]
[Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(Auth.AuthApi.SignInPolicy)]
public sealed class LoginModel(SignInManager<Employee> signIn, UserManager<Employee> users, Auth.SignInGate gate) : PageModel
{
    [BindProperty]
    public string UserName { get; set; } = "";

    [BindProperty]
    public string Password { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    /// <summary>Shown instead of the form when too many sign-ins came from this address (the 429 the rate limit answered).</summary>
    public bool Limited { get; private set; }

    /// <summary>Seconds until the next try is allowed, as the Retry-After header says.</summary>
    public string RetryAfter { get; private set; } = "";

    public void OnGet()
    {
        if (HttpContext.Items.ContainsKey(AuthApi.SignInRefused))
        {
            Limited = true;
            RetryAfter = Response.Headers.RetryAfter.ToString();
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
        }
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (string.IsNullOrWhiteSpace(UserName) || string.IsNullOrEmpty(Password))
        {
            Error = "请输入用户名和密码。Enter your user name and password.";
            return Page();
        }

        var (check, user) = await gate.CheckAsync(UserName.Trim(), Password, HttpContext.RequestAborted);
        if (check == Auth.SignInCheck.LockedOut)
        {
            Error = "多次登录失败，账号已暂时锁定，请稍后再试或联系人事部。Locked after repeated failures; try again later or ask HR.";
            return Page();
        }

        if (check != Auth.SignInCheck.Succeeded)
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
