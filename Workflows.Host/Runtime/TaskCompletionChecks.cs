using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workflows.Host.Auth;
using Workflows.Host.Data;

namespace Workflows.Host.Runtime;

/// <summary>
/// A workflow type's own rules for the data a person sends with a decision (a dispute's reduced amount), asked before
/// the runner takes the step: a decision the rules refuse is a 422 and nothing is written — no task completed, no
/// history, no step sent back.
/// </summary>
public interface ITaskCompletionCheck
{
    /// <summary>The workflow type (<see cref="WorkflowTask.Type"/>) whose tasks this checks.</summary>
    string Type { get; }

    /// <summary>Errors keyed by field (<c>data.amount</c>), or null when the data may go to the runner.</summary>
    Task<IDictionary<string, string[]>?> CheckAsync(WorkflowTask task, string action, ImmutableDictionary<string, JsonElement>? data, CancellationToken ct);
}

/// <summary>Asks the checks of a task's workflow type, for the API and the inbox page alike.</summary>
public sealed class TaskCompletionChecks(IEnumerable<ITaskCompletionCheck> checks, WorkflowDbContext db)
{
    /// <summary>
    /// Errors for the decision, or null. Only a candidate of an open task is told about its data: anyone else gets
    /// null here and the runner's own answer (404, 403, 409), so the check reveals nothing the runner would not.
    /// </summary>
    public async Task<IDictionary<string, string[]>?> CheckAsync(string taskId, Actor actor, string action,
        ImmutableDictionary<string, JsonElement>? data, CancellationToken ct)
    {
        var check = default(ITaskCompletionCheck);
        var task = await db.Tasks.AsNoTracking().SingleOrDefaultAsync(t => t.Id == taskId, ct);
        if (task is null || task.Status != TaskState.Open || (check = checks.FirstOrDefault(c => c.Type == task.Type)) is null
            || !await db.TaskCandidates.AnyAsync(c => c.TaskId == taskId && c.EmployeeId == actor.Id, ct))
        {
            return null;
        }

        return await check.CheckAsync(task, action, data, ct);
    }
}
