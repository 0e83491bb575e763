using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Runtime;

namespace Workflows.Host.Pages.Copies;

/// <summary>抄送我的: the applications the caller was copied on, newest first (what GET /api/cc answers).</summary>
public sealed class IndexModel(CurrentActor current, WorkflowDbContext db, DepartmentClock clock) : PageModel
{
    public IReadOnlyList<(WorkflowInstance Instance, DateTimeOffset At, string? ById)> Items { get; private set; } = [];

    public IReadOnlyDictionary<string, string> Names { get; private set; } = new Dictionary<string, string>();

    public async Task OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        var me = (await current.GetAsync(ct)).Id;
        var rows = await (from c in db.Copies.AsNoTracking()
                          join i in db.Instances.AsNoTracking() on c.InstanceId equals i.Id
                          where c.EmployeeId == me
                          orderby c.At descending
                          select new { Instance = i, Copy = c }).Take(500).ToListAsync(ct);
        Items = [.. rows.Select(r => (r.Instance, r.Copy.At, r.Copy.CopiedBy))];
        Names = await EmployeeNames.LoadAsync(db, Items.Select(i => i.Instance.SubjectId).Concat(Items.Select(i => i.ById)), ct);
    }

    public string Local(DateTimeOffset at) => clock.Local(at);
}
