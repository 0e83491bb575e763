using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Runtime;

namespace Workflows.Host.Pages.History;

/// <param name="Echo">A row that only echoes the next one (entering a step, creating its task): printed, but quieter.</param>
public sealed record TraceRow(int Seq, string At, string What, string Who, string Role, string? Comment, IReadOnlyList<FormField> Details, bool Echo);

/// <summary>
/// One application's whole trace for HR to print: every history entry in order, in words (who, in which role, what,
/// comment, the entry's data as labelled fields), said as the application page says it (<see cref="HistoryWords"/>).
/// HR only, like the history search.
/// </summary>
public sealed class TraceModel(CurrentActor current, WorkflowDbContext db, DepartmentClock clock, PublishedDesigns designs, IStringLocalizer<SharedResource> localizer,
    Definitions.Violations.RuleCatalog catalog)
    : GuardedPageModel(current)
{
    public WorkflowInstance? Instance { get; private set; }

    public string SubjectName { get; private set; } = "";

    public string StarterName { get; private set; } = "";

    public string Title { get; private set; } = "";

    public IReadOnlyList<TraceRow> Rows { get; private set; } = [];

    public string Printed => clock.Local(clock.Now);

    public string Local(DateTimeOffset at) => clock.Local(at);

    protected override ValueTask<bool> MayOpenAsync(Actor actor, CancellationToken ct) => ValueTask.FromResult(actor.IsHR);

    public async Task<IActionResult> OnGetAsync(string id)
    {
        var ct = HttpContext.RequestAborted;
        Instance = await db.Instances.AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, ct);
        if (Instance is null)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
            return Page();
        }

        var history = await db.History.AsNoTracking().Where(h => h.InstanceId == id).OrderBy(h => h.Seq).ToListAsync(ct);
        var text = await HistoryWords.LoadAsync(db, clock, localizer, catalog, history, [], [Instance.SubjectId, Instance.StartedBy], ct);
        var design = designs.Catalog.Get(Instance.DesignName, Instance.DesignVersion);
        Title = design is null ? localizer.Term("Type", Instance.Type) : text.DesignTitle(design);
        SubjectName = text.Name(Instance.SubjectId);
        StarterName = text.Name(Instance.StartedBy);
        Rows = [.. history.Select(h => new TraceRow(h.Seq, Local(h.At), text.What(design, h), text.Who(h) ?? "—", text.Role(h.ActingRole) ?? "",
            h.Comment, text.Details(h), HistoryWords.Noise.Contains(h.Kind)))];
        return Page();
    }
}
