using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions.Engine;
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

/// <summary>
/// "One running instance per …" (docs/domain.md §Limits, ADR 0011): the key an instance holds while it runs, and the 409 that
/// names the running one. The filing services look first (the usual case answers without a failed insert) and start
/// with the key; the unique index on running rows decides a race, and its violation is answered the same way.
/// </summary>
public static class RunningKeys
{
    public static string Promotion(string candidateId) => "candidate:" + candidateId;

    public static string ShiftSwap(string requesterId, string shiftId) => $"shift:{shiftId}:requester:{requesterId}";

    public static string Dispute(string violationId) => "violation:" + violationId;

    /// <summary>The running instance of <paramref name="type"/> holding <paramref name="key"/>, if any.</summary>
    public static Task<string?> RunningAsync(WorkflowDbContext db, string type, string key, CancellationToken ct) =>
        db.Instances.AsNoTracking().Where(i => i.Type == type && i.RunningKey == key && i.Status == InstanceStatus.Running)
            .Select(i => i.Id).FirstOrDefaultAsync(ct);

    /// <summary>Whether a failed write is the running-key index refusing a second running instance.</summary>
    public static bool IsTaken(DbUpdateException ex) => ex.InnerException switch
    {
        Npgsql.PostgresException pg => pg.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation && pg.ConstraintName == WorkflowDbContext.RunningKeyIndex,
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteExtendedErrorCode == 2067
            && sqlite.Message.Contains("Instances.RunningKey", StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>The 409 naming the running instance (its id in the <c>instanceId</c> extension).</summary>
    public static Filing.Refused Conflict(string instanceId, string what) =>
        new(StatusCodes.Status409Conflict, $"{what} is already running: instance {instanceId}. / 已有进行中的申请：{instanceId}", "Already running",
            new Dictionary<string, object?> { ["instanceId"] = instanceId });

    /// <summary>
    /// Starts through the runner with the key, or answers the 409 when an instance holding it runs (found before, or
    /// the index refusing the insert of a concurrent second one: nothing of that start is written).
    /// </summary>
    public static async Task<(RunResult? Result, Filing.Refused? Duplicate)> StartAsync(WorkflowDbContext db, string type, string key, string what,
        Func<Task<RunResult>> start, CancellationToken ct)
    {
        if (await RunningAsync(db, type, key, ct) is { } running)
        {
            return (null, Conflict(running, what));
        }

        try
        {
            return (await start(), null);
        }
        catch (DbUpdateException ex) when (IsTaken(ex))
        {
            db.ChangeTracker.Clear();
            return (null, Conflict(await RunningAsync(db, type, key, ct) ?? "(finished meanwhile)", what));
        }
    }
}
