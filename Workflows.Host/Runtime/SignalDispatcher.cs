using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions.Engine;
using Workflows.Host.Data;
using Workflows.Host.Platform;

namespace Workflows.Host.Runtime;

/// <summary>
/// Signals wake waiting instances (<c>seat.vacated</c>). Domain code raises one inside its own
/// transaction (<see cref="Raise"/>: an outbox row, committed with the change that caused it) and
/// calls <see cref="DispatchPendingAsync"/> after committing; the sweeper delivers whatever a crash
/// left behind. Each waiting instance gets it once: delivery moves it off its wait step.
/// </summary>
public sealed class SignalDispatcher(WorkflowDbContext db, IServiceScopeFactory scopes, DepartmentClock clock)
{
    /// <param name="subjectId">Only instances about this employee receive it; null for everyone waiting on <paramref name="name"/>.</param>
    public static void Raise(WorkflowDbContext db, DepartmentClock clock, string name, object? data = null, string? subjectId = null) =>
        db.Signals.Add(new PendingSignal
        {
            Name = name,
            SubjectId = subjectId,
            DataJson = data is null ? null : JsonSerializer.Serialize(data, WorkflowRunner.StateJson),
            RaisedAt = clock.Now,
        });

    /// <returns>How many instances were woken.</returns>
    public async Task<int> DispatchPendingAsync(CancellationToken ct)
    {
        var woken = 0;
        var pending = await db.Signals.AsNoTracking().Where(s => s.DeliveredAt == null).OrderBy(s => s.RaisedAt).Take(100).ToListAsync(ct);
        foreach (var signal in pending)
        {
            var data = signal.DataJson is null ? null : JsonSerializer.Deserialize<ImmutableDictionary<string, JsonElement>>(signal.DataJson, WorkflowRunner.StateJson);
            var waiting = await db.Instances.AsNoTracking()
                .Where(i => i.WaitingFor == signal.Name && i.Status == InstanceStatus.Running && i.StartedAt <= signal.RaisedAt)
                .Where(i => signal.SubjectId == null || i.SubjectId == signal.SubjectId)
                .OrderBy(i => i.StartedAt).Select(i => i.Id).ToListAsync(ct);
            foreach (var instanceId in waiting)
            {
                // Each delivery is its own transaction with its own context.
                await using var scope = scopes.CreateAsyncScope();
                if (await scope.ServiceProvider.GetRequiredService<WorkflowRunner>().DeliverSignalAsync(instanceId, signal.Name, data, ct))
                {
                    woken++;
                }
            }

            var now = clock.Now;
            await db.Signals.Where(s => s.Id == signal.Id && s.DeliveredAt == null).ExecuteUpdateAsync(s => s.SetProperty(x => x.DeliveredAt, now), ct);
        }

        return woken;
    }
}
