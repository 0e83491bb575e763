using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions.Engine;
using Workflows.Host.Data;
using Workflows.Host.Platform;

namespace Workflows.Host.Runtime;

/// <summary>
/// Who a signal concerns among the instances waiting for it (docs/domain.md §What every workflow shares: a signal wakes only the instances it
/// concerns), and in which order they wake. A signal without one wakes every instance waiting for it.
/// </summary>
public interface ISignalAudience
{
    /// <summary>The signal's name.</summary>
    string Signal { get; }

    /// <param name="waiting">The instances waiting for the signal that started before it was raised, oldest first.</param>
    /// <param name="data">The signal's data as raised.</param>
    /// <returns>The ones it concerns, in the order to wake them.</returns>
    Task<IReadOnlyList<string>> SelectAsync(WorkflowDbContext db, IReadOnlyList<string> waiting, ImmutableDictionary<string, JsonElement>? data, CancellationToken ct);
}

/// <summary>
/// Signals wake waiting instances (<c>seat.vacated</c>). Domain code raises one inside its own
/// transaction (<see cref="Raise"/>: an outbox row, committed with the change that caused it) and
/// calls <see cref="DispatchPendingAsync"/> after committing; the sweeper delivers whatever a crash
/// left behind. Each waiting instance the signal concerns (<see cref="ISignalAudience"/>) gets it once: delivery
/// moves it off its wait step.
/// </summary>
public sealed class SignalDispatcher(WorkflowDbContext db, IServiceScopeFactory scopes, DepartmentClock clock, IEnumerable<ISignalAudience> audiences)
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
            var concerned = waiting.Count > 0 && audiences.FirstOrDefault(a => a.Signal == signal.Name) is { } audience
                ? await audience.SelectAsync(db, waiting, data, ct)
                : waiting;
            foreach (var instanceId in concerned)
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
