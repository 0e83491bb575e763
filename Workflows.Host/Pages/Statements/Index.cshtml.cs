using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Workflows.Definitions;
using Workflows.Definitions.Ledger;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Ledger;
using Workflows.Host.Violations;

namespace Workflows.Host.Pages.Statements;

/// <summary>
/// Monthly 乐捐 statements and, for HR, month close. Whose statement one may open is the API's rule
/// (<c>GET /api/statements</c>, whose handler this page calls: HR, the supervisor and the manager anyone's, a
/// group leader their group's, a member their own); closing a month is <c>POST /api/months/{month}/close</c>.
/// </summary>
public sealed class IndexModel(CurrentActor current, WorkflowDbContext db, LedgerService ledger, Platform.DepartmentClock clock, IStringLocalizer<SharedResource> localizer)
    : GuardedPageModel(current)
{
    [BindProperty(SupportsGet = true)]
    public string? Employee { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Month { get; set; }

    public StatementDto? Statement { get; private set; }

    public IReadOnlyList<(string Id, string Name, string UserName)> People { get; private set; } = [];

    public LedgerMonth? LastClosed { get; private set; }

    public LedgerMonth LastEnded => LedgerMonth.Of(clock.Today).Previous();

    /// <summary>The earliest month that may be closed (the ledger's rule; the form only hints it).</summary>
    public LedgerMonth? FirstMonth { get; private set; }

    public string? Refusal { get; private set; }

    [TempData]
    public string? Done { get; set; }

    public bool MayClose => Me.IsHR;

    protected override ValueTask<bool> MayOpenAsync(Actor actor, CancellationToken ct) => ValueTask.FromResult(true);

    public async Task<IActionResult> OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        await LoadAsync(ct);
        Employee ??= People.Any(p => p.Id == Me.Id) ? Me.Id : (People.Count > 0 ? People[0].Id : null);
        Month ??= LedgerMonth.Of(clock.Today).ToString();
        if (Employee is null)
        {
            return Page();
        }

        ApiOutcome outcome;
        try
        {
            outcome = ApiOutcome.Of(await LedgerApi.ListStatements(Employee, Month, Current, db, ledger, ct));
        }
        catch (AmountOverflowException overflow)
        {
            return Refuse(StatusCodes.Status422UnprocessableEntity, await EmployeeNames.OverflowInWordsAsync(db, overflow, HttpContext.RequestAborted));
        }

        if (!outcome.Succeeded)
        {
            return Refuse(outcome.Status, outcome.Detail);
        }

        Statement = outcome.ValueAs<StatementDto[]>().FirstOrDefault();
        return Page();
    }

    /// <summary>Set when the month-close form was refused: its refusal and month are shown in that form.</summary>
    public string? KeptCloseMonth { get; private set; }

    public bool CloseRefused { get; private set; }

    /// <summary>The question this page's destructive form asks first (without JavaScript too); while set, the page shows only it.</summary>
    public Confirmation? Confirm { get; private set; }

    public async Task<IActionResult> OnPostCloseAsync(string? month)
    {
        (CloseRefused, KeptCloseMonth) = (true, month);
        var ct = HttpContext.RequestAborted;
        if (!MayClose)
        {
            await LoadAsync(ct);
            return Refuse(StatusCodes.Status403Forbidden, localizer["Only HR closes a month."]);
        }

        // A month the ledger would refuse (unreadable, not ended, before the first) is refused at once, without asking.
        if (!Confirmation.Given(this) && LedgerMonth.TryParse(month?.Trim() ?? "", out var asked) && asked <= LastEnded
            && await ledger.FirstMonthAsync(ct) <= asked)
        {
            Confirm = Confirmation.For(this, localizer["P19_Close this month? Its statements are fixed and cannot be changed afterwards."], localizer["W19_Confirm.Close"],
                "/Statements", localizer["W19_Confirm.CloseMonth", month?.Trim() ?? ""]);
            return Page();
        }

        ApiOutcome outcome;
        try
        {
            outcome = ApiOutcome.Of(await LedgerApi.CloseMonth(month?.Trim() ?? "", Current, ledger, ct));
        }
        catch (AmountOverflowException overflow)
        {
            await LoadAsync(ct);
            return Refuse(StatusCodes.Status422UnprocessableEntity, await EmployeeNames.OverflowInWordsAsync(db, overflow, HttpContext.RequestAborted));
        }

        if (!outcome.Succeeded)
        {
            await LoadAsync(ct);
            return Refuse(outcome.Status, outcome.Detail);
        }

        var summary = outcome.ValueAs<MonthCloseSummary>();
        Done = summary.AlreadyClosed
            ? localizer["{0} was already closed; nothing changed.", summary.Month]
            : localizer["{0} closed: {1} statements, total {2}.", summary.Month, summary.Statements, Platform.Glossary.Money(summary.Total)];
        return RedirectToPage(new { month = summary.Month.ToString() });
    }

    private PageResult Refuse(int status, string? detail)
    {
        Response.StatusCode = status;
        Refusal = string.Format(CultureInfo.CurrentCulture, localizer["Not done ({0}): {1}"], status, detail);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        LastClosed = await ledger.LastClosedMonthAsync(ct);
        FirstMonth = MayClose ? await ledger.FirstMonthAsync(ct) : null;
        var people = db.Users.AsNoTracking().Where(u => u.Rank != null);
        if (!RecordAccess.ReadsEveryone(Me))
        {
            var me = Me.Id;
            var groups = Me.Authority.LedGroupIds;
            people = people.Where(u => u.Id == me || (u.GroupId != null && groups.Contains(u.GroupId)));
        }

        People = [.. (await people.OrderBy(u => u.GroupId).ThenBy(u => u.UserName).Select(u => new { u.Id, u.Name, u.UserName }).ToListAsync(ct))
            .Select(u => (u.Id, u.Name, u.UserName ?? ""))];
    }
}
