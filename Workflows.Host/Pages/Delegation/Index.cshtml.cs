using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Runtime;

namespace Workflows.Host.Pages.Delegating;

/// <summary>
/// 代理设置: one's own delegate for a date range, or (HR, with <c>employeeId</c>) anyone's. The same rules as
/// /api/me/delegation and /api/employees/{id}/delegation, through the same code.
/// </summary>
public sealed class IndexModel(CurrentActor current, WorkflowDbContext db, DepartmentClock clock, IStringLocalizer<SharedResource> localizer)
    : GuardedPageModel(current)
{
    [BindProperty(SupportsGet = true)]
    public string? EmployeeId { get; set; }

    public string ForName { get; private set; } = "";

    public bool ForSelf { get; private set; }

    public DelegationDto? InForce { get; private set; }

    public string? CurrentName { get; private set; }

    public IReadOnlyList<string> Colleagues { get; private set; } = [];

    public string? Refusal { get; private set; }

    public IReadOnlyDictionary<string, string> Kept { get; private set; } = new Dictionary<string, string>();

    [TempData]
    public string? Done { get; set; }

    public DateOnly Today => clock.Today;

    // Only HR sets someone else's; anybody sets their own.
    protected override ValueTask<bool> MayOpenAsync(Actor actor, CancellationToken ct) =>
        ValueTask.FromResult(string.IsNullOrEmpty(EmployeeId) || EmployeeId == actor.Id || actor.IsHR);

    private string Whose => string.IsNullOrEmpty(EmployeeId) ? Me.Id : EmployeeId;

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ? Page() : NotFound();

    public async Task<IActionResult> OnPostSaveAsync(string? delegateName, DateOnly? from, DateOnly? to)
    {
        var ct = HttpContext.RequestAborted;
        Kept = new Dictionary<string, string>
        {
            ["delegate"] = delegateName ?? "",
            ["from"] = from?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "",
            ["to"] = to?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "",
        };
        var name = delegateName?.Split('（')[0].Trim();
        var ids = string.IsNullOrWhiteSpace(name) ? [] : await db.Users.AsNoTracking().Where(u => u.Name == name).Select(u => u.Id).ToListAsync(ct);
        if (ids.Count != 1)
        {
            return await RefuseAsync(localizer["Choose the delegate."]);
        }

        if (ids[0] == Whose)
        {
            return await RefuseAsync(localizer["Nobody delegates to themselves."]);
        }

        if (from is null || to is null)
        {
            return await RefuseAsync(localizer["Give the first and last day."]);
        }

        // The API's rules, said here in the reader's language; the API's check below still decides.
        if (to < from || to.Value.DayNumber - from.Value.DayNumber >= DelegationApi.MaxDays)
        {
            return await RefuseAsync(localizer["The last day is on or after the first, at most {0} days later.", DelegationApi.MaxDays]);
        }

        if (to < clock.Today)
        {
            return await RefuseAsync(localizer["The range has already ended."]);
        }

        var result = await DelegationApi.SetAsync(Whose, Me, new DelegationRequest(ids[0], from, to), db, clock, ct);
        switch (result.Result)
        {
            case ValidationProblem invalid:
                return await RefuseAsync(string.Join(" ", invalid.ProblemDetails.Errors.SelectMany(e => e.Value)));
            case ProblemHttpResult problem:
                Response.StatusCode = problem.StatusCode;
                return await RefuseAsync(problem.ProblemDetails.Detail ?? "");
        }

        Done = localizer["Delegation saved."];
        return RedirectToPage(new { EmployeeId });
    }

    /// <summary>The question this page's destructive form asks first (without JavaScript too); while set, the page shows only it.</summary>
    public Confirmation? Confirm { get; private set; }

    public async Task<IActionResult> OnPostClearAsync()
    {
        if (!Confirmation.Given(this))
        {
            if (!await LoadAsync())
            {
                return NotFound();
            }

            if (InForce is { } set)
            {
                Confirm = Confirmation.For(this, localizer["P19_Clear this delegation? The delegate stops seeing these tasks at once."], localizer["W19_Confirm.Clear"],
                    Url.Page("/Delegation/Index", new { EmployeeId }) ?? "/Delegation",
                    localizer["W19_Confirm.ClearWho", ForName, CurrentName ?? "—", set.From.Iso(), set.To.Iso()]);
                return Page();
            }
        }

        await DelegationApi.ClearAsync(Whose, db, HttpContext.RequestAborted);
        Done = localizer["Delegation cleared."];
        return RedirectToPage(new { EmployeeId });
    }

    private async Task<IActionResult> RefuseAsync(string detail)
    {
        if (Response.StatusCode < 400)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        Refusal = string.Format(CultureInfo.CurrentCulture, localizer["Not done ({0}): {1}"], Response.StatusCode, detail);
        return await LoadAsync() ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync()
    {
        var ct = HttpContext.RequestAborted;
        var whose = Whose;
        var person = await db.Users.AsNoTracking().Where(u => u.Id == whose).Select(u => u.Name).SingleOrDefaultAsync(ct);
        if (person is null)
        {
            return false;
        }

        ForName = person;
        ForSelf = whose == Me.Id;
        var set = await db.Delegations.AsNoTracking().SingleOrDefaultAsync(d => d.EmployeeId == whose, ct);
        InForce = set is null ? null : new DelegationDto(set.DelegateId, set.From, set.To);
        CurrentName = set is null ? null : await db.Users.AsNoTracking().Where(u => u.Id == set.DelegateId).Select(u => u.Name).SingleOrDefaultAsync(ct);
        Colleagues = await db.Users.AsNoTracking().Where(u => u.Id != whose).OrderBy(u => u.Name).Select(u => u.Name).Distinct().ToListAsync(ct);
        return true;
    }
}
