using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions.Engine;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Runtime;

namespace Workflows.Host.Pages;

/// <summary>Home: who I am, my running applications, and my open tasks with the overdue ones first.</summary>
public sealed class IndexModel(CurrentActor current, WorkflowDbContext db, DepartmentClock clock, PublishedDesigns designs) : PageModel
{
    public const int TasksShown = 5;

    public Actor? Me { get; private set; }

    public IReadOnlyList<WorkflowInstance> Applications { get; private set; } = [];

    public IReadOnlyList<TaskDto> Tasks { get; private set; } = [];

    public int TaskCount { get; private set; }

    public int OverdueCount { get; private set; }

    public IReadOnlyDictionary<string, string> Names { get; private set; } = new Dictionary<string, string>();

    public async Task OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        Me = await current.GetAsync(ct);
        var me = Me.Id;
        Applications = await db.Instances.AsNoTracking()
            .Where(i => (i.StartedBy == me || i.SubjectId == me) && i.Status == InstanceStatus.Running)
            .OrderByDescending(i => i.StartedAt).Take(50).ToListAsync(ct);
        var rows = await TasksApi.InboxQuery(db, me).ToListAsync(ct);
        var tasks = await TasksApi.ToDtosAsync(db, clock, rows, ct);
        TaskCount = tasks.Length;
        OverdueCount = tasks.Count(t => t.Overdue);
        Tasks = [.. tasks.Take(TasksShown)];
        Names = await EmployeeNames.LoadAsync(db, Applications.Select(a => a.SubjectId).Concat(Tasks.Select(t => t.SubjectId)), ct);
    }

    /// <summary>The design an application runs on, for its step names.</summary>
    public WorkflowDesign Design(WorkflowInstance instance) => designs.Get(instance.DesignName, instance.DesignVersion);

    public string Local(DateTimeOffset at) => clock.Local(at);
}
