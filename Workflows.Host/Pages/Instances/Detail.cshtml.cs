using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Workflows.Definitions.Engine;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Runtime;

namespace Workflows.Host.Pages.Instances;

/// <summary>One readable line of the timeline: who did what, in which role, when, with what comment.</summary>
public sealed record TimelineEntry(int Seq, string At, string Kind, string What, string? Who, string? Role, string? Comment, IReadOnlyList<FormField> Details);

/// <summary>A raw history row, for whoever wants everything (HR tracing a case).</summary>
public sealed record HistoryRow(int Seq, string At, string Kind, string? Step, string? Who, string? Role, string? Action, string? Comment, IReadOnlyList<FormField> Data);

/// <summary>A step of the design's diagram, with where each of its ways out leads.</summary>
public sealed record FlowStep(string Id, string Name, string Kind, string? Role, bool Current, bool Visited, IReadOnlyList<FlowExit> Exits);

public sealed record FlowExit(string Label, string Target, string TargetName);

/// <summary>
/// One application: header, the design's diagram with the current step marked, who has the current task, the
/// subject's facts, the form data as labelled fields and the timeline from history. Anyone who may not see it
/// (<see cref="InstanceAccess.Visible"/>) gets the same 404 as for an id that does not exist.
/// </summary>
public sealed class DetailModel(
    CurrentActor current, WorkflowDbContext db, DepartmentClock clock, PublishedDesigns designs, WorkflowRunner runner, SubjectFactsLoader factsLoader,
    IStringLocalizer<SharedResource> localizer, Definitions.Violations.RuleCatalog catalog)
    : PageModel
{
    /// <summary>Variables shown first on the form, in this order; the rest follow by name.</summary>
    private static readonly string[] FieldOrder =
    [
        "targetRank", "currentRank", "channel", "statement", "justification", "nominatorId", "applicationDate",
        "kind", "requesterShiftId", "counterpartId", "counterpartShiftId", "violationId", "recordedBy", "groupId", "reason", "expiresAt",
    ];

    /// <summary>The one renderer of the data in words, as the trace and the export use it.</summary>
    private HistoryWords words = null!;

    public InstanceDetailDto? Instance { get; private set; }

    public WorkflowDesign? Design { get; private set; }

    public string? DesignTitle { get; private set; }

    public string? CurrentStepName { get; private set; }

    public IReadOnlyList<FlowStep> Flow { get; private set; } = [];

    /// <summary>The steps the instance entered, in order: the path drawn strong on the graph.</summary>
    public IReadOnlyList<string> Entered { get; private set; } = [];

    public IReadOnlyList<TimelineEntry> Timeline { get; private set; } = [];

    public IReadOnlyList<HistoryRow> History { get; private set; } = [];

    public IReadOnlyList<FormField> Form { get; private set; } = [];

    public SubjectFacts? Facts { get; private set; }

    public IReadOnlyList<(string Title, string Role, string? AssigneeName, IReadOnlyList<string> CandidateNames)> OpenTasks { get; private set; } = [];

    public IReadOnlyDictionary<string, string> Names { get; private set; } = new Dictionary<string, string>();

    public bool CanWithdraw { get; private set; }

    /// <summary>For a running promotion: the seat it would fill if appointed now, in words.</summary>
    public string? SeatText { get; private set; }

    public string? Refusal { get; private set; }

    [TempData]
    public string? Done { get; set; }

    public async Task<IActionResult> OnGetAsync(string id) => await LoadAsync(id) ? Page() : Missing();

    public async Task<IActionResult> OnPostWithdrawAsync(string id, string? reason)
    {
        (RefusedForm, KeptReason) = ("withdraw", reason);
        var ct = HttpContext.RequestAborted;
        var actor = await current.GetAsync(ct);
        if (!await InstanceAccess.CanSeeAsync(db, id, actor, ct))
        {
            return Missing();
        }

        if (reason is { Length: > Definitions.TextLimits.Text })
        {
            return await RefuseAsync(id, StatusCodes.Status400BadRequest, Platform.Glossary.TooLong(Definitions.TextLimits.Text));
        }

        if (!Confirmation.Given(this))
        {
            Confirm = await AskWithdrawAsync(this, db, localizer, id, ct);
            return Page();
        }

        var result = await runner.WithdrawAsync(id, actor, string.IsNullOrWhiteSpace(reason) ? null : reason.Trim(), ct);
        if (result is RunResult.Refused refused)
        {
            return await RefuseAsync(id, refused.Status, localizer.Refusal(refused));
        }

        Done = localizer["Application withdrawn."];
        return RedirectToPage(new { id });
    }

    public async Task<IActionResult> OnPostRemindAsync(string id)
    {
        RefusedForm = "remind";
        var ct = HttpContext.RequestAborted;
        var actor = await current.GetAsync(ct);
        if (!await InstanceAccess.CanSeeAsync(db, id, actor, ct))
        {
            return Missing();
        }

        var result = await runner.RemindAsync(id, actor, ct);
        if (result is RunResult.Refused refused)
        {
            return await RefuseAsync(id, refused.Status, localizer.Refusal(refused));
        }

        Done = localizer["Reminder sent."];
        return RedirectToPage(new { id });
    }

    public async Task<IActionResult> OnPostCopyAsync(string id, string? colleague, string? comment)
    {
        (RefusedForm, KeptComment) = ("copy", comment);
        var ct = HttpContext.RequestAborted;
        var actor = await current.GetAsync(ct);
        if (!await InstanceAccess.CanSeeAsync(db, id, actor, ct))
        {
            return Missing();
        }

        KeptCopy = colleague;
        var name = colleague?.Split('（')[0].Trim();
        var ids = string.IsNullOrWhiteSpace(name) ? [] : await db.Users.AsNoTracking().Where(u => u.Name == name).Select(u => u.Id).ToListAsync(ct);
        if (ids.Count != 1)
        {
            return await RefuseAsync(id, StatusCodes.Status400BadRequest, localizer["Choose the colleague to copy."]);
        }

        if (comment is { Length: > 2000 })
        {
            return await RefuseAsync(id, StatusCodes.Status400BadRequest, localizer["A comment can be at most 2000 characters."]);
        }

        var result = await runner.CopyAsync(id, actor, ids, string.IsNullOrWhiteSpace(comment) ? null : comment.Trim(), ct);
        if (result is RunResult.Refused refused)
        {
            return await RefuseAsync(id, refused.Status, localizer.Refusal(refused));
        }

        Done = localizer["{0} copied.", name!];
        return RedirectToPage(new { id });
    }

    /// <summary>The question 撤回 asks first (without JavaScript too); while set, the page shows only it.</summary>
    public Confirmation? Confirm { get; private set; }

    /// <summary>Withdrawing asks first: which application (its number, kind and applicant) and what withdrawing does.</summary>
    public static async Task<Confirmation> AskWithdrawAsync(PageModel page, WorkflowDbContext db, IStringLocalizer localizer, string id, CancellationToken ct)
    {
        var instance = await db.Instances.AsNoTracking().SingleAsync(i => i.Id == id, ct);
        var subject = await db.Users.AsNoTracking().Where(u => u.Id == instance.SubjectId).Select(u => u.Name).SingleOrDefaultAsync(ct);
        return Confirmation.For(page, localizer["P19_Withdraw this application? It cannot be undone."], localizer["W19_Confirm.Withdraw"], $"/Instances/{id}",
            $"{ReferenceNumbers.Of(instance)} · {localizer.Term("Type", instance.Type)} · {subject}", localizer["W19_Confirm.WithdrawEffect"]);
    }

    /// <summary>The form a refusal answers (withdraw, remind, copy): the refusal is shown in it, not at the top.</summary>
    public string? RefusedForm { get; private set; }

    /// <summary>Whether the refused form is still on the page; else (the application ended meanwhile) the refusal shows at the top.</summary>
    public bool RefusalShownInPlace => RefusedForm switch
    {
        "withdraw" => CanWithdraw,
        "remind" => CanRemind,
        "copy" => Colleagues.Count > 0,
        _ => false,
    };

    /// <summary>The withdrawal reason typed, kept when it was refused.</summary>
    public string? KeptReason { get; private set; }

    /// <summary>The copy comment typed, kept when it was refused.</summary>
    public string? KeptComment { get; private set; }

    /// <summary>The colleague typed into the 抄送 form, kept when it was refused.</summary>
    public string? KeptCopy { get; private set; }

    /// <summary>Colleagues for the 抄送 picker, by name.</summary>
    public IReadOnlyList<string> Colleagues { get; private set; } = [];

    public bool CanRemind { get; private set; }

    private async Task<IActionResult> RefuseAsync(string id, int status, string text)
    {
        Response.StatusCode = status;
        Refusal = string.Format(CultureInfo.CurrentCulture, localizer["Not done ({0}): {1}"], status, text);
        await LoadAsync(id);
        return Page();
    }

    private PageResult Missing()
    {
        Instance = null;
        Response.StatusCode = StatusCodes.Status404NotFound;
        return Page();
    }

    public string Local(DateTimeOffset at) => clock.Local(at);

    private async Task<bool> LoadAsync(string id)
    {
        var ct = HttpContext.RequestAborted;
        var actor = await current.GetAsync(ct);
        var instance = await InstanceAccess.Visible(db, actor).AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, ct);
        if (instance is null)
        {
            return false;
        }

        Instance = await InstancesApi.DetailAsync(db, instance, ct);
        var design = designs.Get(instance.DesignName, instance.DesignVersion);
        Design = design;
        CurrentStepName = instance.CurrentStep is null ? null : localizer.StepName(design, instance.CurrentStep);

        var history = await db.History.AsNoTracking().Where(h => h.InstanceId == id).OrderBy(h => h.Seq).ToListAsync(ct);
        var tasks = await db.Tasks.AsNoTracking().Where(t => t.InstanceId == id && t.Status == TaskState.Open).ToListAsync(ct);
        var taskIds = tasks.Select(t => t.Id).ToList();
        var candidates = (await db.TaskCandidates.AsNoTracking().Where(c => taskIds.Contains(c.TaskId)).ToListAsync(ct)).ToLookup(c => c.TaskId, c => c.EmployeeId);
        words = await HistoryWords.LoadAsync(db, clock, localizer, catalog, history, Instance.Data.Values,
            [instance.SubjectId, instance.StartedBy, .. tasks.Select(t => t.AssigneeId), .. candidates.SelectMany(c => c)], ct);
        Names = words.Names;
        DesignTitle = words.DesignTitle(design);

        Flow = BuildFlow(design, instance.CurrentStep, history);
        Entered = [.. history.Where(h => h.Kind == HistoryKinds.StepEntered && h.Step is not null).Select(h => h.Step!)];
        Timeline = [.. history.Where(h => !HistoryWords.Noise.Contains(h.Kind)).Select(h => Entry(design, h))];
        // The full record in words too: steps by name, roles, actions and results as terms, data as labelled fields.
        History = [.. history.Select(h => new HistoryRow(h.Seq, Local(h.At), h.Kind, h.Step is null ? null : localizer.StepName(design, h.Step),
            h.ActorId is null ? null : Names.NameOf(h.ActorId), words.Role(h.ActingRole), words.Action(h), h.Comment, words.Details(h)))];
        Form = words.Fields(Instance.Data, FieldOrder);
        OpenTasks = [.. tasks.Select(t => (localizer.StepName(design, t.Step), t.ActingRole, t.AssigneeId is null ? null : Names.NameOf(t.AssigneeId),
            (IReadOnlyList<string>)[.. candidates[t.Id].Select(c => Names.NameOf(c))]))];
        if (instance.Status == InstanceStatus.Running)
        {
            Facts = (await factsLoader.LoadAsync([(instance.Id, instance.Type, instance.SubjectId)], ct)).GetValueOrDefault(instance.Id);
        }

        SeatText = (await SeatPreview.LoadAsync(db, localizer, [instance], ct)).GetValueOrDefault(instance.Id);
        CanWithdraw = instance.Status == InstanceStatus.Running && instance.StartedBy == actor.Id;
        CanRemind = CanWithdraw && tasks.Count > 0;
        if (instance.Status == InstanceStatus.Running)
        {
            Colleagues = await db.Users.AsNoTracking().Where(u => u.Id != actor.Id).OrderBy(u => u.Name).Select(u => u.Name).Distinct().ToListAsync(ct);
        }

        return true;
    }

    /// <summary>
    /// The design's steps in the order they are reached from the start (breadth first, ways out in the design's
    /// order), the end steps last; the current step marked, and every step the instance has entered.
    /// </summary>
    private List<FlowStep> BuildFlow(WorkflowDesign design, string? currentStep, List<HistoryEntry> history)
    {
        var visited = history.Where(h => h.Kind == HistoryKinds.StepEntered && h.Step is not null).Select(h => h.Step!).ToHashSet(StringComparer.Ordinal);
        // A finished instance stands on no step; its end step is the last one it entered.
        var marked = currentStep ?? history.LastOrDefault(h => h.Kind == HistoryKinds.StepEntered)?.Step;
        var order = new List<string>();
        var queue = new Queue<string>([design.Start]);
        var seen = new HashSet<string>([design.Start], StringComparer.Ordinal);
        while (queue.TryDequeue(out var stepId))
        {
            order.Add(stepId);
            foreach (var (_, target) in Exits(design.Steps[stepId]))
            {
                if (design.Steps.ContainsKey(target) && seen.Add(target))
                {
                    queue.Enqueue(target);
                }
            }
        }

        order.AddRange(design.Steps.Keys.Where(k => !seen.Contains(k)).Order(StringComparer.Ordinal));
        return [.. order.Select(design.Step).OrderBy(s => s is EndStep ? 1 : 0).Select(step => new FlowStep(
            step.Id, localizer.StepName(design, step.Id), KindOf(step), step is TaskStep t ? t.RoleLabel : null,
            step.Id == marked, visited.Contains(step.Id),
            [.. Exits(step).Select(e => new FlowExit(e.Label, e.Target, localizer.StepName(design, e.Target)))]))];
    }

    /// <summary>The way forward first, then the ways back or out (the design's dictionary keeps no order).</summary>
    private static int ActionOrder(string action) => Array.IndexOf(PreferredActions, action) is var i and >= 0 ? i : PreferredActions.Length;

    private static readonly string[] PreferredActions = ["approve", "accept", "resubmit", "uphold", "reduce", "waive", "return", "reject", "decline"];

    private static string KindOf(StepDesign step) => step switch
    {
        TaskStep => "task",
        AutoStep => "auto",
        WaitStep => "wait",
        _ => "end",
    };

    private IEnumerable<(string Label, string Target)> Exits(StepDesign step) => step switch
    {
        TaskStep task => task.Actions.Values.OrderBy(a => ActionOrder(a.Name)).ThenBy(a => a.Name, StringComparer.Ordinal).Select(a => (localizer.Term("Action", a.Name), a.To))
            .Concat(task.OnDue is { } due ? [(localizer["When due"].Value, due)] : []),
        AutoStep auto => auto.OnOutcome.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => (localizer.Term("Result", o.Key), o.Value)),
        WaitStep wait => new[] { (localizer["On signal {0}", localizer.Term("Signal", wait.Signal)].Value, wait.OnSignal) }
            .Concat(wait.OnTimeout is { } timeout ? [(localizer["On timeout"].Value, timeout)] : []),
        _ => [],
    };

    /// <summary>A history row as a sentence, with what a person decided with (an amount); what an automatic step computed is in the full history below.</summary>
    private TimelineEntry Entry(WorkflowDesign design, HistoryEntry h) =>
        new(h.Seq, Local(h.At), h.Kind, words.What(design, h), words.Who(h), h.ActingRole,
            h.Comment, h.Kind is HistoryKinds.TaskCompleted or HistoryKinds.InstanceResubmitted ? words.Details(h) : []);
}
