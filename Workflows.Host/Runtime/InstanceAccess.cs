using Microsoft.EntityFrameworkCore;
using Workflows.Host.Auth;
using Workflows.Host.Data;

namespace Workflows.Host.Runtime;

/// <summary>
/// Who may see an instance: HR sees all; others see what they started, are the subject of, acted
/// on, have (had) a task for, were copied on (抄送), hold an open task of as someone's delegate (代理) on the delegation's
/// days, or — for a penalty dispute — recorded the violation disputed (they may read the dispute, never decide it).
/// Anything else is answered as if it did not exist.
/// </summary>
public static class InstanceAccess
{
    public static IQueryable<WorkflowInstance> Visible(WorkflowDbContext db, Actor actor)
    {
        if (actor.IsHR)
        {
            return db.Instances;
        }

        var me = actor.Id;
        var today = actor.Today;
        return db.Instances.Where(i => i.StartedBy == me || i.SubjectId == me
            || db.History.Any(h => h.InstanceId == i.Id && h.ActorId == me)
            || db.Tasks.Any(t => t.InstanceId == i.Id && db.TaskCandidates.Any(c => c.TaskId == t.Id && c.EmployeeId == me))
            || db.Copies.Any(c => c.InstanceId == i.Id && c.EmployeeId == me)
            || db.Tasks.Any(t => t.InstanceId == i.Id && t.Status == TaskState.Open && db.TaskCandidates.Any(c => c.TaskId == t.Id
                && db.Delegations.Any(d => d.EmployeeId == c.EmployeeId && d.DelegateId == me && d.From <= today && d.To >= today)))
            || db.Set<Violations.Violation>().Any(v => v.DisputeInstanceId == i.Id && v.RecordedBy == me));
    }

    public static Task<bool> CanSeeAsync(WorkflowDbContext db, string instanceId, Actor actor, CancellationToken ct) =>
        Visible(db, actor).AnyAsync(i => i.Id == instanceId, ct);
}
