using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Definitions.Engine;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Runtime;

namespace Workflows.Host.Organization;

/// <summary>
/// Vacating a seat ends its former holder's authority at once (docs/domain.md §People, ranks and seats): every open task of the seat's role that
/// they could act on is resolved again from its step's assignment rule, as if it were created now. Other holders of a
/// seat of that rank stay (or become) its candidates; when nobody holds one, it goes up the line
/// (GroupLeader → Supervisor → Manager → GeneralManager) through <see cref="AssignmentResolver"/>, and the history says so.
/// </summary>
/// <remarks>
/// Runs in the vacate's transaction, after the seat's change is saved (the resolver reads the seats from the database),
/// and adds to the caller's unit of work. Each task and its instance get a new version, so a step that read them before
/// (a completion racing the vacate, or the open-task cache of ADR 0009) is refused or decided again on these rows.
/// </remarks>
public sealed class FormerHolderTasks(WorkflowDbContext db, AssignmentResolver assignments, PublishedDesigns designs, DepartmentClock clock)
{
    /// <summary>A task's candidates were resolved again without going up the line (other holders of the rank took it).</summary>
    public const string Reassigned = "task.reassigned";

    /// <summary>Same as the runner's entry when a new task goes up the line.</summary>
    public const string Escalated = "task.escalated";

    /// <param name="vacatedBy">Who vacated the seat (HR); null when an appointment to another seat vacated it.</param>
    /// <returns>How many tasks were resolved again.</returns>
    public async Task<int> ResolveAgainAsync(string formerHolderId, Rank rank, string? vacatedBy, CancellationToken ct)
    {
        var role = rank.ToString();
        var tasks = await db.Tasks
            .Where(t => t.Status == TaskState.Open && t.RequiredRole == role
                && (t.AssigneeId == formerHolderId || db.TaskCandidates.Any(c => c.TaskId == t.Id && c.EmployeeId == formerHolderId)))
            .OrderBy(t => t.CreatedAt).ThenBy(t => t.Id)
            .ToListAsync(ct);
        foreach (var task in tasks)
        {
            var instance = await db.Instances.SingleAsync(i => i.Id == task.InstanceId, ct);
            var design = designs.Get(instance.DesignName, instance.DesignVersion);
            if (!design.Steps.TryGetValue(task.Step, out var designed) || designed is not TaskStep step)
            {
                throw new InvalidOperationException($"Task {task.Id} stands on '{task.Step}', which is not a task step of {design.Name} v{design.Version}.");
            }

            var state = WorkflowRunner.Deserialize(instance);
            var assignee = step.Assign.Person is { } variable ? state.GetString(variable) : null;
            var again = new CreateTask(step.Id, task.Visit, task.Title, step.RoleLabel, step.Assign, assignee, step.OfferedActions,
                WorkflowEngine.ExcludedPersons(step, state), task.DueAt);
            var resolved = await assignments.ResolveAsync(again, state, ct);
            var wanted = resolved.CandidateIds.Distinct(StringComparer.Ordinal).ToList();

            await ResolvedAssignment.ReplaceCandidatesAsync(db, row => db.Add(row), task.Id, wanted, ct);

            // The task's role follows the resolution, as a new task's would (WorkflowRunner, CreateTask).
            var entry = db.Entry(task);
            entry.Property(t => t.ActingRole).CurrentValue = resolved.ActingRole;
            entry.Property(t => t.RequiredRole).CurrentValue = resolved.RequiredRole(step.Assign);
            if (task.AssigneeId is { } claimedBy && !wanted.Contains(claimedBy, StringComparer.Ordinal))
            {
                task.AssigneeId = null;
            }

            // Candidates carry no version: the task's moves (ADR 0010), and SaveChanges moves every modified row's.
            entry.Property(t => t.Version).IsModified = true;

            var why = $"the {role} seat held by {formerHolderId} was vacated; candidates resolved again";
            var escalated = resolved.Escalations.Count > 0;
            db.History.Add(new HistoryEntry
            {
                InstanceId = instance.Id,
                Seq = ++instance.HistoryCount,
                At = clock.Now,
                Kind = escalated ? Escalated : Reassigned,
                Step = task.Step,
                ActingRole = resolved.ActingRole,
                Comment = escalated ? $"{why}: {string.Join("; ", resolved.Escalations)}" : why,
                DataJson = JsonSerializer.Serialize(new
                {
                    taskId = task.Id,
                    assignedRole = step.Assign.Role ?? step.Assign.Person,
                    actingRole = resolved.ActingRole,
                    candidates = wanted,
                    formerHolderId,
                    vacatedBy,
                }, WorkflowRunner.StateJson),
            });
        }

        return tasks.Count;
    }
}
