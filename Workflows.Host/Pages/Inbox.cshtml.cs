using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Runtime;
using Workflows.Definitions.Engine;

namespace Workflows.Host.Pages;

/// <summary>
/// The caller's open tasks (the API's inbox query, overdue first) with claim, release and a decision
/// form per task. Every action goes through the runner, which checks who may act; a refusal is shown
/// on the page with its status code, never as an error page.
/// </summary>
public sealed class InboxModel(
    CurrentActor current, WorkflowDbContext db, DepartmentClock clock, WorkflowRunner runner, TaskCompletionChecks checks, SubjectFactsLoader facts,
    PublishedDesigns designs, IStringLocalizer<SharedResource> localizer)
    : PageModel
{
    public static readonly TimeSpan DueSoon = TimeSpan.FromHours(24);

    [BindProperty(SupportsGet = true)]
    public string? Type { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool Overdue { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool Soon { get; set; }

    public IReadOnlyList<TaskDto> Tasks { get; private set; } = [];

    public IReadOnlyList<string> Types { get; private set; } = [];

    public IReadOnlyDictionary<string, string> Names { get; private set; } = new Dictionary<string, string>();

    /// <summary>The subject's facts by instance id (promotions, swaps, disputes), loaded for all tasks at once.</summary>
    public IReadOnlyDictionary<string, SubjectFacts> Facts { get; private set; } = new Dictionary<string, SubjectFacts>();

    public DepartmentClock Clock => clock;

    public string? Refusal { get; private set; }

    [TempData]
    public string? Done { get; set; }

    public async Task OnGetAsync() => await LoadAsync();

    public Task<IActionResult> OnPostClaimAsync(string taskId) =>
        RunAsync(async actor => await runner.ClaimAsync(taskId, actor, HttpContext.RequestAborted), localizer["Task claimed."], taskId);

    public Task<IActionResult> OnPostReleaseAsync(string taskId) =>
        RunAsync(async actor => await runner.ReleaseAsync(taskId, actor, HttpContext.RequestAborted), localizer["Task released."], taskId);

    /// <summary>The task whose form was refused: its card shows the refusal and keeps what was typed.</summary>
    public string? RefusedTaskId { get; private set; }

    /// <summary>What was typed on the refused card (comment, chosen colleague, form fields), shown again.</summary>
    public IReadOnlyDictionary<string, string> Kept { get; private set; } = new Dictionary<string, string>();

    /// <summary>Colleagues to hand a task to or add, the caller's own group first, by name.</summary>
    public IReadOnlyList<(string Id, string Name, string Group)> Colleagues { get; private set; } = [];

    /// <summary>Earlier approvers' comments per instance (who, role, what, comment), oldest first.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<(string Who, string? Role, string What, string Comment)>> Comments { get; private set; } =
        new Dictionary<string, IReadOnlyList<(string, string?, string, string)>>();

    /// <summary>Earlier human steps of each instance a task may be returned to (id, name).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<(string Id, string Name)>> ReturnSteps { get; private set; } =
        new Dictionary<string, IReadOnlyList<(string, string)>>();

    /// <summary>For an amend task: the form's free-text fields and their current text, by instance.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<(string Key, string Text)>> FreeText { get; private set; } =
        new Dictionary<string, IReadOnlyList<(string, string)>>();

    /// <summary>For an amend task: who returned it and why, by instance.</summary>
    public IReadOnlyDictionary<string, (string Who, string Comment)> Returned { get; private set; } = new Dictionary<string, (string, string)>();

    /// <summary>For a promotion: the seat it would fill if appointed now, in words, by instance.</summary>
    public IReadOnlyDictionary<string, string> SeatTexts { get; private set; } = new Dictionary<string, string>();

    /// <summary>The per-task answers of the last 批量审批, in words.</summary>
    public IReadOnlyList<(string TaskId, string Subject, bool Ok, string Text)> BulkResults { get; private set; } = [];

    public const string AmendStep = "amend";

    /// <summary>The <see cref="RefusedTaskId"/> of a refusal that answers the 批量审批 form rather than one card.</summary>
    public const string BulkForm = "bulk";

    /// <summary>
    /// Whether the refusal is shown in the form it answers (a card on the page, or the bulk form); otherwise — a task
    /// the reader no longer sees or never could — it is shown at the top, never lost.
    /// </summary>
    public bool RefusalShownInPlace => RefusedTaskId is not null
        && (RefusedTaskId == BulkForm ? Tasks.Count > 1 : Tasks.Any(t => t.Id == RefusedTaskId));

    /// <summary>The tasks ticked for a refused 批量审批, ticked again.</summary>
    public IReadOnlyList<string> KeptBulk { get; private set; } = [];

    /// <summary>The form fields a returned application may change on resubmission (the engine's list), in the order shown.</summary>
    private static readonly string[] FreeTextFields = ["statement", "justification", "reason"];

    public async Task<IActionResult> OnPostTransferAsync(string taskId, string? toEmployeeId, string? transferComment)
    {
        var comment = transferComment;
        Keep(taskId, ("transferTo", toEmployeeId), ("transferComment", comment));
        var to = await ColleagueIdAsync(toEmployeeId);
        if (to is null)
        {
            return await RefuseAsync(StatusCodes.Status400BadRequest, localizer["Choose the colleague to hand the task to."], taskId);
        }

        if (comment is { Length: > 2000 })
        {
            return await RefuseAsync(StatusCodes.Status400BadRequest, localizer["A comment can be at most 2000 characters."], taskId);
        }

        return await RunAsync(
            async actor => await runner.TransferAsync(taskId, actor, to, Trimmed(comment), HttpContext.RequestAborted),
            localizer["Task handed to {0}.", NamePart(toEmployeeId!)], taskId);
    }

    public async Task<IActionResult> OnPostAddSignerAsync(string taskId, string? signerId, string? position, string? signerComment)
    {
        var comment = signerComment;
        Keep(taskId, ("signer", signerId), ("position", position), ("signerComment", comment));
        var signer = await ColleagueIdAsync(signerId);
        if (signer is null)
        {
            return await RefuseAsync(StatusCodes.Status400BadRequest, localizer["Choose the colleague to add."], taskId);
        }

        SignerPosition? where = position switch { "before" => SignerPosition.Before, "after" => SignerPosition.After, _ => null };
        if (where is null)
        {
            return await RefuseAsync(StatusCodes.Status400BadRequest, localizer["Say whether the colleague signs before or after you."], taskId);
        }

        if (comment is { Length: > 2000 })
        {
            return await RefuseAsync(StatusCodes.Status400BadRequest, localizer["A comment can be at most 2000 characters."], taskId);
        }

        return await RunAsync(
            async actor => await runner.AddSignerAsync(taskId, actor, signer, where.Value, Trimmed(comment), HttpContext.RequestAborted),
            localizer["{0} added as a signer.", NamePart(signerId!)], taskId);
    }

    public async Task<IActionResult> OnPostBulkAsync(string[]? taskIds, string? decision, string? comment)
    {
        RefusedTaskId = BulkForm;
        Keep(BulkForm, ("decision", decision), ("comment", comment));
        KeptBulk = [.. taskIds ?? []];
        var ids = (taskIds ?? []).Where(id => !string.IsNullOrWhiteSpace(id)).Distinct(StringComparer.Ordinal).ToList();
        if (ids.Count == 0)
        {
            return await RefuseAsync(StatusCodes.Status400BadRequest, localizer["Select the tasks to decide."]);
        }

        if (ids.Count > TasksApi.MaxBulk)
        {
            return await RefuseAsync(StatusCodes.Status400BadRequest, localizer["At most {0} tasks at once.", TasksApi.MaxBulk]);
        }

        if (string.IsNullOrWhiteSpace(decision))
        {
            return await RefuseAsync(StatusCodes.Status400BadRequest, localizer["Choose a decision."]);
        }

        if (comment is { Length: > 2000 })
        {
            return await RefuseAsync(StatusCodes.Status400BadRequest, localizer["A comment can be at most 2000 characters."]);
        }

        var ct = HttpContext.RequestAborted;
        var actor = await current.GetAsync(ct);
        var subjects = await (from t in db.Tasks.AsNoTracking()
                              join i in db.Instances.AsNoTracking() on t.InstanceId equals i.Id
                              where ids.Contains(t.Id)
                              select new { t.Id, i.SubjectId }).ToDictionaryAsync(x => x.Id, x => x.SubjectId, StringComparer.Ordinal, ct);
        var names = await EmployeeNames.LoadAsync(db, subjects.Values, ct);
        if (!Confirmation.Given(this))
        {
            Confirm = Confirmation.For(this, localizer["P19_Decide all the ticked tasks at once?"], localizer["W19_Confirm.Bulk"], Back,
                localizer["W19_Confirm.BulkTasks", ids.Count, Glossary.List(ids.Select(id => subjects.TryGetValue(id, out var who) ? names.NameOf(who) : "—"))],
                localizer["W19_Confirm.BulkDecision", localizer.Term("Action", decision.Trim())], localizer["W19_Confirm.BulkEffect"]);
            return Page();
        }

        var results = new List<(string, string, bool, string)>();
        foreach (var id in ids)
        {
            // Each task is its own step and answer, as the API's bulk-complete: one refusal does not stop the others.
            var result = await runner.CompleteTaskAsync(id, actor, decision.Trim(), Trimmed(comment), null, ct);
            var subject = subjects.TryGetValue(id, out var who) ? names.NameOf(who) : "—";
            results.Add(result is RunResult.Refused refused
                ? (id, subject, false, string.Format(CultureInfo.CurrentCulture, localizer["Not done ({0}): {1}"], refused.Status, localizer.Refusal(refused)))
                : (id, subject, true, localizer["Decision recorded: {0}.", localizer.Term("Action", decision.Trim())].Value));
        }

        BulkResults = results;
        RefusedTaskId = null;
        Kept = new Dictionary<string, string>();
        KeptBulk = [];
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostActAsync(string taskId, string? decision, string? comment, string? amount, string? toStep,
        string? statement, string? justification, string? reason)
    {
        Keep(taskId, ("decision", decision), ("comment", comment), ("amount", amount), ("toStep", toStep),
            ("statement", statement), ("justification", justification), ("reason", reason));
        if (string.IsNullOrWhiteSpace(decision))
        {
            return await RefuseAsync(StatusCodes.Status400BadRequest, localizer["Choose a decision."], taskId);
        }

        if (comment is { Length: > Definitions.TextLimits.Text })
        {
            return await RefuseAsync(StatusCodes.Status400BadRequest, Platform.Glossary.TooLong(Definitions.TextLimits.Text), taskId);
        }

        var data = ImmutableDictionary<string, JsonElement>.Empty;
        if (!string.IsNullOrWhiteSpace(amount))
        {
            // The rules want a number; anything else goes through as text and the runner's validation answers it.
            data = data.Add("amount", decimal.TryParse(amount.Trim(), NumberStyles.Number, CultureInfo.InvariantCulture, out var number)
                ? JsonSerializer.SerializeToElement(number)
                : JsonSerializer.SerializeToElement(amount.Trim()));
        }

        var action = decision.Trim();
        if (action == "return" && !string.IsNullOrWhiteSpace(toStep))
        {
            data = data.Add("toStep", JsonSerializer.SerializeToElement(toStep.Trim()));
        }

        if (action == "resubmit")
        {
            // Only the free-text fields the amend card showed are sent; the runner refuses any other field.
            foreach (var (key, text) in new[] { ("statement", statement), ("justification", justification), ("reason", reason) })
            {
                if (text is not null)
                {
                    data = data.SetItem(key, JsonSerializer.SerializeToElement(text.Trim()));
                }
            }
        }

        if (action == "withdraw" && !Confirmation.Given(this) && await AskWithdrawAsync(taskId) is { } ask)
        {
            return ask;
        }

        return await RunAsync(
            async actor => await checks.CheckAsync(taskId, actor, action, data.IsEmpty ? null : data, HttpContext.RequestAborted) is { } errors
                ? new RunResult.Refused(StatusCodes.Status422UnprocessableEntity, string.Join(" ", errors.Values.SelectMany(e => e).Distinct(StringComparer.Ordinal)))
                : await CameBackAsync(taskId, action, await runner.CompleteTaskAsync(taskId, actor, action, Trimmed(comment), data.IsEmpty ? null : data, HttpContext.RequestAborted)),
            localizer["Decision recorded: {0}.", localizer.Term("Action", action)], taskId);
    }

    /// <summary>
    /// A decision the runner took but whose automatic follow-up refused it sends the instance back to the same step
    /// (a dispute's reduced amount the ledger will not apply): that is not "done". It is reported on the card as a
    /// refusal, with the reason the follow-up left, and the card (now the step's new task) keeps what was typed.
    /// </summary>
    private async Task<RunResult> CameBackAsync(string taskId, string action, RunResult result)
    {
        if (result is not RunResult.Ok ok || ok.Instance.Status != InstanceStatus.Running || ok.Instance.CurrentStep is not { } step)
        {
            return result;
        }

        // Came back: the decision was meant to leave the step, yet the instance entered that same step again (a new
        // visit). A colleague added to sign before the approver leaves the instance on the step's same visit, and a
        // design whose action leads to its own step means to come back: neither is a refusal.
        var ct = HttpContext.RequestAborted;
        var done = await db.Tasks.AsNoTracking().Where(t => t.Id == taskId).Select(t => new { t.Step, t.Visit }).SingleOrDefaultAsync(ct);
        if (done is null || done.Step != step || ok.Instance.StepVisit <= done.Visit
            || designs.Get(ok.Instance.DesignName, ok.Instance.DesignVersion).Steps.GetValueOrDefault(step) is not TaskStep taskStep
            || !taskStep.Actions.TryGetValue(action, out var chosen) || chosen.To == step)
        {
            return result;
        }

        var next = await db.Tasks.AsNoTracking().Where(t => t.InstanceId == ok.Instance.Id && t.Step == step && t.Status == TaskState.Open)
            .OrderByDescending(t => t.CreatedAt).Select(t => t.Id).FirstOrDefaultAsync(ct);
        if (next is not null)
        {
            RefusedTaskId = next;
            CameBackTo = next;
        }

        string? reason = null;
        using (var state = JsonDocument.Parse(ok.Instance.StateJson))
        {
            foreach (var holder in new[] { state.RootElement }.Concat(state.RootElement.TryGetProperty("variables", out var v) ? [v] : []))
            {
                if (holder.ValueKind == JsonValueKind.Object && holder.TryGetProperty("decisionError", out var error) && error.ValueKind == JsonValueKind.String)
                {
                    reason = error.GetString();
                }
            }
        }

        return new RunResult.Refused(StatusCodes.Status422UnprocessableEntity,
            reason is null ? localizer["P19_The decision could not be carried out; the task is back with you."] : localizer["P19_The decision could not be carried out: {0}", reason]);
    }

    /// <summary>When a decision came back (<see cref="CameBackAsync"/>), the step's new task: its card shows the refusal.</summary>
    public string? CameBackTo { get; private set; }

    private static string? Trimmed(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    /// <summary>
    /// The picker shows and sends "name（group）" (names, never ids); the colleague is the one employee it names.
    /// A bare name is accepted when it is unique; null when nobody or more than one person matches.
    /// </summary>
    private async Task<string?> ColleagueIdAsync(string? picked)
    {
        if (string.IsNullOrWhiteSpace(picked))
        {
            return null;
        }

        var text = picked.Trim();
        var open = text.IndexOf('（');
        var name = open > 0 ? text[..open].Trim() : text;
        var group = open > 0 ? text[(open + 1)..].TrimEnd('）').Trim() : null;
        var ct = HttpContext.RequestAborted;
        var matches = await (from u in db.Users.AsNoTracking()
                             join g in db.Groups.AsNoTracking() on u.GroupId equals g.Id into gs
                             from g in gs.DefaultIfEmpty()
                             where u.Name == name
                             select new { u.Id, Group = g == null ? "" : g.Name }).ToListAsync(ct);
        if (group is not null)
        {
            matches = [.. matches.Where(m => m.Group == group)];
        }

        return matches.Count == 1 ? matches[0].Id : null;
    }

    private static string NamePart(string picked) => picked.Split('（')[0].Trim();

    private void Keep(string _, params (string Key, string? Value)[] values) =>
        Kept = values.Where(v => v.Value is not null).ToDictionary(v => v.Key, v => v.Value!, StringComparer.Ordinal);

    /// <summary>The question 撤回 or 批量审批 asks first (without JavaScript too); while set, the page shows only it.</summary>
    public Confirmation? Confirm { get; private set; }

    /// <summary>The inbox as it was filtered, to go back to.</summary>
    private string Back => Url.Page("/Inbox", new { Type, Overdue, Soon }) ?? "/Inbox";

    /// <summary>
    /// Withdrawing from the amend card asks first, as on the application's page; null (go on) for a task whose application
    /// the reader cannot see, which the runner then refuses without the question naming it.
    /// </summary>
    private async Task<IActionResult?> AskWithdrawAsync(string taskId)
    {
        var ct = HttpContext.RequestAborted;
        var actor = await current.GetAsync(ct);
        var instanceId = await db.Tasks.AsNoTracking().Where(t => t.Id == taskId).Select(t => t.InstanceId).SingleOrDefaultAsync(ct);
        if (instanceId is null || !await InstanceAccess.CanSeeAsync(db, instanceId, actor, ct))
        {
            return null;
        }

        Confirm = await Instances.DetailModel.AskWithdrawAsync(this, db, localizer, instanceId, ct) with { CancelUrl = Back };
        return Page();
    }

    private async Task<IActionResult> RunAsync(Func<Actor, Task<RunResult>> run, string success, string? taskId = null)
    {
        var result = await run(await current.GetAsync(HttpContext.RequestAborted));
        if (result is RunResult.Refused refused)
        {
            return await RefuseAsync(refused.Status, localizer.Refusal(refused), taskId);
        }

        Done = success;
        return RedirectToPage(new { Type, Overdue, Soon });
    }

    private async Task<IActionResult> RefuseAsync(int status, string detail, string? taskId = null)
    {
        Response.StatusCode = status;
        RefusedTaskId = CameBackTo ?? taskId ?? RefusedTaskId;
        Refusal = string.Format(CultureInfo.CurrentCulture, localizer["Not done ({0}): {1}"], status, detail);
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        var ct = HttpContext.RequestAborted;
        var actor = await current.GetAsync(ct);
        var type = string.IsNullOrWhiteSpace(Type) ? null : Type;
        // 代理 included: the tasks of whoever the reader stands in for today, as the API's inbox lists them.
        IEnumerable<TaskDto> tasks = await TasksApi.InboxAsync(db, clock, designs, actor.Id, TaskState.Open, type, ct);
        if (Overdue)
        {
            tasks = tasks.Where(t => t.Overdue);
        }

        if (Soon)
        {
            var horizon = clock.Now + DueSoon;
            tasks = tasks.Where(t => !t.Overdue && t.DueAt is { } due && due <= horizon);
        }

        Tasks = [.. tasks];
        Types = await db.DesignVersions.AsNoTracking().Select(d => d.Type).Distinct().OrderBy(t => t).ToListAsync(ct);
        Names = await EmployeeNames.LoadAsync(db, Tasks.Select(t => t.SubjectId).Concat(Tasks.Select(t => t.AssigneeId)).Concat(Tasks.Select(t => t.OnBehalfOf)), ct);
        Facts = await facts.LoadAsync([.. Tasks.Select(t => (t.InstanceId, t.Type, t.SubjectId))], ct);
        await LoadCardsAsync(actor, ct);
    }

    /// <summary>What the cards need beyond the task: colleagues to pick, earlier comments, steps to return to, the amend form.</summary>
    private async Task LoadCardsAsync(Actor actor, CancellationToken ct)
    {
        if (Tasks.Count == 0)
        {
            return;
        }

        var me = await db.Users.AsNoTracking().Where(u => u.Id == actor.Id).Select(u => u.GroupId).SingleOrDefaultAsync(ct);
        var groups = await db.Groups.AsNoTracking().ToDictionaryAsync(g => g.Id, g => g.Name, StringComparer.Ordinal, ct);
        var now = clock.Now;
        var people = await db.Users.AsNoTracking().Where(u => u.Id != actor.Id && (u.LockoutEnd == null || u.LockoutEnd < now))
            .Select(u => new { u.Id, u.Name, u.GroupId }).ToListAsync(ct);
        Colleagues = [.. people.OrderBy(p => p.GroupId == me && me != null ? 0 : 1).ThenBy(p => p.GroupId is null ? "" : groups.GetValueOrDefault(p.GroupId, ""), StringComparer.Ordinal)
            .ThenBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => (p.Id, p.Name, p.GroupId is null ? "" : groups.GetValueOrDefault(p.GroupId, "")))];

        var instanceIds = Tasks.Select(t => t.InstanceId).Distinct(StringComparer.Ordinal).ToList();
        var history = await db.History.AsNoTracking().Where(h => instanceIds.Contains(h.InstanceId)).OrderBy(h => h.Seq).ToListAsync(ct);
        var instances = await db.Instances.AsNoTracking().Where(i => instanceIds.Contains(i.Id)).ToListAsync(ct);
        var names = new Dictionary<string, string>(Names, StringComparer.Ordinal);
        foreach (var (id, name) in await EmployeeNames.LoadAsync(db, history.Select(h => h.ActorId).Concat(history.Select(h => h.OnBehalfOf)), ct))
        {
            names[id] = name;
        }

        Names = names;
        var comments = new Dictionary<string, IReadOnlyList<(string, string?, string, string)>>(StringComparer.Ordinal);
        var returnSteps = new Dictionary<string, IReadOnlyList<(string, string)>>(StringComparer.Ordinal);
        var returned = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        var freeText = new Dictionary<string, IReadOnlyList<(string, string)>>(StringComparer.Ordinal);
        foreach (var instance in instances)
        {
            var rows = history.Where(h => h.InstanceId == instance.Id).ToList();
            var design = designs.Get(instance.DesignName, instance.DesignVersion);
            // Every earlier decision (with or without a comment) and every other comment: what was decided, in words.
            comments[instance.Id] = [.. rows.Where(h => h.ActorId is not null && h.Kind != HistoryKinds.InstanceStarted
                    && (h.Kind == HistoryKinds.TaskCompleted || !string.IsNullOrWhiteSpace(h.Comment)))
                .Select(h => (names.NameOf(h.ActorId), h.ActingRole,
                    h.Step is null || h.Step == AmendStep ? Said(h) : $"{localizer.StepName(design, h.Step)}: {Said(h)}",
                    h.Comment ?? ""))];
            var current = instance.CurrentStep;
            returnSteps[instance.Id] = [.. rows.Where(h => h.Kind == HistoryKinds.StepEntered && h.Step is not null && h.Step != current && design.Steps.GetValueOrDefault(h.Step) is TaskStep)
                .Select(h => h.Step!).Distinct(StringComparer.Ordinal).Select(step => (step, localizer.StepName(design, step)))];
            if (rows.LastOrDefault(h => h.Kind == HistoryKinds.TaskReturned) is { } back)
            {
                returned[instance.Id] = (names.NameOf(back.ActorId), back.Comment ?? "");
            }

            if (Tasks.Any(t => t.InstanceId == instance.Id && t.Step == AmendStep))
            {
                var detail = await InstancesApi.DetailAsync(db, instance, ct);
                freeText[instance.Id] = [.. FreeTextFields
                    .Where(detail.Data.ContainsKey)
                    .Select(k => (k, detail.Data[k].ValueKind == JsonValueKind.String ? detail.Data[k].GetString() ?? "" : detail.Data[k].ToString()))];
            }
        }

        Comments = comments;
        SeatTexts = await SeatPreview.LoadAsync(db, localizer, instances, ct);
        ReturnSteps = returnSteps;
        Returned = returned;
        FreeText = freeText;
    }

    /// <summary>What an earlier row did, in words: a decision by its action (同意, 驳回), anything else by its kind.</summary>
    private string Said(HistoryEntry h) => h.Kind == HistoryKinds.TaskCompleted && h.Action is not null ? localizer.Term("Action", h.Action) : localizer.Term("Kind", h.Kind);

    /// <summary>Due within <see cref="DueSoon"/> from now (and not overdue): marked for attention.</summary>
    public bool IsDueSoon(DateTimeOffset due) => due >= clock.Now && due <= clock.Now + DueSoon;

    /// <summary>"Overdue by 2 days" or "due in 5 h".</summary>
    public string Due(DateTimeOffset due) => localizer.RelativeDue(due, clock.Now);

    public string Local(DateTimeOffset at) => clock.Local(at);
}
