using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Host.Data;
using Workflows.Host.Organization;

namespace Workflows.Host.Auth;

/// <summary>
/// The person making the request, as the org knows them now (rank, group and seats from the database, not the token).
/// <see cref="Rank"/> is the label on the ladder; what they may do as a leader is <see cref="Authority"/>, the seats they hold.
/// </summary>
public sealed record Actor(string Id, string UserName, string Name, Rank? Rank, string? GroupId, IReadOnlyList<string> Roles)
{
    public bool IsHR => Roles.Contains(CompanyRoles.HR);

    public bool HasRole(string role) => Roles.Contains(role);

    /// <summary>The seats held now (docs/domain.md §People, ranks and seats: authority comes from the seat).</summary>
    public SeatAuthority Authority { get; init; } = SeatAuthority.None;

    /// <summary>Whether the person holds a rank's authority (a seat of that rank) or a company role by this name.</summary>
    public bool Holds(string roleOrRank) =>
        Enum.TryParse<Definitions.Rank>(roleOrRank, out var rank) ? Authority.Holds(rank) : Roles.Contains(roleOrRank);

    /// <summary>The department's date when the request began: a delegation (代理) counts only on its days.</summary>
    public DateOnly Today { get; init; }

    /// <summary>Department leadership: whoever holds a group leader's, a supervisor's or the manager's seat.</summary>
    public bool IsDepartmentLeader => Authority.IsDepartmentLeader;
}

public sealed class CurrentActor(IHttpContextAccessor http, WorkflowDbContext db, Platform.DepartmentClock clock)
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
        actor = new Actor(employee.Id, employee.UserName ?? "", employee.Name, employee.Rank, employee.GroupId, roles)
        {
            Authority = await db.AuthorityOfAsync(id, cancellationToken),
            Today = clock.Today,
        };
        return actor;
    }
}
