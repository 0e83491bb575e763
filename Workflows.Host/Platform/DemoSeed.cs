using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Host.Data;
using Workflows.Host.Organization;

namespace Workflows.Host.Platform;

public sealed class SeedOptions
{
    public const string Section = "Seed";

    /// <summary>Seed the demo department. Null means: yes on the embedded SQLite default, no on PostgreSQL.</summary>
    public bool? Demo { get; set; }
}

/// <summary>
/// The system roles always exist; the demo department (README.md, "Demo accounts") is seeded into an
/// empty database unless <c>Seed:Demo=false</c>. Shaped like the policy's chart: a manager, a
/// supervisor, three groups each with a leader and four members, plus HR, the general manager and
/// senior leadership.
/// </summary>
public sealed class DemoSeed(WorkflowDbContext db, UserManager<Employee> users, RoleManager<IdentityRole> roles, DepartmentClock clock, ILogger<DemoSeed> logger)
{
    public const string Password = "Demo@2026";

    private static readonly (string Key, string Name)[] GroupNames = [("1", "一组"), ("2", "二组"), ("3", "三组")];

    private static readonly Dictionary<string, string> People = new()
    {
        ["hr"] = "林静", ["gm"] = "王建国", ["leadership"] = "陈立华", ["manager"] = "赵敏", ["supervisor"] = "孙浩",
        ["leader1"] = "周婷", ["leader2"] = "吴强", ["leader3"] = "郑丽",
        ["member1a"] = "刘洋", ["member1b"] = "黄磊", ["member1c"] = "杨帆", ["member1d"] = "何雪",
        ["member2a"] = "高峰", ["member2b"] = "罗琳", ["member2c"] = "梁晨", ["member2d"] = "宋佳",
        ["member3a"] = "唐亮", ["member3b"] = "韩梅", ["member3c"] = "冯涛", ["member3d"] = "曹颖",
    };

    public async Task EnsureRolesAsync()
    {
        foreach (var role in CompanyRoles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                await roles.CreateAsync(new IdentityRole(role));
            }
        }
    }

    /// <returns>True when the department was seeded now; false when it was there already.</returns>
    public async Task<bool> SeedDemoAsync(CancellationToken ct = default)
    {
        await EnsureRolesAsync();
        if (await db.Users.AnyAsync(ct) || await db.Groups.AnyAsync(ct))
        {
            return false;
        }

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var now = clock.Now;
        // One hash for the shared demo password: hashing is deliberately slow, and twenty of them would slow every start.
        var hash = users.PasswordHasher.HashPassword(new Employee(), Password);

        var groups = GroupNames.ToDictionary(g => g.Key, g => new Group { Name = g.Name });
        db.Groups.AddRange(groups.Values);
        var seats = new List<Seat>();
        foreach (var group in groups.Values)
        {
            seats.Add(Seat.Vacant(Rank.GroupLeader, group.Id, now));
        }

        var supervisorSeat = Seat.Vacant(Rank.Supervisor, null, now);
        var managerSeat = Seat.Vacant(Rank.Manager, null, now);
        seats.Add(supervisorSeat);
        seats.Add(managerSeat);
        db.Seats.AddRange(seats);
        await db.SaveChangesAsync(ct);

        async Task<Employee> Add(string userName, Rank? rank, string? groupKey, string? role = null)
        {
            var employee = new Employee
            {
                UserName = userName,
                Name = People[userName],
                Rank = rank,
                GroupId = groupKey is null ? null : groups[groupKey].Id,
                PasswordHash = hash,
            };
            var result = await users.CreateAsync(employee);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"Seeding {userName} failed: {string.Join(" ", result.Errors.Select(e => e.Description))}");
            }

            if (role is not null)
            {
                await users.AddToRoleAsync(employee, role);
            }

            return employee;
        }

        await Add("hr", null, null, CompanyRoles.HR);
        await Add("gm", null, null, CompanyRoles.GeneralManager);
        await Add("leadership", null, null, CompanyRoles.SeniorLeadership);
        managerSeat.Fill((await Add("manager", Rank.Manager, null)).Id);
        supervisorSeat.Fill((await Add("supervisor", Rank.Supervisor, null)).Id);
        foreach (var (key, _) in GroupNames)
        {
            var leader = await Add($"leader{key}", Rank.GroupLeader, key);
            seats.Single(s => s.Rank == Rank.GroupLeader && s.GroupId == groups[key].Id).Fill(leader.Id);
            foreach (var letter in "abcd")
            {
                await Add($"member{key}{letter}", Rank.Member, key);
            }
        }

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        logger.LogInformation("Seeded the demo department: {Count} accounts, password {Password}.", People.Count, Password);
        return true;
    }

    public static IReadOnlyDictionary<string, string> Accounts => People;
}
