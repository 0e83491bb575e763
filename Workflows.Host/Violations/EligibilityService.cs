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
    public async Task<EligibilityResult?> EvaluateAsync(string employeeId, Rank targetRank, DateOnly asOf, CancellationToken ct)
    {
        var employee = await db.Users.AsNoTracking().Where(u => u.Id == employeeId)
            .Select(u => new { u.Id, u.Rank }).SingleOrDefaultAsync(ct);
        if (employee is null)
        {
            return null;
        }

        var violations = await db.Set<Violation>().AsNoTracking()
            .Where(v => v.EmployeeId == employeeId)
            .Select(v => new ViolationFact(v.Id, v.RuleCode, v.OccurredOn, v.Status))
            .ToListAsync(ct);
        return EligibilityEvaluator.Evaluate(new EligibilityQuery(employee.Id, employee.Rank, targetRank, asOf, violations), catalog.Version);
    }
}
