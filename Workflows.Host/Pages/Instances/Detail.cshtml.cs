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

public sealed record TimelineEntry(int Seq, string At, string Kind, string? Step, string? Who, string? Role, string? Action, string? Comment, string? Data);

/// <summary>
/// One application: header, the current step and who has it, the form data and the timeline from
/// history. Anyone who may not see it (<see cref="InstanceAccess.Visible"/>) gets the same 404 as for
/// an id that does not exist.
/// </summary>
public sealed class DetailModel(
    CurrentActor current, WorkflowDbContext db, DepartmentClock clock, DesignCatalog designs, WorkflowRunner runner, IStringLocalizer<SharedResource> localizer)
    : PageModel
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public InstanceDetailDto? Instance { get; private set; }

    public string? DesignTitle { get; private set; }

    public string? CurrentStepTitle { get; private set; }

    public IReadOnlyList<TimelineEntry> Timeline { get; private set; } = [];

    public IReadOnlyList<(string Title, string Role, string? AssigneeName, IReadOnlyList<string> CandidateNames)> OpenTasks { get; private set; } = [];

    public IReadOnlyDictionary<string, string> Names { get; private set; } = new Dictionary<string, string>();

    public bool CanWithdraw { get; private set; }

    public string? Refusal { get; private set; }

    [TempData]
    public string? Done { get; set; }

    public async Task<IActionResult> OnGetAsync(string id) => await LoadAsync(id) ? Page() : Missing();

    public async Task<IActionResult> OnPostWithdrawAsync(string id, string? reason)
    {
        var ct = HttpContext.RequestAborted;
        var actor = await current.GetAsync(ct);
        if (!await InstanceAccess.CanSeeAsync(db, id, actor, ct))
        {
            return Missing();
        }

        var result = await runner.WithdrawAsync(id, actor, string.IsNullOrWhiteSpace(reason) ? null : reason.Trim(), ct);
        if (result is RunResult.Refused refused)
        {
            Response.StatusCode = refused.Status;
            Refusal = string.Format(CultureInfo.CurrentCulture, localizer["Not done ({0}): {1}"], refused.Status, refused.Detail);
            await LoadAsync(id);
            return Page();
        }

        Done = localizer["Application withdrawn."];
        return RedirectToPage(new { id });
    }

    private PageResult Missing()
    {
        Instance = null;
        Response.StatusCode = StatusCodes.Status404NotFound;
        return Page();
    }

    public string Local(DateTimeOffset at) =>
        TimeZoneInfo.ConvertTime(at, clock.Zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    public static string Show(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() ?? "",
        JsonValueKind.Null => "—",
        JsonValueKind.Object or JsonValueKind.Array => JsonSerializer.Serialize(value, Indented),
        _ => value.GetRawText(),
    };

    /// <summary>A form value; one that is an employee id (subject, startedBy, candidateId, …) shows as the person's name.</summary>
    public string ShowValue(JsonElement value) =>
        value.ValueKind == JsonValueKind.String && Names.TryGetValue(value.GetString()!, out var name) ? name : Show(value);

    private static string ShowJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Show(document.RootElement);
    }

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
        DesignTitle = design.Title;
        if (instance.CurrentStep is { } step && design.Steps.TryGetValue(step, out var stepDesign))
        {
            CurrentStepTitle = stepDesign is TaskStep task ? task.Title : step;
        }

        var history = await db.History.AsNoTracking().Where(h => h.InstanceId == id).OrderBy(h => h.Seq).ToListAsync(ct);
        var tasks = await db.Tasks.AsNoTracking().Where(t => t.InstanceId == id && t.Status == TaskState.Open).ToListAsync(ct);
        var taskIds = tasks.Select(t => t.Id).ToList();
        var candidates = (await db.TaskCandidates.AsNoTracking().Where(c => taskIds.Contains(c.TaskId)).ToListAsync(ct)).ToLookup(c => c.TaskId, c => c.EmployeeId);
        Names = await EmployeeNames.LoadAsync(db,
            history.Select(h => h.ActorId).Concat([instance.SubjectId, instance.StartedBy])
                .Concat(Instance.Data.Values.Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString())).Concat(tasks.Select(t => t.AssigneeId))
                .Concat(candidates.SelectMany(c => c)), ct);
        Timeline = [.. history.Select(h => new TimelineEntry(h.Seq, Local(h.At), h.Kind, h.Step, h.ActorId is null ? null : Names.NameOf(h.ActorId),
            h.ActingRole, h.Action, h.Comment, h.DataJson is null ? null : ShowJson(h.DataJson)))];
        OpenTasks = [.. tasks.Select(t => (t.Title, t.ActingRole, t.AssigneeId is null ? null : Names.NameOf(t.AssigneeId),
            (IReadOnlyList<string>)[.. candidates[t.Id].Select(c => Names.NameOf(c))]))];
        CanWithdraw = instance.Status == InstanceStatus.Running && instance.StartedBy == actor.Id;
        return true;
    }
}
