using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Definitions.Engine;
using Workflows.Host.Data;

namespace Workflows.Host.Runtime;

/// <summary>Who may act on a new task, and in which role; plus the escalations that got there.</summary>
public sealed record ResolvedAssignment(string ActingRole, IReadOnlyList<string> CandidateIds, IReadOnlyList<string> Escalations);

/// <summary>
/// Resolves a design's assignment rule against the org as it is when the task is created.
/// Nobody is left without an approver (DOMAIN.md §7): a rule that resolves to nobody, or only to
/// excluded persons, goes up the line GroupLeader → Supervisor → Manager → GeneralManager, and the
/// escalation is reported so the history can say so.
/// </summary>
public sealed class AssignmentResolver(WorkflowDbContext db)
{
    /// <summary>Scopes a design may name: the subject's group, a group id in a variable, or the group of the employee in a variable.</summary>
    public const string SubjectGroup = "subjectGroup";

    private static readonly string[] Line = [nameof(Rank.GroupLeader), nameof(Rank.Supervisor), nameof(Rank.Manager), CompanyRoles.GeneralManager];

    public async Task<ResolvedAssignment> ResolveAsync(CreateTask task, InstanceState state, CancellationToken ct)
    {
        var excluded = task.ExcludedPersonIds.ToHashSet(StringComparer.Ordinal);
        if (task.Assign.Person is not null)
        {
            var person = task.AssigneeId!;
            if (!excluded.Contains(person) && await db.Users.AnyAsync(u => u.Id == person, ct))
            {
                return new ResolvedAssignment(task.RoleLabel, [person], []);
            }

            // The person is gone or excluded: their superior takes it.
            return await EscalateAsync(await LeaderRoleAbove(person, ct), excluded, state, [$"{task.Assign.Person} cannot act on this task"], ct);
        }

        var role = task.Assign.Role!;
        var candidates = await CandidatesAsync(role, task.Assign.Scope, state, ct);
        var allowed = candidates.Where(c => !excluded.Contains(c)).ToList();
        if (allowed.Count > 0)
        {
            return new ResolvedAssignment(role, allowed, []);
        }

        var why = candidates.Count == 0 ? $"no one holds {role}{(task.Assign.Scope is null ? "" : " in " + task.Assign.Scope)}" : $"every {role} is excluded from this task";
        return await EscalateAsync(Next(role), excluded, state, [why], ct);
    }

    private async Task<ResolvedAssignment> EscalateAsync(string? role, HashSet<string> excluded, InstanceState state, List<string> escalations, CancellationToken ct)
    {
        while (role is not null)
        {
            var candidates = await CandidatesAsync(role, null, state, ct);
            var allowed = candidates.Where(c => !excluded.Contains(c)).ToList();
            if (allowed.Count > 0)
            {
                escalations.Add($"escalated to {role}");
                return new ResolvedAssignment(role, allowed, escalations);
            }

            escalations.Add(candidates.Count == 0 ? $"no one holds {role}" : $"every {role} is excluded");
            role = Next(role);
        }

        // The whole line is empty or excluded: HR, who run the process, get it rather than nobody.
        var hr = (await CandidatesAsync(CompanyRoles.HR, null, state, ct)).Where(c => !excluded.Contains(c)).ToList();
        escalations.Add("escalated to HR: nobody up the line can act");
        return new ResolvedAssignment(CompanyRoles.HR, hr, escalations);
    }

    private static string? Next(string role)
    {
        var index = Array.IndexOf(Line, role);
        return index < 0 ? (role == CompanyRoles.GeneralManager ? null : CompanyRoles.GeneralManager) : index + 1 < Line.Length ? Line[index + 1] : null;
    }

    private async Task<string?> LeaderRoleAbove(string employeeId, CancellationToken ct)
    {
        var rank = await db.Users.Where(u => u.Id == employeeId).Select(u => u.Rank).SingleOrDefaultAsync(ct);
        return rank switch
        {
            Rank.Member => nameof(Rank.GroupLeader),
            Rank.GroupLeader => nameof(Rank.Supervisor),
            Rank.Supervisor => nameof(Rank.Manager),
            _ => CompanyRoles.GeneralManager,
        };
    }

    /// <summary>The employees who hold <paramref name="role"/> (a rank or a company role) in the scope.</summary>
    public async Task<List<string>> CandidatesAsync(string role, string? scope, InstanceState state, CancellationToken ct)
    {
        if (!Enum.TryParse<Rank>(role, out var rank))
        {
            return await IdsAsync(Sql.HoldersOfRole, role, q => q.HoldersOfRole(db, role), ct);
        }

        if (rank != Rank.GroupLeader)
        {
            return await IdsAsync(Sql.HoldersOfRank, rank.ToString(), q => q.HoldersOfRank(db, rank), ct);
        }

        if (scope == SubjectGroup)
        {
            return await IdsAsync(Sql.LeaderOfGroupOf, state.SubjectId, q => q.LeaderOfGroupOf(db, state.SubjectId), ct);
        }

        if (scope is null)
        {
            return await IdsAsync(Sql.HoldersOfSeat, nameof(Rank.GroupLeader), q => q.HoldersOfSeat(db, Rank.GroupLeader), ct);
        }

        var groupId = await ScopeGroupAsync(scope, state, ct);
        return groupId is null ? [] : await IdsAsync(Sql.LeaderOfGroup, groupId, q => q.LeaderOfGroup(db, groupId), ct);
    }

    /// <summary>
    /// One lookup of ids: on SQLite the statement is prepared once per connection (<see cref="SqlitePrepared"/>; EF Core
    /// prepares its command again at every execution, and this runs in every step that creates a task); elsewhere the
    /// compiled LINQ query, which is the same lookup (the PostgreSQL test lane runs it, the SQLite lane the SQL).
    /// </summary>
    private async Task<List<string>> IdsAsync(string sqliteSql, string argument, Func<Compiled, IAsyncEnumerable<string>> linq, CancellationToken ct)
    {
        if (SqlitePrepared.ConnectionOf(db) is not { } sqlite)
        {
            var list = new List<string>();
            await foreach (var item in linq(Compiled.For(db)).WithCancellation(ct))
            {
                list.Add(item);
            }

            return list;
        }

        await db.Database.OpenConnectionAsync(ct);
        try
        {
            return SqlitePrepared.Of(sqlite).QueryAll(sqliteSql, [argument], row => row.Text(0)!);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The SQLite form of the <see cref="Compiled"/> queries, each with one parameter (ranks are stored by name).</summary>
    private static class Sql
    {
        public const string HoldersOfRole =
            "SELECT ur.\"UserId\" FROM \"AspNetUserRoles\" AS ur JOIN \"AspNetRoles\" AS r ON r.\"Id\" = ur.\"RoleId\" WHERE r.\"Name\" = ?1";

        // Authority is the seat (DOMAIN.md §1): the holders of seats of the rank, never everyone with the rank label.
        public const string HoldersOfRank = "SELECT \"HolderId\" FROM \"Seats\" WHERE \"Rank\" = ?1 AND \"HolderId\" IS NOT NULL";

        public const string HoldersOfSeat = "SELECT \"HolderId\" FROM \"Seats\" WHERE \"Rank\" = ?1 AND \"HolderId\" IS NOT NULL";

        public const string LeaderOfGroup =
            "SELECT \"HolderId\" FROM \"Seats\" WHERE \"Rank\" = 'GroupLeader' AND \"GroupId\" = ?1 AND \"HolderId\" IS NOT NULL";

        public const string LeaderOfGroupOf =
            "SELECT s.\"HolderId\" FROM \"Seats\" AS s WHERE s.\"Rank\" = 'GroupLeader' AND s.\"HolderId\" IS NOT NULL " +
            "AND s.\"GroupId\" = (SELECT u.\"GroupId\" FROM \"AspNetUsers\" AS u WHERE u.\"Id\" = ?1 LIMIT 1)";
    }

    /// <summary>
    /// Compiled once per model (each provider's context has its own): candidate resolution runs in
    /// every step that creates a task.
    /// </summary>
    private sealed class Compiled
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, Compiled> ByContext = new();

        public static Compiled For(WorkflowDbContext db) => ByContext.GetOrAdd(db.GetType(), _ => new Compiled());

        public Func<WorkflowDbContext, string, IAsyncEnumerable<string>> HoldersOfRole { get; } = EF.CompileAsyncQuery(
            (WorkflowDbContext db, string role) => from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id where r.Name == role select ur.UserId);

        public Func<WorkflowDbContext, Rank, IAsyncEnumerable<string>> HoldersOfRank { get; } = EF.CompileAsyncQuery(
            (WorkflowDbContext db, Rank rank) => db.Seats.Where(s => s.Rank == rank && s.HolderId != null).Select(s => s.HolderId!));

        public Func<WorkflowDbContext, Rank, IAsyncEnumerable<string>> HoldersOfSeat { get; } = EF.CompileAsyncQuery(
            (WorkflowDbContext db, Rank rank) => db.Seats.Where(s => s.Rank == rank && s.HolderId != null).Select(s => s.HolderId!));

        public Func<WorkflowDbContext, string, IAsyncEnumerable<string>> LeaderOfGroup { get; } = EF.CompileAsyncQuery(
            (WorkflowDbContext db, string groupId) => db.Seats.Where(s => s.Rank == Rank.GroupLeader && s.GroupId == groupId && s.HolderId != null).Select(s => s.HolderId!));

        public Func<WorkflowDbContext, string, IAsyncEnumerable<string>> LeaderOfGroupOf { get; } = EF.CompileAsyncQuery(
            (WorkflowDbContext db, string employeeId) => db.Seats
                .Where(s => s.Rank == Rank.GroupLeader && s.HolderId != null && s.GroupId == db.Users.Where(u => u.Id == employeeId).Select(u => u.GroupId).FirstOrDefault())
                .Select(s => s.HolderId!));
    }

    private async Task<string?> ScopeGroupAsync(string? scope, InstanceState state, CancellationToken ct)
    {
        switch (scope)
        {
            case null:
                return null;
            case SubjectGroup:
                return await db.Users.Where(u => u.Id == state.SubjectId).Select(u => u.GroupId).SingleOrDefaultAsync(ct);
            case var s when s.StartsWith("group:", StringComparison.Ordinal):
                return state.Variables.GetString(s["group:".Length..]);
            case var s when s.StartsWith("groupOf:", StringComparison.Ordinal):
                var employeeId = state.Variables.GetString(s["groupOf:".Length..]);
                return employeeId is null ? null : await db.Users.Where(u => u.Id == employeeId).Select(u => u.GroupId).SingleOrDefaultAsync(ct);
            default:
                return null;
        }
    }
}
