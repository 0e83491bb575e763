using Microsoft.AspNetCore.Mvc.RazorPages;
using Workflows.Host.Auth;

namespace Workflows.Host.Pages;

public sealed class IndexModel(CurrentActor current) : PageModel
{
    public Actor? Me { get; private set; }

    public async Task OnGetAsync() => Me = await current.GetAsync(HttpContext.RequestAborted);
}
