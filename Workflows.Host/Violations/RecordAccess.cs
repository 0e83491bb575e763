using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Definitions.Violations;
using Workflows.Host.Auth;
using Workflows.Host.Data;

namespace Workflows.Host.Violations;

/// <summary>
/// Who may see an employee's records (violations, eligibility, statements): the employee, their group
/// leader, the supervisor, the manager and HR (docs/domain.md §Violations and the rule catalog). One rule for all three, so they cannot drift apart. The leaders
/// read by holding the seat (<see cref="SeatAuthority"/>): a group's leader seat for that group, a supervisor or the manager
/// seat for everyone.
/// </summary>
public static class RecordAccess
{
    public static bool MayRead(Actor actor, OrgPerson subject) =>
        actor.Id == subject.Id
        || actor.IsHR
        || actor.Authority.IsSupervisorOrManager
        || actor.Authority.LeadsGroup(subject.GroupId);

    /// <summary>Whether the actor sees everyone's records (no per-employee filter needed).</summary>
    public static bool ReadsEveryone(Actor actor) => actor.IsHR || actor.Authority.IsSupervisorOrManager;

    /// <summary>Whose records the actor reads when not everyone's: their own and those of the groups whose leader seat they hold.</summary>
    public static async Task<IReadOnlyCollection<string>> ReadableIdsAsync(this WorkflowDbContext db, Actor actor, CancellationToken ct)
    {
        var groups = actor.Authority.LedGroupIds;
        if (groups.Count == 0)
        {
            return [actor.Id];
        }

        var members = await db.Users.Where(u => u.GroupId != null && groups.Contains(u.GroupId)).Select(u => u.Id).ToListAsync(ct);
        return [.. members.Append(actor.Id).Distinct(StringComparer.Ordinal)];
    }

    public static OrgPerson AsPerson(this Actor actor) => new(actor.Id, actor.Rank, actor.GroupId, actor.Roles) { Authority = actor.Authority };

    /// <summary>The employee as the recording and reading rules see them; null when there is none.</summary>
    public static async Task<OrgPerson?> FindPersonAsync(this WorkflowDbContext db, string id, CancellationToken ct)
    {
        var employee = await db.Users.AsNoTracking().Where(u => u.Id == id)
            .Select(u => new { u.Id, u.Rank, u.GroupId }).SingleOrDefaultAsync(ct);
        if (employee is null)
        {
            return null;
        }

        var roles = await (from ur in db.UserRoles
                           join r in db.Roles on ur.RoleId equals r.Id
                           where ur.UserId == id
                           select r.Name!).ToListAsync(ct);
        return new OrgPerson(employee.Id, employee.Rank, employee.GroupId, roles);
    }
}
