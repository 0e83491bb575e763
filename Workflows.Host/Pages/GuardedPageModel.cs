using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Workflows.Host.Auth;

namespace Workflows.Host.Pages;

/// <summary>
/// A page only some people may open. Every handler (GET, POST, export) first asks <see cref="MayOpenAsync"/>;
/// anyone else gets the page as a 403 with the "not allowed" notice instead of its content, on the URL they
/// asked for (no redirect), so a form post or an export is refused the same way as the page.
/// </summary>
public abstract class GuardedPageModel(CurrentActor current) : PageModel
{
    /// <summary>The request's person, for the API handlers a page calls.</summary>
    protected CurrentActor Current { get; } = current;

    /// <summary>True when the person may not open the page; the view then shows only the notice.</summary>
    public bool Denied { get; private set; }

    /// <summary>The signed-in person, loaded before any handler runs.</summary>
    protected Actor Me { get; private set; } = null!;

    protected abstract ValueTask<bool> MayOpenAsync(Actor actor, CancellationToken ct);

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        Me = await Current.GetAsync(HttpContext.RequestAborted);
        if (!await MayOpenAsync(Me, HttpContext.RequestAborted))
        {
            Denied = true;
            Response.StatusCode = StatusCodes.Status403Forbidden;
            context.Result = Page();
            return;
        }

        await next();
    }
}
