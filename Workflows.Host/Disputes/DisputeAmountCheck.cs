using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions.Ledger;
using Workflows.Host.Data;
using Workflows.Host.Runtime;
using Workflows.Host.Violations;

namespace Workflows.Host.Disputes;

/// <summary>
/// A <c>reduce</c> on a dispute's task (the leader's recommendation or the supervisor's decision) carries
/// <c>data.amount</c>: a number within the money bounds (docs/domain.md §Limits) and below the violation's current penalty.
/// Checked before the step, so a refused amount writes nothing; <see cref="DecideDisputeActivity"/> applies the same
/// rule again on the row it changes.
/// </summary>
public sealed class DisputeAmountCheck(WorkflowDbContext db, MoneyBounds bounds) : ITaskCompletionCheck
{
    public const string Field = "data.amount";

    public string Type => DisputesApi.DesignName;

    public async Task<IDictionary<string, string[]>?> CheckAsync(WorkflowTask task, string action, ImmutableDictionary<string, JsonElement>? data,
        CancellationToken ct)
    {
        if (action != "reduce")
        {
            return null;
        }

        // A missing amount is the engine's refusal (the design's reduce requires it, MissingData), worded like every other.
        if (data is null || !data.TryGetValue("amount", out var element))
        {
            return null;
        }

        if (Amount(element) is not { } amount)
        {
            return Error(Platform.Glossary.Say("W19_AmountNotANumber"));
        }

        if (bounds.Check(amount) is { } wrong)
        {
            return Error(Platform.Glossary.Amount(wrong));
        }

        var current = await db.Set<Violation>().AsNoTracking().Where(v => v.DisputeInstanceId == task.InstanceId)
            .Select(v => (decimal?)v.PenaltyAmount).FirstOrDefaultAsync(ct);
        return current is { } now && amount >= now
            ? Error(Platform.Glossary.Decision(new Definitions.Disputes.DecisionProblem.NotBelowCurrent(amount, now)))
            : null;
    }

    /// <summary>The amount as the activity reads it: a JSON number, or a string holding one.</summary>
    public static decimal? Amount(JsonElement amount) => amount.ValueKind switch
    {
        JsonValueKind.Number when amount.TryGetDecimal(out var d) => d,
        JsonValueKind.String when decimal.TryParse(amount.GetString(), NumberStyles.Number, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };

    private static Dictionary<string, string[]> Error(string message) => new(StringComparer.Ordinal) { [Field] = [message] };
}
