using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Host.Data;

namespace Workflows.Host.Organization;

/// <summary>Read side of the org: the shapes of docs/api.md §Organization, built with one query each.</summary>
public sealed class OrgQueries(WorkflowDbContext db)
{
    public async Task<EmployeeDto[]> EmployeesAsync(CancellationToken ct)
    {
        var people = await db.Users.AsNoTracking().OrderBy(u => u.UserName)
            .Select(u => new { u.Id, u.UserName, u.Name, u.Rank, u.GroupId }).ToListAsync(ct);
        var roles = await RolesAsync(null, ct);
        return [.. people.Select(p => new EmployeeDto(p.Id, p.UserName ?? "", p.Name, p.Rank, p.GroupId,
            roles.TryGetValue(p.Id, out var r) ? r : []))];
    }

    public async Task<EmployeeDto?> EmployeeAsync(string id, CancellationToken ct)
    {
        var p = await db.Users.AsNoTracking().Where(u => u.Id == id)
            .Select(u => new { u.Id, u.UserName, u.Name, u.Rank, u.GroupId }).SingleOrDefaultAsync(ct);
        if (p is null)
        {
            return null;
        }

        var roles = await RolesAsync(id, ct);
        return new EmployeeDto(p.Id, p.UserName ?? "", p.Name, p.Rank, p.GroupId, roles.TryGetValue(p.Id, out var r) ? r : []);
    }

    private async Task<Dictionary<string, List<string>>> RolesAsync(string? userId, CancellationToken ct)
    {
        var rows = await (from ur in db.UserRoles
                          join r in db.Roles on ur.RoleId equals r.Id
                          where userId == null || ur.UserId == userId
                          select new { ur.UserId, r.Name }).ToListAsync(ct);
        return rows.GroupBy(x => x.UserId).ToDictionary(g => g.Key, g => g.Select(x => x.Name!).Order(StringComparer.Ordinal).ToList());
    }

    public async Task<GroupDto[]> GroupsAsync(CancellationToken ct) =>
        await (from g in db.Groups.AsNoTracking()
               orderby g.Name
               select new GroupDto(g.Id, g.Name,
                   db.Seats.Where(s => s.GroupId == g.Id && s.Rank == Rank.GroupLeader).Select(s => s.HolderId).FirstOrDefault()))
            .ToArrayAsync(ct);

    public async Task<SeatDto[]> SeatsAsync(Rank? rank, bool? vacant, CancellationToken ct)
    {
        var query = db.Seats.AsNoTracking();
        if (rank is not null)
        {
            query = query.Where(s => s.Rank == rank);
        }

        if (vacant is not null)
        {
            query = vacant.Value ? query.Where(s => s.HolderId == null) : query.Where(s => s.HolderId != null);
        }

        var seats = await query.ToListAsync(ct);
        return [.. seats.OrderBy(s => s.Rank).ThenBy(s => s.GroupId).Select(OrganizationApi.ToDto)];
    }
}
