using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Workflows.Definitions;
using Workflows.Definitions.Eligibility;
using Workflows.Definitions.Promotion;
using Workflows.Definitions.Violations;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Promotion;
using Workflows.Host.Runtime;
using Workflows.Host.Violations;

namespace Workflows.Host.Pages.Promotions;

/// <summary>
/// The 《晋升申请表》: pick the candidate (oneself, or someone the caller may nominate) and the target rank, see the
/// eligibility explanation of <c>GET /api/eligibility</c> before submitting, then file through
/// <see cref="PromotionFilingService"/> (the rules of <c>POST /api/promotions</c>) and land on the new instance.
/// </summary>
public sealed class NewModel(
    CurrentActor current, PromotionFilingService filing, EligibilityService eligibility, WorkflowDbContext db, RuleCatalog catalog,
    Platform.DepartmentClock clock, IStringLocalizer<SharedResource> localizer)
    : PageModel
{
    public const string Form = "Promotion";

    [BindProperty(SupportsGet = true)]
    public string? CandidateId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? TargetRank { get; set; }

    [BindProperty]
    public string? Channel { get; set; }

    [BindProperty]
    public string? Statement { get; set; }

    [BindProperty]
    public string? Justification { get; set; }

    public IReadOnlyList<FilingChoice> Choices { get; private set; } = [];

    public FilingChoice? Candidate { get; private set; }

    public IReadOnlyList<Rank> Targets { get; private set; } = [];

    public EligibilityResult? Eligibility { get; private set; }

    /// <summary>The candidate's records are not the caller's to read (a company role nominating): no explanation shown.</summary>
    public bool EligibilityHidden { get; private set; }

    public IReadOnlyDictionary<string, string> Groups { get; private set; } = new Dictionary<string, string>();

    public string? MeId { get; private set; }

    public string? Refusal { get; private set; }

    public DateOnly Today => clock.Today;

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostAsync()
    {
        var ct = HttpContext.RequestAborted;
        var result = await filing.FileAsync(await current.GetAsync(ct),
            new PromotionRequest(CandidateId, TargetRank, Channel, Statement, Justification), ct);
        if (this.Answer(result, localizer["Application filed."], localizer, Form, out var refused) is { } filed)
        {
            return filed;
        }

        Refusal = refused is null ? null : localizer.Refusal(refused);
        await LoadAsync();
        return Page();
    }

    public string RuleTitle(string code) => RuleText.Title(catalog, code);

    private async Task LoadAsync()
    {
        var ct = HttpContext.RequestAborted;
        var actor = await current.GetAsync(ct);
        MeId = actor.Id;
        Choices = await filing.ChoicesAsync(actor, ct);
        Groups = await db.Groups.AsNoTracking().ToDictionaryAsync(g => g.Id, g => g.Name, ct);
        // Someone the caller may not file for is not offered: the form falls back to the first choice (usually themself).
        Candidate = Choices.FirstOrDefault(c => c.CandidateId == CandidateId) ?? (Choices.Count > 0 ? Choices[0] : null);
        if (Candidate is null)
        {
            return;
        }

        CandidateId = Candidate.CandidateId;
        Targets = [.. Enum.GetValues<Rank>().Where(r => r > Candidate.Rank)];
        var target = Targets.Any(r => r.ToString() == TargetRank) ? Enum.Parse<Rank>(TargetRank!) : Targets[0];
        TargetRank = target.ToString();
        if (Channel is null || !Candidate.Channels.Any(c => c.ToString() == Channel))
        {
            Channel = Candidate.Channels[0].ToString();
        }

        var person = await db.FindPersonAsync(Candidate.CandidateId, ct);
        if (person is null || !RecordAccess.MayRead(actor, person))
        {
            EligibilityHidden = true;
            return;
        }

        Eligibility = await eligibility.EvaluateAsync(Candidate.CandidateId, target, clock.Today, ct);
    }
}
