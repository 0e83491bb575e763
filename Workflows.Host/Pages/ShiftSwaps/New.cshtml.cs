using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Workflows.Definitions.Roster;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Roster;
using Workflows.Host.Runtime;
using Workflows.Host.ShiftSwaps;
using Workflows.Definitions.ShiftSwaps;

namespace Workflows.Host.Pages.ShiftSwaps;

public sealed record Colleague(string Id, string Name, string? GroupName);

/// <summary>
/// The shift-swap and cover request: one of my coming shifts, a colleague, and either one of their coming shifts
/// (a swap) or none (they cover mine). Filed through <see cref="ShiftSwapFilingService"/>, the rules of
/// <c>POST /api/shift-swaps</c>; its up-front refusals (coverage, overlaps, started shifts) are shown on the form.
/// </summary>
public sealed class NewModel(
    CurrentActor current, ShiftSwapFilingService filing, WorkflowDbContext db, IStringLocalizer<SharedResource> localizer)
    : PageModel
{
    public const string Form = "ShiftSwap";

    [BindProperty(SupportsGet = true)]
    public string? CounterpartId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ShiftId { get; set; }

    /// <summary>Empty means a cover: the colleague takes my shift and gives none back.</summary>
    [BindProperty]
    public string? CounterpartShiftId { get; set; }

    [BindProperty]
    public string? Reason { get; set; }

    public IReadOnlyList<ShiftDto> MyShifts { get; private set; } = [];

    public IReadOnlyList<ShiftDto> TheirShifts { get; private set; } = [];

    public IReadOnlyList<Colleague> Colleagues { get; private set; } = [];

    public Colleague? Counterpart { get; private set; }

    public IReadOnlyDictionary<string, string> Groups { get; private set; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Names { get; private set; } = new Dictionary<string, string>();

    public string? Refusal { get; private set; }

    public async Task OnGetAsync() => await LoadAsync();

    /// <summary>查看对方班次: the form posted back as typed (shift, reason, colleague), their shifts added; nothing is filed.</summary>
    public async Task<IActionResult> OnPostShowAsync()
    {
        ModelState.Clear();
        if (Reason is { Length: > Definitions.TextLimits.Text })
        {
            Reason = Reason[..Definitions.TextLimits.Text];
        }

        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var ct = HttpContext.RequestAborted;
        var request = new CreateShiftSwapRequest(ShiftId, CounterpartId, string.IsNullOrWhiteSpace(CounterpartShiftId) ? null : CounterpartShiftId, Reason);
        var result = await filing.FileAsync(await current.GetAsync(ct), request, ct);
        if (this.Answer(result, localizer["Request sent."], localizer, Form, out var refused) is { } filed)
        {
            return filed;
        }

        ModelState.SayTooLong(localizer, ("Reason", Reason));

        await LoadAsync();
        if (refused is not null)
        {
            Refusal = localizer.Refusal(refused.Coverage is { Count: > 0 } broken
                ? refused with { Detail = await CoverageInWordsAsync(broken, ct) }
                : refused);
        }

        return Page();
    }

    /// <summary>The broken roster rules with names and shift times instead of ids.</summary>
    private async Task<string> CoverageInWordsAsync(IReadOnlyList<CoverageViolation> broken, CancellationToken ct) =>
        (await Host.Roster.RosterApi.InWordsAsync(db, broken, ct)).Detail;

    private async Task LoadAsync()
    {
        var ct = HttpContext.RequestAborted;
        var actor = await current.GetAsync(ct);
        Groups = await db.Groups.AsNoTracking().ToDictionaryAsync(g => g.Id, g => g.Name, ct);
        var people = await db.Users.AsNoTracking().Where(u => u.Rank != null && u.Id != actor.Id)
            .OrderBy(u => u.GroupId).ThenBy(u => u.Rank).ThenBy(u => u.UserName)
            .Select(u => new { u.Id, u.Name, u.GroupId }).ToListAsync(ct);
        // Grouped for the picker, the requester's own group first (swaps are mostly within a group).
        Colleagues = [.. people.OrderBy(p => p.GroupId == actor.GroupId ? 0 : 1).ThenBy(p => p.GroupId is null ? 1 : 0)
            .Select(p => new Colleague(p.Id, p.Name, p.GroupId is { } g && Groups.TryGetValue(g, out var name) ? name : null))];
        MyShifts = await filing.UpcomingShiftsAsync(actor.Id, ct);
        Counterpart = Colleagues.FirstOrDefault(c => c.Id == CounterpartId);
        TheirShifts = Counterpart is null ? [] : await filing.UpcomingShiftsAsync(Counterpart.Id, ct);
        Names = await EmployeeNames.LoadAsync(db, MyShifts.Concat(TheirShifts).SelectMany(s => s.AssigneeIds), ct);
    }
}
