using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Workflows.Host.Data;
using Workflows.Host.Runtime;

namespace Workflows.Host.Platform;

/// <summary>
/// The answer to filing an application (a promotion, a shift swap, a dispute). The filing services decide it once;
/// the API turns it into HTTP (<see cref="ToHttpAsync"/>) and the pages into a redirect or messages on the form,
/// so both answer by the same rules.
/// </summary>
public abstract record Filing
{
    private Filing()
    {
    }

    /// <summary>The instance was started (it may already have ended, e.g. <c>Ineligible</c> at the gate).</summary>
    public sealed record Filed(string InstanceId) : Filing;

    /// <summary>Missing or malformed fields (400), by field name.</summary>
    public sealed record Invalid(IDictionary<string, string[]> Errors) : Filing;

    /// <summary>Well-formed but refused: 403 (not theirs to file), 422 (against a rule), 409, 503 (a step failed).</summary>
    /// <param name="Coverage">The roster rules a shift swap would break, for a page to say in its own words.</param>
    public sealed record Refused(int Status, string Detail, string? Title = null, IDictionary<string, object?>? Extensions = null,
        IReadOnlyList<Definitions.Roster.CoverageViolation>? Coverage = null) : Filing
    {
        public static Refused Forbidden(string detail) => new(StatusCodes.Status403Forbidden, detail, "Forbidden");

        public static Refused Unprocessable(string detail) => new(StatusCodes.Status422UnprocessableEntity, detail, "Rule violated");

        public static Refused NotFound(string detail) => new(StatusCodes.Status404NotFound, detail, "Not found");
    }

    public async Task<Results<Created<InstanceDetailDto>, ValidationProblem, ProblemHttpResult>> ToHttpAsync(WorkflowDbContext db, CancellationToken ct)
    {
        switch (this)
        {
            case Filed filed:
                var instance = await db.Instances.AsNoTracking().SingleAsync(i => i.Id == filed.InstanceId, ct);
                return TypedResults.Created($"/api/instances/{instance.Id}", await InstancesApi.DetailAsync(db, instance, ct));
            case Invalid invalid:
                return Problems.Invalid(invalid.Errors);
            case Refused refused:
                return TypedResults.Problem(detail: refused.Detail, statusCode: refused.Status, title: refused.Title, extensions: refused.Extensions);
            default:
                throw new InvalidOperationException("Unknown filing result.");
        }
    }
}
