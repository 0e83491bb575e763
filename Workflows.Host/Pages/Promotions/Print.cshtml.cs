using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Workflows.Definitions.Engine;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Promotion;
using Workflows.Host.Runtime;

namespace Workflows.Host.Pages.Promotions;

public sealed record PrintedDecision(string Step, string Action, string Who, string Role, string At, string? Comment, string Details);

public sealed record PrintedViolation(string Rule, string OccurredOn, string Status, bool Counts, string Reason);

/// <summary>
/// The 《晋升申请表》 as HR files it on paper: the form as filed (the instance's start variables, read-only), the
/// eligibility explanation the gate gave at filing, and every decision with the name and date. Whoever may see the
/// application (<see cref="InstanceAccess.Visible"/>) may print it; anyone else gets a 404, as for the application's page.
/// </summary>
public sealed class PrintModel(CurrentActor current, WorkflowDbContext db, DepartmentClock clock, PublishedDesigns designs, IStringLocalizer<SharedResource> localizer,
    Definitions.Violations.RuleCatalog catalog)
    : PageModel
{
    public WorkflowInstance? Instance { get; private set; }

    public IReadOnlyList<(string Label, string Value)> Form { get; private set; } = [];

    public string? Statement { get; private set; }

    public string? Justification { get; private set; }

    public bool? Eligible { get; private set; }

    public IReadOnlyList<(string Label, string Value)> Eligibility { get; private set; } = [];

    public IReadOnlyList<string> Reasons { get; private set; } = [];

    public IReadOnlyList<PrintedViolation> Considered { get; private set; } = [];

    public IReadOnlyList<PrintedDecision> Decisions { get; private set; } = [];

    public string Printed => clock.Local(clock.Now);

    public string Local(DateTimeOffset at) => clock.Local(at);

    public async Task<IActionResult> OnGetAsync(string id)
    {
        var ct = HttpContext.RequestAborted;
        var actor = await current.GetAsync(ct);
        Instance = await InstanceAccess.Visible(db, actor).AsNoTracking().SingleOrDefaultAsync(i => i.Id == id && i.Type == "promotion", ct);
        if (Instance is null)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
            return Page();
        }

        var state = WorkflowRunner.Deserialize(Instance);
        var design = designs.Catalog.Get(Instance.DesignName, Instance.DesignVersion);
        var history = await db.History.AsNoTracking().Where(h => h.InstanceId == id && (h.Kind == HistoryKinds.TaskCompleted || h.Kind == HistoryKinds.TaskReturned
                || h.Kind == HistoryKinds.InstanceResubmitted || h.Kind == HistoryKinds.InstanceWithdrawn))
            .OrderBy(h => h.Seq).ToListAsync(ct);
        var text = await HistoryWords.LoadAsync(db, clock, localizer, catalog, history, state.Values.Values, [Instance.SubjectId, Instance.StartedBy], ct);
        var subject = await db.Users.AsNoTracking().Where(u => u.Id == Instance.SubjectId)
            .Select(u => new { u.Name, Group = db.Groups.Where(g => g.Id == u.GroupId).Select(g => g.Name).FirstOrDefault() }).SingleOrDefaultAsync(ct);
        string Field(string key) => state.Form.TryGetValue(key, out var v) ? text.Value(key, v) : "—";
        var form = new List<(string, string)>
        {
            (localizer["W19_Reference"], ReferenceNumbers.Of(Instance)),
            (localizer["Applicant"], subject?.Name ?? text.Name(Instance.SubjectId)),
            (localizer["Group"], subject?.Group ?? "—"),
            (text.Label(PromotionVariables.CurrentRank), Field(PromotionVariables.CurrentRank)),
            (text.Label(PromotionVariables.TargetRank), Field(PromotionVariables.TargetRank)),
            (text.Label(PromotionVariables.Channel), Field(PromotionVariables.Channel)),
            (text.Label(PromotionVariables.ApplicationDate), Field(PromotionVariables.ApplicationDate)),
            (localizer["Started by"], text.Name(Instance.StartedBy)),
        };
        if (state.Form.ContainsKey(PromotionVariables.NominatorId))
        {
            form.Add((text.Label(PromotionVariables.NominatorId), Field(PromotionVariables.NominatorId)));
        }

        form.Add((localizer["Status"], localizer.Term("Status", Instance.Status.ToString())
            + (Instance.Outcome is null ? "" : " · " + localizer.Term("Outcome", Instance.Outcome))));
        Form = form;
        Statement = state.Form.TryGetValue(PromotionVariables.Statement, out var st) && st.ValueKind == JsonValueKind.String ? st.GetString() : null;
        Justification = state.Form.TryGetValue(PromotionVariables.Justification, out var j) && j.ValueKind == JsonValueKind.String ? j.GetString() : null;

        if (state.Values.TryGetValue("eligibility", out var e) && e.ValueKind == JsonValueKind.Object)
        {
            Eligible = e.TryGetProperty("eligible", out var ok) && ok.ValueKind == JsonValueKind.True;
            Eligibility = [.. EligibilityFields
                .Where(k => e.TryGetProperty(k, out var v) && v.ValueKind != JsonValueKind.Null)
                .Select(k => (text.Label(k), text.Value(k, e.GetProperty(k))))];
            Reasons = e.TryGetProperty("reasons", out var reasons) && reasons.ValueKind == JsonValueKind.Array
                ? [.. reasons.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.String).Select(r => r.GetString()!)] : [];
            Considered = e.TryGetProperty("considered", out var considered) && considered.ValueKind == JsonValueKind.Array
                ? [.. considered.EnumerateArray().Select(c => new PrintedViolation(
                    Str(c, "ruleCode") is { Length: > 0 } code ? $"{code} {RuleText.Title(catalog, code)}" : "—", Str(c, "occurredOn"), localizer.Term("ViolationStatus", Str(c, "status")),
                    c.TryGetProperty("counts", out var counts) && counts.ValueKind == JsonValueKind.True, Str(c, "reason")))]
                : [];
        }

        Decisions = [.. history.Select(h => new PrintedDecision(h.Step is null ? "—" : localizer.StepName(design, h.Step),
            h.Kind is HistoryKinds.InstanceWithdrawn or HistoryKinds.InstanceResubmitted ? localizer.Term("Kind", h.Kind) : text.Action(h) ?? "—",
            text.Who(h) ?? "—", text.Role(h.ActingRole) ?? "—", Local(h.At), h.Comment, text.Line(text.Details(h))))];
        return Page();
    }

    private static readonly string[] EligibilityFields = ["asOf", "windowMonths", "windowStart", "windowEnd", "earliestEligibleOn"];

    private static string Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";
}
