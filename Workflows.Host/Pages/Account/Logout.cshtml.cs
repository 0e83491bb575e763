using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Workflows.Host.Organization;

namespace Workflows.Host.Pages.Account;

public sealed class LogoutModel(SignInManager<Employee> signIn, Data.WorkflowDbContext db, TimeProvider time) : PageModel
{
    public IActionResult OnGet() => RedirectToPage("/Index");

    /// <summary>Signs out this session everywhere: a copy of the cookie taken before stops working too.</summary>
    public async Task<IActionResult> OnPostAsync()
    {
        await Auth.Sessions.RevokeAsync(db, time, User, HttpContext.RequestAborted);
        await signIn.SignOutAsync();
        return RedirectToPage("/Account/Login");
    }
}
