using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Host.Data;

namespace Workflows.Host.Auth;

/// <summary>The person making the request, as the org knows them now (rank and group from the database, not the token).</summary>
public sealed record Actor(string Id, string UserName, string Name, Rank? Rank, string? GroupId, IReadOnlyList<string> Roles)
{
    public bool IsHR => Roles.Contains(CompanyRoles.HR);

    public bool HasRole(string role) => Roles.Contains(role);

    /// <summary>Whether the person holds a rank or a company role by this name.</summary>
    public bool Holds(string roleOrRank) =>
        Enum.TryParse<Definitions.Rank>(roleOrRank, out var rank) ? Rank == rank : Roles.Contains(roleOrRank);

    /// <summary>Department leadership: group leaders, the supervisor and the manager.</summary>
    public bool IsDepartmentLeader => Rank is Definitions.Rank.GroupLeader or Definitions.Rank.Supervisor or Definitions.Rank.Manager;
}

public sealed class CurrentActor(IHttpContextAccessor http, WorkflowDbContext db)
{
    private Actor? actor;

    public async Task<Actor> GetAsync(CancellationToken cancellationToken = default)
    {
        if (actor is not null)
        {
            return actor;
        }

        var principal = http.HttpContext?.User ?? throw new InvalidOperationException("No request.");
        var id = principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("Not signed in.");
        var employee = await db.Users.AsNoTracking().Where(u => u.Id == id)
            .Select(u => new { u.Id, u.UserName, u.Name, u.Rank, u.GroupId })
            .SingleOrDefaultAsync(cancellationToken)
            ?? throw new InvalidOperationException("The signed-in account no longer exists.");
        var roles = await (from ur in db.UserRoles
                           join r in db.Roles on ur.RoleId equals r.Id
                           where ur.UserId == id
                           select r.Name!).ToListAsync(cancellationToken);
        actor = new Actor(employee.Id, employee.UserName ?? "", employee.Name, employee.Rank, employee.GroupId, roles);
        return actor;
    }
}
