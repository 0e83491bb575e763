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

namespace Workflows.Host.Pages;

/// <summary>
/// The caller's open tasks (the API's inbox query, overdue first) with claim, release and a decision
/// form per task. Every action goes through the runner, which checks who may act; a refusal is shown
/// on the page with its status code, never as an error page.
/// </summary>
public sealed class InboxModel(
    CurrentActor current, WorkflowDbContext db, DepartmentClock clock, WorkflowRunner runner, TaskCompletionChecks checks, SubjectFactsLoader facts,
    IStringLocalizer<SharedResource> localizer)
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
        RunAsync(async actor => await runner.ClaimAsync(taskId, actor, HttpContext.RequestAborted), localizer["Task claimed."]);

    public Task<IActionResult> OnPostReleaseAsync(string taskId) =>
        RunAsync(async actor => await runner.ReleaseAsync(taskId, actor, HttpContext.RequestAborted), localizer["Task released."]);

    public Task<IActionResult> OnPostActAsync(string taskId, string? decision, string? comment, string? amount)
    {
        if (string.IsNullOrWhiteSpace(decision))
        {
            return RefuseAsync(StatusCodes.Status400BadRequest, localizer["Choose a decision."]);
        }

        if (comment is { Length: > Definitions.TextLimits.Text })
        {
            return RefuseAsync(StatusCodes.Status400BadRequest, Definitions.TextLimits.TooLong(Definitions.TextLimits.Text));
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
        return RunAsync(
            async actor => await checks.CheckAsync(taskId, actor, action, data.IsEmpty ? null : data, HttpContext.RequestAborted) is { } errors
                ? new RunResult.Refused(StatusCodes.Status422UnprocessableEntity, string.Join(" ", errors.Values.SelectMany(e => e)), errors.AsReadOnly())
                : await runner.CompleteTaskAsync(taskId, actor, action, string.IsNullOrWhiteSpace(comment) ? null : comment.Trim(), data.IsEmpty ? null : data, HttpContext.RequestAborted),
            localizer["Decision recorded: {0}.", localizer.Term("Action", action)]);
    }

    private async Task<IActionResult> RunAsync(Func<Actor, Task<RunResult>> run, string success)
    {
        var result = await run(await current.GetAsync(HttpContext.RequestAborted));
        if (result is RunResult.Refused refused)
        {
            return await RefuseAsync(refused.Status, localizer.Refusal(refused));
        }

        Done = success;
        return RedirectToPage(new { Type, Overdue, Soon });
    }

    private async Task<IActionResult> RefuseAsync(int status, string detail)
    {
        Response.StatusCode = status;
        Refusal = string.Format(CultureInfo.CurrentCulture, localizer["Not done ({0}): {1}"], status, detail);
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        var ct = HttpContext.RequestAborted;
        var actor = await current.GetAsync(ct);
        var type = string.IsNullOrWhiteSpace(Type) ? null : Type;
        var rows = await TasksApi.InboxQuery(db, actor.Id, TaskState.Open, type).ToListAsync(ct);
        IEnumerable<TaskDto> tasks = await TasksApi.ToDtosAsync(db, clock, rows, ct);
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
        Names = await EmployeeNames.LoadAsync(db, Tasks.Select(t => t.SubjectId).Concat(Tasks.Select(t => t.AssigneeId)), ct);
        Facts = await facts.LoadAsync([.. Tasks.Select(t => (t.InstanceId, t.Type, t.SubjectId))], ct);
    }

    /// <summary>Due within <see cref="DueSoon"/> from now (and not overdue): marked for attention.</summary>
    public bool IsDueSoon(DateTimeOffset due) => due >= clock.Now && due <= clock.Now + DueSoon;

    /// <summary>"Overdue by 2 days" or "due in 5 h".</summary>
    public string Due(DateTimeOffset due) => localizer.RelativeDue(due, clock.Now);

    public string Local(DateTimeOffset at) => clock.Local(at);
}
