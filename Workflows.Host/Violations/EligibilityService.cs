using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Definitions.Eligibility;
using Workflows.Definitions.Violations;
using Workflows.Host.Data;

namespace Workflows.Host.Violations;

/// <summary>
/// Loads an employee and all their violations and asks the core's <see cref="EligibilityEvaluator"/>.
/// The promotion workflow's activities call it inside their own transaction (at submission and again at
/// appointment, on current data), so it reads through the caller's scoped DbContext and never saves.
/// </summary>
public sealed class EligibilityService(WorkflowDbContext db, RuleCatalog catalog)
{
    /// <returns>The explained answer, or null when there is no such employee.</returns>
    public async Task<EligibilityResult?> EvaluateAsync(string employeeId, Rank targetRank, DateOnly asOf, CancellationToken ct) =>
        (await EvaluateManyAsync([(employeeId, targetRank, asOf)], ct))[0];

    /// <summary>
    /// The same answer for many questions at once, in two queries whatever their number (the inbox shows one per
    /// promotion task). Answers come back in the order asked; null where there is no such employee.
    /// </summary>
    public async Task<IReadOnlyList<EligibilityResult?>> EvaluateManyAsync(
        IReadOnlyList<(string EmployeeId, Rank TargetRank, DateOnly AsOf)> questions, CancellationToken ct)
    {
        if (questions.Count == 0)
        {
            return [];
        }

        var ids = questions.Select(q => q.EmployeeId).Distinct(StringComparer.Ordinal).ToList();
        var ranks = await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id))
            .Select(u => new { u.Id, u.Rank }).ToDictionaryAsync(u => u.Id, u => u.Rank, StringComparer.Ordinal, ct);
        var violations = (await db.Set<Violation>().AsNoTracking()
                .Where(v => ids.Contains(v.EmployeeId))
                .Select(v => new { v.EmployeeId, Fact = new ViolationFact(v.Id, v.RuleCode, v.OccurredOn, v.Status) })
                .ToListAsync(ct))
            .ToLookup(v => v.EmployeeId, v => v.Fact, StringComparer.Ordinal);
        return [.. questions.Select(q => ranks.TryGetValue(q.EmployeeId, out var rank)
            ? EligibilityEvaluator.Evaluate(new EligibilityQuery(q.EmployeeId, rank, q.TargetRank, q.AsOf, [.. violations[q.EmployeeId]]), catalog.Version)
            : null)];
    }
}
