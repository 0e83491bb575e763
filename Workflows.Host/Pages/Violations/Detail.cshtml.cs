using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Workflows.Definitions.Violations;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Violations;

namespace Workflows.Host.Pages.Violations;

/// <summary>One violation record and its change log, through the API's own handler (same read rule, same 403/404).</summary>
public sealed class DetailModel(CurrentActor current, WorkflowDbContext db, RuleCatalog catalog, DepartmentClock clock) : PageModel
{
    public ViolationDetailDto? Record { get; private set; }

    public int? RefusedWith { get; private set; }

    public IReadOnlyDictionary<string, string> Names { get; private set; } = new Dictionary<string, string>();

    [TempData]
    public string? Done { get; set; }

    public async Task<IActionResult> OnGetAsync(string id)
    {
        var ct = HttpContext.RequestAborted;
        var outcome = ApiOutcome.Of(await ViolationsApi.GetViolation(id, current, db, ct));
        if (!outcome.Succeeded)
        {
            RefusedWith = outcome.Status;
            Response.StatusCode = outcome.Status;
            return Page();
        }

        Record = outcome.ValueAs<ViolationDetailDto>();
        Names = await EmployeeNames.LoadAsync(db,
            Record.Changes.Select(c => c.ActorId).Concat([Record.Violation.EmployeeId, Record.Violation.RecordedBy]), ct);
        return Page();
    }

    public string RuleTitle(string code) => RuleText.Title(catalog, code);

    public string Local(DateTimeOffset at) => clock.Local(at);
}
