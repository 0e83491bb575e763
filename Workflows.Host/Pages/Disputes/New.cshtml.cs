using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using Workflows.Definitions.Disputes;
using Workflows.Definitions.Ledger;
using Workflows.Definitions.Violations;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Disputes;
using Workflows.Host.Runtime;
using Workflows.Host.Violations;

namespace Workflows.Host.Pages.Disputes;

/// <summary>
/// The dispute of one penalty line: the violation as recorded, and the reason. Filed through
/// <see cref="DisputeFilingService"/> (the rules of <c>POST /api/disputes</c>). Someone else's violation is the
/// same "not found" as a missing one, or 403 for a leader who may read it but is not its employee.
/// </summary>
public sealed class NewModel(
    CurrentActor current, DisputeFilingService filing, WorkflowDbContext db, RuleCatalog catalog, IStringLocalizer<SharedResource> localizer)
    : PageModel
{
    public const string Form = "Dispute";

    [BindProperty(SupportsGet = true)]
    public string? ViolationId { get; set; }

    [BindProperty]
    public string? Reason { get; set; }

    public Violation? Violation { get; private set; }

    public string? RecordedByName { get; private set; }

    /// <summary>Why it cannot be disputed now (window, already disputed), shown before anyone writes a reason.</summary>
    public string? Closed { get; private set; }

    public string? Refusal { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var ct = HttpContext.RequestAborted;
        var result = await filing.FileAsync(await current.GetAsync(ct), new OpenDisputeRequest(ViolationId, Reason), ct);
        if (this.Answer(result, localizer["Dispute filed."], localizer, Form, out var refused) is { } filed)
        {
            return filed;
        }

        ModelState.SayTooLong(localizer, ("Reason", Reason));

        Refusal = refused is null ? null : localizer.Refusal(refused);
        await LoadAsync(keepStatus: true);
        return Page();
    }

    public string RuleTitle(string code) => RuleText.Title(catalog, code);

    private async Task LoadAsync(bool keepStatus = false)
    {
        var ct = HttpContext.RequestAborted;
        if (string.IsNullOrWhiteSpace(ViolationId))
        {
            Response.StatusCode = keepStatus ? Response.StatusCode : StatusCodes.Status404NotFound;
            return;
        }

        var (violation, refusal) = await filing.FindOwnAsync(await current.GetAsync(ct), ViolationId, ct);
        if (refusal is not null)
        {
            Response.StatusCode = keepStatus ? Response.StatusCode : refusal.Status;
            Refusal ??= localizer.Refusal(refusal);
            return;
        }

        Violation = violation;
        RecordedByName = (await EmployeeNames.LoadAsync(db, [violation!.RecordedBy], ct)).NameOf(violation.RecordedBy);
        if (await filing.AdmissionAsync(violation, ct) is DisputeAdmission.Refused closed)
        {
            Closed = Platform.Glossary.Dispute(closed);
        }
    }
}
