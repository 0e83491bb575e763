using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Definitions.Engine;
using Workflows.Host.Data;
using Workflows.Host.Runtime.Store;

namespace Workflows.Host.Runtime;

/// <summary>Who may act on a new task, and in which role; plus the escalations that got there.</summary>
public sealed record ResolvedAssignment(string ActingRole, IReadOnlyList<string> CandidateIds, IReadOnlyList<string> Escalations)
{
    /// <summary>
    /// The role an actor must hold to act (checked again at completion): the resolved one when the step names a role or
    /// the task went up the line; none for a task assigned to a person.
    /// </summary>
    public string? RequiredRole(Workflows.Definitions.Engine.AssignmentRule assign) => assign.Role is not null || Escalations.Count > 0 ? ActingRole : null;

    /// <summary>
    /// Makes these the task's only candidates: its candidate rows are deleted in the caller's transaction and new ones go
    /// to <paramref name="add"/> (a runner step's rows, or the context). Every path that hands a task to other people
    /// (a transfer, an escalation, a vacated seat) goes through here.
    /// </summary>
    public static async Task ReplaceCandidatesAsync(Data.WorkflowDbContext db, Action<object> add, string taskId, IEnumerable<string> people, CancellationToken ct)
    {
        await db.TaskCandidates.Where(c => c.TaskId == taskId).ExecuteDeleteAsync(ct);
        foreach (var person in people.Distinct(StringComparer.Ordinal))
        {
            add(new TaskCandidate { TaskId = taskId, EmployeeId = person });
        }
    }
}

/// <summary>
/// Resolves a design's assignment rule against the org as it is when the task is created.
/// Nobody is left without an approver (docs/domain.md §What every workflow shares): a rule that resolves to nobody, or only to
/// excluded persons, goes up the line GroupLeader → Supervisor → Manager → GeneralManager, and the
/// escalation is reported so the history can say so.
/// </summary>
public sealed class AssignmentResolver(WorkflowDbContext db, IStepStore store)
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

    /// <summary>An overdue task's next approvers: up the line from the role it was for.</summary>
    public Task<ResolvedAssignment> EscalateFromAsync(string role, IReadOnlyCollection<string> excluded, InstanceState state, CancellationToken ct) =>
        EscalateAsync(Next(role), excluded.ToHashSet(StringComparer.Ordinal), state, [$"{role} did not act by the due date"], ct);

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
            return await store.HoldersAsync(db, Holders.Role, role, ct);
        }

        // Authority is the seat: the holders of seats of the rank, never everyone with the rank label.
        if (rank != Rank.GroupLeader)
        {
            return await store.HoldersAsync(db, Holders.Seat, rank.ToString(), ct);
        }

        if (scope == SubjectGroup)
        {
            return await store.HoldersAsync(db, Holders.LeaderOfGroupOf, state.SubjectId, ct);
        }

        if (scope is null)
        {
            return await store.HoldersAsync(db, Holders.Seat, nameof(Rank.GroupLeader), ct);
        }

        var groupId = await ScopeGroupAsync(scope, state, ct);
        return groupId is null ? [] : await store.HoldersAsync(db, Holders.LeaderOfGroup, groupId, ct);
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
                return state.GetString(s["group:".Length..]);
            case var s when s.StartsWith("groupOf:", StringComparison.Ordinal):
                var employeeId = state.GetString(s["groupOf:".Length..]);
                return employeeId is null ? null : await db.Users.Where(u => u.Id == employeeId).Select(u => u.GroupId).SingleOrDefaultAsync(ct);
            default:
                return null;
        }
    }
}
