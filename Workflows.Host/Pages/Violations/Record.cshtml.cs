using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using Workflows.Definitions.Violations;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Organization;
using Workflows.Host.Platform;
using Workflows.Host.Violations;

namespace Workflows.Host.Pages.Violations;

/// <summary>
/// Records a violation against a rule of the catalog (R01–R18). The people offered are those
/// <see cref="ViolationRecordingPolicy"/> lets this person record against (a leader: the members of their
/// group); the post goes through <c>POST /api/violations</c>'s own handler, so a crafted form naming
/// someone else is refused by the same rule (403), and bad input is shown on the form.
/// </summary>
public sealed class RecordModel(
    CurrentActor current, WorkflowDbContext db, OrgQueries org, RuleCatalog catalog, DepartmentClock clock, Definitions.Ledger.MoneyBounds bounds,
    IStringLocalizer<SharedResource> localizer)
    : GuardedPageModel(current)
{
    [BindProperty]
    public string? EmployeeId { get; set; }

    [BindProperty]
    public string? RuleCode { get; set; }

    [BindProperty]
    public string? OccurredOn { get; set; }

    [BindProperty]
    public string? Description { get; set; }

    [BindProperty]
    public string? PenaltyAmount { get; set; }

    public IReadOnlyList<EmployeeDto> Scope { get; private set; } = [];

    public IReadOnlyList<ViolationRule> Rules => catalog.Rules;

    public string? Refusal { get; private set; }

    public DateOnly Today => clock.Today;

    protected override async ValueTask<bool> MayOpenAsync(Actor actor, CancellationToken ct)
    {
        var recorder = actor.AsPerson();
        Scope = [.. (await org.EmployeesAsync(ct))
            .Where(e => ViolationRecordingPolicy.MayRecord(recorder, new OrgPerson(e.Id, e.Rank, e.GroupId, e.Roles)) is RecordingPermission.Allowed)];
        return Scope.Count > 0;
    }

    public void OnGet() => OccurredOn ??= Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public async Task<IActionResult> OnPostAsync()
    {
        var ct = HttpContext.RequestAborted;
        DateOnly? occurredOn = null;
        if (!string.IsNullOrWhiteSpace(OccurredOn))
        {
            if (!DateOnly.TryParseExact(OccurredOn.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                return Refuse(StatusCodes.Status400BadRequest, localizer["{0}: '{1}' is not a date (yyyy-MM-dd).", localizer["Occurred on"], OccurredOn]);
            }

            occurredOn = date;
        }

        decimal? penalty = null;
        if (!string.IsNullOrWhiteSpace(PenaltyAmount))
        {
            if (!decimal.TryParse(PenaltyAmount.Trim(), NumberStyles.Number, CultureInfo.InvariantCulture, out var amount))
            {
                return Refuse(StatusCodes.Status400BadRequest, localizer["{0}: '{1}' is not an amount.", localizer["Penalty"], PenaltyAmount]);
            }

            penalty = amount;
        }

        var request = new RecordViolationRequest(EmployeeId, RuleCode, occurredOn, Description, penalty);
        var outcome = ApiOutcome.Of(await ViolationsApi.RecordViolation(request, Current, db, catalog, clock, bounds, ct));
        if (!outcome.Succeeded)
        {
            return Refuse(outcome.Status, outcome.Detail ?? "");
        }

        var recorded = outcome.ValueAs<ViolationDto>();
        TempData["Done"] = localizer["Violation recorded."].Value;
        return RedirectToPage("/Violations/Detail", new { id = recorded.Id });
    }

    private PageResult Refuse(int status, string detail)
    {
        Response.StatusCode = status;
        Refusal = string.Format(CultureInfo.CurrentCulture, localizer["Not done ({0}): {1}"], status, detail);
        return Page();
    }
}
