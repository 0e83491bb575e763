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

/// <summary>A labelled value of the form data; an object's fields are its children.</summary>
public sealed record FormField(string Key, string Label, string? Text, IReadOnlyList<FormField> Children);

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
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>History kinds that only echo what the next row says (entering a step, creating its task): off the readable timeline.</summary>
    private static readonly HashSet<string> Noise = [HistoryKinds.StepEntered, HistoryKinds.TaskCreated];

    /// <summary>Variables shown first on the form, in this order; the rest follow by name.</summary>
    private static readonly string[] FieldOrder =
    [
        "targetRank", "currentRank", "channel", "statement", "justification", "nominatorId", "applicationDate",
        "kind", "requesterShiftId", "counterpartId", "counterpartShiftId", "violationId", "recordedBy", "groupId", "reason", "expiresAt",
    ];

    /// <summary>Variables that hold an instant: shown in department time.</summary>
    private static readonly HashSet<string> Instants = ["expiresAt", "waitUntil", "dueAt", "expiredAt", "appliedAt"];

    /// <summary>
    /// Variables the engine keeps for itself (the route an automatic step chose, the eligibility snapshot the facts panel
    /// explains, the coverage codes beside their words): not part of the form a person reads.
    /// </summary>
    private static readonly HashSet<string> Internal = ["activity", "eligibility", "appointmentEligibility", "coverageViolations", "appliedShifts", "reasonCodes"];

    /// <summary>Shifts and violations the form and the history name by id, as people name them.</summary>
    private Dictionary<string, string> things = new(StringComparer.Ordinal);

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

    private static string Json(JsonElement value) => JsonSerializer.Serialize(value, Indented);

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
        DesignTitle = Glossary.Term("W19_Design", design.Name) is var named && named != design.Name ? named
            : Glossary.Term("W19_Design", design.Type) is var typed && typed != design.Type ? typed : WorkflowText.InLanguage(design.Title);
        CurrentStepName = instance.CurrentStep is null ? null : localizer.StepName(design, instance.CurrentStep);

        var history = await db.History.AsNoTracking().Where(h => h.InstanceId == id).OrderBy(h => h.Seq).ToListAsync(ct);
        var tasks = await db.Tasks.AsNoTracking().Where(t => t.InstanceId == id && t.Status == TaskState.Open).ToListAsync(ct);
        var taskIds = tasks.Select(t => t.Id).ToList();
        var candidates = (await db.TaskCandidates.AsNoTracking().Where(c => taskIds.Contains(c.TaskId)).ToListAsync(ct)).ToLookup(c => c.TaskId, c => c.EmployeeId);
        Names = await EmployeeNames.LoadAsync(db,
            history.Select(h => h.ActorId).Concat(history.Select(h => h.OnBehalfOf)).Concat(history.SelectMany(h => People(h.DataJson))).Concat([instance.SubjectId, instance.StartedBy])
                .Concat(Instance.Data.Values.Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString())).Concat(tasks.Select(t => t.AssigneeId))
                .Concat(candidates.SelectMany(c => c)), ct);
        var groups = await db.Groups.AsNoTracking().ToDictionaryAsync(g => g.Id, g => g.Name, StringComparer.Ordinal, ct);
        things = await ThingsAsync(Instance.Data.Values.Concat(history.Where(h => h.DataJson is not null).Select(h => JsonDocument.Parse(h.DataJson!).RootElement)), groups, ct);

        Flow = BuildFlow(design, instance.CurrentStep, history);
        Entered = [.. history.Where(h => h.Kind == HistoryKinds.StepEntered && h.Step is not null).Select(h => h.Step!)];
        Timeline = [.. history.Where(h => !Noise.Contains(h.Kind)).Select(h => Entry(design, h, groups))];
        // The full record in words too: steps by name, roles, actions and results as terms, data as labelled fields.
        History = [.. history.Select(h => new HistoryRow(h.Seq, Local(h.At), h.Kind, h.Step is null ? null : localizer.StepName(design, h.Step),
            h.ActorId is null ? null : Names.NameOf(h.ActorId), h.ActingRole is null ? null : localizer.Term("Role", h.ActingRole),
            h.Action is null ? null : h.Kind == HistoryKinds.ActivityCompleted ? localizer.Term("Result", h.Action)
                : h.Kind == HistoryKinds.InstanceCompleted ? localizer.Term("Outcome", h.Action) : localizer.Term("Action", h.Action),
            h.Comment, h.DataJson is null || Noise.Contains(h.Kind) ? [] : Fields(h.DataJson, groups)))];
        Form = [.. Instance.Data.Where(d => !Internal.Contains(d.Key))
            .OrderBy(d => Array.IndexOf(FieldOrder, d.Key) is var i and >= 0 ? i : int.MaxValue).ThenBy(d => d.Key, StringComparer.Ordinal)
            .Select(d => Field(d.Key, d.Value, groups, 0))];
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

    /// <summary>A history row as a sentence: the step by name, the action or the automatic step's result, in the UI language.</summary>
    private TimelineEntry Entry(WorkflowDesign design, HistoryEntry h, IReadOnlyDictionary<string, string> groups)
    {
        var step = h.Step is null ? null : localizer.StepName(design, h.Step);
        var what = h.Kind switch
        {
            HistoryKinds.TaskCompleted => $"{step}: {localizer.Term("Action", h.Action)}",
            HistoryKinds.ActivityCompleted => $"{step}: {localizer.Term("Result", h.Action)}",
            HistoryKinds.TaskDue => localizer["{0}: not done in time", step ?? "—"].Value,
            HistoryKinds.SignalReceived => $"{step}: {localizer.Term("Signal", h.Action)}",
            HistoryKinds.TimerFired => localizer["{0}: waited too long", step ?? "—"].Value,
            HistoryKinds.InstanceCompleted => $"{localizer.Term("Kind", h.Kind)}: {localizer.Term("Outcome", h.Action)}",
            HistoryKinds.TaskTransferred => localizer["{0}: handed from {1} to {2}", step ?? "—", Person(h.DataJson, "from"), Person(h.DataJson, "to")].Value,
            HistoryKinds.SignerAdded => localizer[Text(h.DataJson, "position") == "before" ? "{0}: {1} added to sign before" : "{0}: {1} added to sign after",
                step ?? "—", Person(h.DataJson, "signer")].Value,
            HistoryKinds.TaskReturned => Text(h.DataJson, "toStep") is { } toStep
                ? localizer["{0}: returned to {1}", step ?? "—", localizer.StepName(design, toStep)].Value
                : localizer["{0}: returned to the applicant", step ?? "—"].Value,
            HistoryKinds.InstanceResubmitted => localizer.Term("Kind", h.Kind),
            HistoryKinds.InstanceReminded => localizer["Reminded: {0}", step ?? "—"].Value,
            HistoryKinds.InstanceCopied => localizer["Copied to {0}", string.Join("、", People(h.DataJson).Select(p => Names.NameOf(p)))].Value,
            "task.escalated" or "task.reassigned" or HistoryKinds.TaskDueSoon or HistoryKinds.TaskOverdue => $"{localizer.Term("Kind", h.Kind)}: {step}",
            _ => step is null ? localizer.Term("Kind", h.Kind) : $"{localizer.Term("Kind", h.Kind)}: {step}",
        };
        var who = h.ActorId is not null && h.OnBehalfOf is not null ? localizer["{0} on behalf of {1}", Names.NameOf(h.ActorId), Names.NameOf(h.OnBehalfOf)].Value
            : h.ActorId is not null ? Names.NameOf(h.ActorId)
            : h.Kind is HistoryKinds.InstanceStarted or HistoryKinds.TaskCompleted or HistoryKinds.InstanceWithdrawn ? null : localizer["System"].Value;
        // What a person decided with (an amount) is shown; what an automatic step computed is in the full history below.
        IReadOnlyList<FormField> details = h.Kind is HistoryKinds.TaskCompleted or HistoryKinds.InstanceResubmitted && h.DataJson is not null ? Fields(h.DataJson, groups) : [];
        return new TimelineEntry(h.Seq, Local(h.At), h.Kind, what, who, h.ActingRole, h.Comment, details);
    }

    private string Person(string? json, string key) => Names.NameOf(Text(json, key));

    private static string? Text(string? json, string key)
    {
        if (json is null)
        {
            return null;
        }

        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }

    /// <summary>The people a history row names (from, to, signer, copied), for loading their names.</summary>
    private static IEnumerable<string> People(string? json)
    {
        if (json is null)
        {
            yield break;
        }

        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }

        foreach (var key in new[] { "from", "to", "signer" })
        {
            if (doc.RootElement.TryGetProperty(key, out var v))
            {
                if (v.ValueKind == JsonValueKind.String)
                {
                    yield return v.GetString()!;
                }
                else if (v.ValueKind == JsonValueKind.Array)
                {
                    foreach (var item in v.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.String))
                    {
                        yield return item.GetString()!;
                    }
                }
            }
        }
    }

    private List<FormField> Fields(string json, IReadOnlyDictionary<string, string> groups)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.ValueKind == JsonValueKind.Object
            ? [.. doc.RootElement.EnumerateObject().Where(p => !Internal.Contains(p.Name)).Select(p => Field(p.Name, p.Value, groups, 0))]
            : [];
    }

    /// <summary>The shifts (date, time, group) and violations (rule, date) whose ids appear among <paramref name="values"/>.</summary>
    private async Task<Dictionary<string, string>> ThingsAsync(IEnumerable<JsonElement> values, IReadOnlyDictionary<string, string> groups, CancellationToken ct)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        void Collect(JsonElement e, int depth)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.String when e.GetString() is { Length: >= 8 and <= 64 } s:
                    ids.Add(s);
                    break;
                case JsonValueKind.Array when depth < 4:
                    foreach (var item in e.EnumerateArray())
                    {
                        Collect(item, depth + 1);
                    }

                    break;
                case JsonValueKind.Object when depth < 4:
                    foreach (var p in e.EnumerateObject())
                    {
                        Collect(p.Value, depth + 1);
                    }

                    break;
            }
        }

        foreach (var v in values)
        {
            Collect(v, 0);
        }

        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        if (ids.Count == 0)
        {
            return found;
        }

        var wanted = ids.ToList();
        foreach (var s in await db.Set<Host.Roster.Shift>().AsNoTracking().Where(s => wanted.Contains(s.Id)).ToListAsync(ct))
        {
            found[s.Id] = Glossary.Shift(s.Date, s.Start, s.End) + (groups.TryGetValue(s.GroupId, out var g) ? " · " + g : "");
        }

        foreach (var v in await db.Set<Host.Violations.Violation>().AsNoTracking().Where(v => wanted.Contains(v.Id)).ToListAsync(ct))
        {
            found[v.Id] = $"{RuleText.Title(catalog, v.RuleCode)} · {v.OccurredOn.Iso()}";
        }

        return found;
    }

    /// <summary>Money variables: shown in the one money format.</summary>
    private static bool IsMoney(string key) => key.EndsWith("Amount", StringComparison.Ordinal) || key == "amount";

    /// <summary>
    /// A value with its label: employee and group ids as names, ranks and other codes in words, instants in
    /// department time, objects as nested labelled fields; anything deeper or odder as indented JSON.
    /// </summary>
    private FormField Field(string key, JsonElement value, IReadOnlyDictionary<string, string> groups, int depth)
    {
        var label = localizer.Term("Field", key);
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                var text = value.GetString() ?? "";
                if (Names.TryGetValue(text, out var name) || things.TryGetValue(text, out name))
                {
                    return new FormField(key, label, name, []);
                }

                if (groups.TryGetValue(text, out var group))
                {
                    return new FormField(key, label, group, []);
                }

                if (Instants.Contains(key) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
                {
                    return new FormField(key, label, Local(at), []);
                }

                var term = key switch
                {
                    "targetRank" or "currentRank" or "rank" or "fromRank" => localizer.Term("Rank", text),
                    "channel" => localizer.Term("Channel", text),
                    "kind" => localizer.Term("SwapKind", text),
                    "status" => localizer.Term("Status", text),
                    "outcome" => localizer.Term("Outcome", text),
                    "ruleCode" => $"{text} {RuleText.Title(catalog, text)}",
                    _ when IsMoney(key) && decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var money) => Glossary.Money(money),
                    _ => localizer.Term("W19_Value", text) is var said && said != text ? said : Glossary.Term("W19_Value", text),
                };
                return new FormField(key, label, term, []);
            case JsonValueKind.True or JsonValueKind.False:
                return new FormField(key, label, value.GetBoolean() ? localizer["Yes"] : localizer["No"], []);
            case JsonValueKind.Null or JsonValueKind.Undefined:
                return new FormField(key, label, "—", []);
            case JsonValueKind.Object when depth < 2:
                return new FormField(key, label, null, [.. value.EnumerateObject().Select(p => Field(p.Name, p.Value, groups, depth + 1))]);
            case JsonValueKind.Array when value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String):
                var items = value.EnumerateArray().Select(e => e.GetString()!)
                    .Select(s => Names.TryGetValue(s, out var n) || things.TryGetValue(s, out n) ? n : Glossary.Term("W19_Value", s)).ToList();
                return new FormField(key, label, items.Count == 0 ? "—" : string.Join("\n", items), []);
            case JsonValueKind.Array when depth < 2:
                var rows = value.EnumerateArray().Select((e, n) => Field((n + 1).ToString(CultureInfo.InvariantCulture), e, groups, depth + 1)).ToList();
                return rows.Count == 0 ? new FormField(key, label, "—", []) : new FormField(key, label, null, rows);
            case JsonValueKind.Number when IsMoney(key) && value.TryGetDecimal(out var amount):
                return new FormField(key, label, Glossary.Money(amount), []);
            case JsonValueKind.Number:
                return new FormField(key, label, value.GetRawText(), []);
            default:
                return new FormField(key, label, Json(value), []);
        }
    }
}
