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

    /// <summary>
    /// 查看资格 / a new candidate or rank: the form posted back as typed (statement, justification kept), the ranks and
    /// channels worked out again for the new choice; nothing is filed.
    /// </summary>
    public async Task<IActionResult> OnPostCheckAsync()
    {
        ModelState.Clear();
        await LoadAsync();
        return Page();
    }

    /// <summary>The channels the core would refuse for this candidate and rank, each with why (shown, not offered).</summary>
    public IReadOnlyList<(PromotionChannel Channel, string Why)> NotOffered { get; private set; } = [];

    /// <summary>The channels that can succeed for this candidate and rank.</summary>
    public IReadOnlyList<PromotionChannel> Channels { get; private set; } = [];

    /// <summary>Ranks above the candidate's that no channel open to the caller reaches, each with why.</summary>
    public IReadOnlyList<(Rank Rank, string Why)> RanksNotOffered { get; private set; } = [];

    public async Task<IActionResult> OnPostAsync()
    {
        var ct = HttpContext.RequestAborted;
        var result = await filing.FileAsync(await current.GetAsync(ct),
            new PromotionRequest(CandidateId, TargetRank, Channel, Statement, Justification), ct);
        if (this.Answer(result, localizer["Application filed."], localizer, Form, out var refused) is { } filed)
        {
            return filed;
        }

        ModelState.SayTooLong(localizer, ("Statement", Statement), ("Justification", Justification));

        Refusal = refused is null ? null : localizer.Refusal(refused);
        await LoadAsync();
        return Page();
    }

    public string RuleTitle(string code) => RuleText.Title(catalog, code);

    /// <summary>Why the core refuses this channel (or rank), in the reader's words.</summary>
    private string WhyNot(Applicant applicant, Definitions.Promotion.Candidate candidate, Rank target, PromotionChannel channel)
    {
        var self = applicant.Id == candidate.Id;
        var check = PromotionFiling.Check(applicant, candidate, target, channel, "-");
        if (check is ApplicationCheck.Forbidden)
        {
            return channel == PromotionChannel.Self ? localizer["P19_NotOffered.Self"]
                : self ? localizer["P19_NotOffered.Yourself"]
                : localizer["P19_NotOffered." + channel];
        }

        if (target == Rank.Supervisor)
        {
            // The one rung with a channel rule of its own: GroupLeader → Supervisor only by the Supervisor's nomination.
            return localizer["P19_NotOffered.SupervisorNominationOnly"];
        }

        return localizer["P19_NotOffered.Other"];
    }

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
        // Only what can succeed is offered: the core's own filing rules, asked for every rank and channel. A
        // skip-level's justification is written on this form, so it is not what decides whether a rank is offered.
        var applicant = new Applicant(actor.Id, actor.Rank, actor.GroupId, [.. actor.Roles]) { Authority = actor.Authority };
        var candidate = new Definitions.Promotion.Candidate(Candidate.CandidateId, Candidate.Rank, Candidate.GroupId);
        bool Possible(Rank rank, PromotionChannel channel) => PromotionFiling.Check(applicant, candidate, rank, channel, "-") is ApplicationCheck.Accepted;
        var above = Enum.GetValues<Rank>().Where(r => r > Candidate.Rank).ToList();
        Targets = [.. above.Where(r => Enum.GetValues<PromotionChannel>().Any(c => Possible(r, c)))];
        RanksNotOffered = [.. above.Where(r => !Targets.Contains(r)).Select(r => (r, WhyNot(applicant, candidate, r, PromotionChannel.Self)))];
        if (Targets.Count == 0)
        {
            return;
        }

        var target = Targets.Any(r => r.ToString() == TargetRank) ? Enum.Parse<Rank>(TargetRank!) : Targets[0];
        TargetRank = target.ToString();
        Channels = [.. Enum.GetValues<PromotionChannel>().Where(c => Possible(target, c))];
        NotOffered = [.. Enum.GetValues<PromotionChannel>().Where(c => !Channels.Contains(c)).Select(c => (c, WhyNot(applicant, candidate, target, c)))];
        if (Channel is null || !Channels.Any(c => c.ToString() == Channel))
        {
            Channel = Channels[0].ToString();
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
