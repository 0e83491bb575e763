using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions.Engine;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;

namespace Workflows.Host.Runtime;

public sealed record DefinitionRef(string Name, int Version);

public sealed record IncidentDto(string Id, string? Step, string Operation, string Error, DateTimeOffset OccurredAt, DateTimeOffset? ResolvedAt);

public sealed record InstanceDto(
    string Id, string Type, DefinitionRef Definition, string Status, string? Outcome, string SubjectId, string StartedBy,
    DateTimeOffset StartedAt, DateTimeOffset? CompletedAt, IReadOnlyList<string> CurrentSteps, IReadOnlyDictionary<string, JsonElement> Data,
    bool HasIncident, string? WaitingFor, long Number, string Reference);

public sealed record InstanceDetailDto(
    string Id, string Type, DefinitionRef Definition, string Status, string? Outcome, string SubjectId, string StartedBy,
    DateTimeOffset StartedAt, DateTimeOffset? CompletedAt, IReadOnlyList<string> CurrentSteps, IReadOnlyDictionary<string, JsonElement> Data,
    bool HasIncident, string? WaitingFor, IReadOnlyList<IncidentDto> Incidents, long Number, string Reference);

public sealed record InstancePage(IReadOnlyList<InstanceDto> Items, int Total, int Page, int PageSize);

public sealed record HistoryDto(
    int Seq, DateTimeOffset At, string Kind, string? Step, string? ActorId, string? ActingRole, string? Action, string? Comment, JsonElement? Data, string? OnBehalfOf);

public sealed record CopyRequest(string[]? EmployeeIds, string? Comment);

public sealed record WithdrawRequest(string? Reason);

/// <summary>Workflow instances, generic across workflow types (docs/api.md §Workflow instances).</summary>
public static class InstancesApi
{
    public static IEndpointRouteBuilder MapInstancesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/instances").WithTags("Workflow instances");
        api.MapGet("/", List);
        api.MapGet("/{id}", Get);
        api.MapGet("/{id}/history", History);
        api.MapPost("/{id}/withdraw", Withdraw);
        api.MapPost("/{id}/retry", Retry).RequireAuthorization(Policies.HR);
        api.MapPost("/{id}/remind", Remind);
        api.MapPost("/{id}/cc", Copy);
        app.MapGet("/api/cc", CopiedToMe).WithTags("Workflow instances");
        return app;
    }

    public static async Task<Results<Ok<InstancePage>, ValidationProblem>> List(
        CurrentActor current, WorkflowDbContext db, DepartmentClock clock, CancellationToken ct,
        string? type = null, InstanceStatus? status = null, string? subjectId = null, DateOnly? from = null, DateOnly? to = null,
        int page = 1, int pageSize = 50, string? actorId = null)
    {
        if (page < 1 || pageSize is < 1 or > 200)
        {
            return Problems.Invalid("page", "page starts at 1; pageSize is between 1 and 200.");
        }

        if (DateBounds.Invalid(("from", from), ("to", to)) is { } outOfRange)
        {
            return outOfRange;
        }

        var actor = await current.GetAsync(ct);
        var search = new InstanceSearch(type, status, subjectId is null ? null : [subjectId], actorId is null ? null : [actorId], from, to);
        var found = await search.FindAsync(db, InstanceAccess.Visible(db, actor).AsNoTracking(), clock, everyInstance: actor.IsHR, page, pageSize, ct);
        return TypedResults.Ok(new InstancePage([.. found.Rows.Select(ToDto)], found.Total, page, pageSize));
    }

    public static async Task<Results<Ok<InstanceDetailDto>, ProblemHttpResult>> Get(string id, CurrentActor current, WorkflowDbContext db, CancellationToken ct)
    {
        var actor = await current.GetAsync(ct);
        var instance = await InstanceAccess.Visible(db, actor).AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, ct);
        if (instance is null)
        {
            return Problems.NotFound($"There is no workflow instance '{id}'.");
        }

        return TypedResults.Ok(await DetailAsync(db, instance, ct));
    }

    public static async Task<Results<Ok<HistoryDto[]>, ProblemHttpResult>> History(string id, CurrentActor current, WorkflowDbContext db, CancellationToken ct)
    {
        var actor = await current.GetAsync(ct);
        if (!await InstanceAccess.CanSeeAsync(db, id, actor, ct))
        {
            return Problems.NotFound($"There is no workflow instance '{id}'.");
        }

        var rows = await db.History.AsNoTracking().Where(h => h.InstanceId == id).OrderBy(h => h.Seq).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(h => new HistoryDto(h.Seq, h.At, h.Kind, h.Step, h.ActorId, h.ActingRole, h.Action, h.Comment,
            h.DataJson is null ? null : JsonDocument.Parse(h.DataJson).RootElement.Clone(), h.OnBehalfOf)).ToArray());
    }

    public static async Task<Results<Ok<InstanceDetailDto>, ProblemHttpResult, ValidationProblem>> Withdraw(
        string id, CurrentActor current, WorkflowRunner runner, WorkflowDbContext db, HttpRequest request, CancellationToken ct)
    {
        var reason = await OptionalBodyAsync<WithdrawRequest>(request, ct);
        if (reason?.Reason is { Length: > Definitions.TextLimits.Text })
        {
            return Problems.Invalid("reason", Platform.Glossary.TooLong(Definitions.TextLimits.Text));
        }

        return await ToResponseAsync(await runner.WithdrawAsync(id, await current.GetAsync(ct), reason?.Reason, ct), db, ct);
    }

    public static async Task<Results<Ok<InstanceDetailDto>, ProblemHttpResult, ValidationProblem>> Retry(
        string id, WorkflowRunner runner, WorkflowDbContext db, CancellationToken ct) =>
        await ToResponseAsync(await runner.AdvanceAsync(id, "retry", ct), db, ct);

    /// <summary>催办: the starter reminds the current approvers; 429 with <c>Retry-After</c> within 24 hours of the last reminder.</summary>
    public static async Task<Results<Ok<InstanceDetailDto>, ProblemHttpResult, ValidationProblem>> Remind(
        string id, CurrentActor current, WorkflowRunner runner, WorkflowDbContext db, HttpResponse response, DepartmentClock clock, CancellationToken ct)
    {
        var result = await runner.RemindAsync(id, await current.GetAsync(ct), ct);
        if (result is RunResult.Refused { RetryAt: { } retryAt })
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling((retryAt - clock.Now).TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return await ToResponseAsync(result, db, ct);
    }

    /// <summary>抄送: whoever may act or has acted on one of its tasks, or HR, copies colleagues.</summary>
    public static async Task<Results<Ok<InstanceDetailDto>, ProblemHttpResult, ValidationProblem>> Copy(
        string id, CopyRequest request, CurrentActor current, WorkflowRunner runner, WorkflowDbContext db, CancellationToken ct)
    {
        if (request.EmployeeIds is not { Length: > 0 and <= 50 } ids || ids.Any(string.IsNullOrWhiteSpace))
        {
            return Problems.Invalid("employeeIds", "Name between 1 and 50 colleagues to copy.");
        }

        if (request.Comment is { Length: > 2000 })
        {
            return Problems.Invalid("comment", "A comment can be at most 2000 characters.");
        }

        return await ToResponseAsync(await runner.CopyAsync(id, await current.GetAsync(ct), ids, request.Comment, ct), db, ct);
    }

    /// <summary>抄送我的: the instances the caller was copied on, newest first.</summary>
    public static async Task<Ok<InstanceDto[]>> CopiedToMe(CurrentActor current, WorkflowDbContext db, CancellationToken ct)
    {
        var actor = await current.GetAsync(ct);
        var rows = await (from c in db.Copies
                          join i in db.Instances on c.InstanceId equals i.Id
                          where c.EmployeeId == actor.Id
                          orderby c.At descending
                          select i).AsNoTracking().Take(500).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(ToDto).ToArray());
    }

    /// <summary>The shared translation of a runner result into the API's answer.</summary>
    internal static async Task<Results<Ok<InstanceDetailDto>, ProblemHttpResult, ValidationProblem>> ToResponseAsync(RunResult result, WorkflowDbContext db, CancellationToken ct)
    {
        switch (result)
        {
            case RunResult.Ok ok:
                var fresh = await db.Instances.AsNoTracking().SingleAsync(i => i.Id == ok.Instance.Id, ct);
                return TypedResults.Ok(await DetailAsync(db, fresh, ct));
            case RunResult.Refused { Errors: { } errors } refused when refused.Status == 400:
                return Problems.Invalid(errors.ToDictionary(e => e.Key, e => e.Value));
            case RunResult.Refused refused:
                var problem = TypedResults.Problem(detail: refused.Detail, statusCode: refused.Status, title: Title(refused.Status),
                    extensions: refused.Errors is null ? null : new Dictionary<string, object?> { ["errors"] = refused.Errors });
                return problem;
            default:
                throw new InvalidOperationException("Unknown run result.");
        }
    }

    private static string Title(int status) => status switch
    {
        403 => "Forbidden",
        404 => "Not found",
        409 => "Conflict",
        422 => "Rule violated",
        429 => "Too soon",
        503 => "Step failed",
        _ => "Request refused",
    };

    internal static async Task<T?> OptionalBodyAsync<T>(HttpRequest request, CancellationToken ct)
        where T : class
    {
        if (request.ContentLength is null or 0 && request.Headers.TransferEncoding.Count == 0)
        {
            return null;
        }

        try
        {
            return await request.ReadFromJsonAsync<T>(ct);
        }
        catch (JsonException ex)
        {
            throw new BadHttpRequestException("The body is not valid JSON: " + ex.Message, ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new BadHttpRequestException("Send JSON with Content-Type: application/json.", StatusCodes.Status415UnsupportedMediaType, ex);
        }
    }

    internal static InstanceDto ToDto(WorkflowInstance i) => new(
        i.Id, i.Type, new DefinitionRef(i.DesignName, i.DesignVersion), i.Status.ToString(), i.Outcome, i.SubjectId, i.StartedBy,
        i.StartedAt, i.CompletedAt, i.CurrentStep is null ? [] : [i.CurrentStep], Data(i), i.HasIncident, i.WaitingFor, i.Number, ReferenceNumbers.Of(i));

    internal static async Task<InstanceDetailDto> DetailAsync(WorkflowDbContext db, WorkflowInstance i, CancellationToken ct)
    {
        var incidents = await db.Incidents.AsNoTracking().Where(x => x.InstanceId == i.Id).OrderBy(x => x.OccurredAt)
            .Select(x => new IncidentDto(x.Id, x.Step, x.Operation, x.Error, x.OccurredAt, x.ResolvedAt)).ToListAsync(ct);
        return new InstanceDetailDto(i.Id, i.Type, new DefinitionRef(i.DesignName, i.DesignVersion), i.Status.ToString(), i.Outcome, i.SubjectId,
            i.StartedBy, i.StartedAt, i.CompletedAt, i.CurrentStep is null ? [] : [i.CurrentStep], Data(i), i.HasIncident, i.WaitingFor, incidents, i.Number, ReferenceNumbers.Of(i));
    }

    /// <summary>The instance's form data and variables; decisions are in the history, not repeated here.</summary>
    private static ImmutableDictionary<string, JsonElement> Data(WorkflowInstance i)
    {
        var variables = WorkflowRunner.Deserialize(i).Values;
        return variables.RemoveRange(variables.Keys.Where(k => k.StartsWith(WorkflowVariables.DecisionPrefix, StringComparison.Ordinal)));
    }
}
