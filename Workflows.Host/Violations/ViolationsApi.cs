using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Definitions.Eligibility;
using Workflows.Definitions.Violations;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;

namespace Workflows.Host.Violations;

public sealed record RuleDto(string Code, string TitleZh, string Title, decimal DefaultPenalty);

public sealed record RecordViolationRequest(string? EmployeeId, string? RuleCode, DateOnly? OccurredOn, string? Description, decimal? PenaltyAmount);

public sealed record ViolationDto(string Id, string EmployeeId, string RuleCode, DateOnly OccurredOn, string Description,
    decimal PenaltyAmount, ViolationStatus Status, string RecordedBy, DateTimeOffset RecordedAt, string? DisputeInstanceId)
{
    public static ViolationDto From(Violation v) => new(v.Id, v.EmployeeId, v.RuleCode, v.OccurredOn, v.Description,
        v.PenaltyAmount, v.Status, v.RecordedBy, v.RecordedAt, v.DisputeInstanceId);
}

public sealed record ViolationChangeDto(int Seq, ViolationChangeKind Kind, DateTimeOffset At, string ActorId,
    ViolationStatus? FromStatus, ViolationStatus ToStatus, decimal? FromAmount, decimal ToAmount, string? Reference);

/// <summary>One violation with its full history.</summary>
public sealed record ViolationDetailDto(ViolationDto Violation, IReadOnlyList<ViolationChangeDto> Changes);

public sealed record ConsideredDto(string ViolationId, string RuleCode, DateOnly OccurredOn, ViolationStatus Status, bool Counts,
    ConsideredReason ReasonCode, string Reason);

/// <summary>The explained eligibility answer (docs/api.md §Violations and eligibility), with who and as of when, the catalog version and whether it is skip-level.</summary>
/// <param name="Reasons">Every unmet requirement in words, in the request's language (<see cref="Glossary"/>).</param>
/// <param name="ReasonCodes">The same requirements as stable codes (<see cref="EligibilityRule"/>), in the same order.</param>
public sealed record EligibilityDto(string EmployeeId, bool Eligible, Rank? CurrentRank, Rank TargetRank, DateOnly AsOf, int? WindowMonths,
    DateOnly? WindowStart, DateOnly WindowEnd, DateOnly? EarliestEligibleOn, IReadOnlyList<ConsideredDto> Considered,
    IReadOnlyList<string> Reasons, string CatalogVersion, bool IsSkipLevel, IReadOnlyList<EligibilityRule> ReasonCodes)
{
    /// <param name="ruleTitle">A rule code's title in the reader's language, for the blocking violations; the code when null.</param>
    public static EligibilityDto From(EligibilityResult r, Func<string, string>? ruleTitle = null) => new(r.EmployeeId, r.Eligible, r.CurrentRank, r.TargetRank, r.AsOf,
        r.WindowMonths, r.WindowStart, r.WindowEnd, r.EarliestEligibleOn,
        [.. r.Considered.Select(c => new ConsideredDto(c.ViolationId, c.RuleCode, c.OccurredOn, c.Status, c.Counts, c.ReasonCode,
            Glossary.Considered(c.ReasonCode, r.WindowStart, r.WindowEnd)))],
        [.. r.Reasons.Select(reason => Glossary.Eligibility(reason, ruleTitle))], r.CatalogVersion, r.IsSkipLevel, [.. r.Reasons.Select(reason => reason.Rule)]);
}

public static class ViolationsApi
{
    public static IEndpointRouteBuilder MapViolationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Violations and eligibility");
        api.MapGet("/violation-rules", ListRules);
        api.MapPost("/violations", RecordViolation);
        api.MapGet("/violations/{id}", GetViolation);
        api.MapGet("/employees/{id}/violations", ListEmployeeViolations);
        api.MapGet("/eligibility", GetEligibility);
        return app;
    }

    public static Ok<RuleDto[]> ListRules(RuleCatalog catalog) =>
        TypedResults.Ok(catalog.Rules.Select(r => new RuleDto(r.Code, r.TitleZh, r.Title, r.DefaultPenalty)).ToArray());

    public static async Task<Results<Created<ViolationDto>, ValidationProblem, ProblemHttpResult>> RecordViolation(
        RecordViolationRequest request, CurrentActor current, WorkflowDbContext db, RuleCatalog catalog, DepartmentClock clock,
        [Microsoft.AspNetCore.Mvc.FromServices] Definitions.Ledger.MoneyBounds bounds, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(request.EmployeeId))
        {
            errors["employeeId"] = ["The employee is required / 请指定员工"];
        }

        if (string.IsNullOrWhiteSpace(request.RuleCode))
        {
            errors["ruleCode"] = ["The rule code is required (R01–R18) / 请指定条例"];
        }

        if (request.OccurredOn is null)
        {
            errors["occurredOn"] = ["The date it occurred is required (yyyy-MM-dd) / 请填写发生日期"];
        }

        if (string.IsNullOrWhiteSpace(request.Description))
        {
            errors["description"] = ["A description is required / 请填写情况说明"];
        }
        else if (request.Description.Length > ViolationLimits.DescriptionLength)
        {
            errors["description"] = [$"At most {ViolationLimits.DescriptionLength} characters / 说明过长"];
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var actor = await current.GetAsync(ct);
        var subject = await db.FindPersonAsync(request.EmployeeId!, ct);
        if (subject is null)
        {
            return Problems.Unprocessable($"There is no employee with id '{request.EmployeeId}' / 员工不存在");
        }

        if (ViolationRecordingPolicy.MayRecord(actor.AsPerson(), subject) is RecordingPermission.Forbidden forbidden)
        {
            return Problems.Forbidden(Glossary.Recording(forbidden.Refusal));
        }

        var draft = new ViolationDraft(request.RuleCode!.Trim(), request.OccurredOn!.Value, request.Description, request.PenaltyAmount);
        switch (ViolationRecordingPolicy.Validate(draft, clock.Today, catalog, bounds))
        {
            case ViolationValidation.Invalid invalid:
                return Unprocessable(invalid.Errors.ToDictionary(e => e.Key, e => new[] { Glossary.Draft(e.Value) }));
            case ViolationValidation.Valid valid:
                var violation = Violation.Record(subject.Id, valid, draft.OccurredOn, request.Description!.Trim(), actor.Id, clock.Now);
                db.Add(violation);
                await db.SaveChangesAsync(ct);
                return TypedResults.Created($"/api/violations/{violation.Id}", ViolationDto.From(violation));
            default:
                throw new InvalidOperationException("Unknown validation result.");
        }
    }

    public static async Task<Results<Ok<ViolationDetailDto>, ProblemHttpResult>> GetViolation(
        string id, CurrentActor current, WorkflowDbContext db, CancellationToken ct)
    {
        var violation = await db.Set<Violation>().AsNoTracking().Include(v => v.Changes).SingleOrDefaultAsync(v => v.Id == id, ct);
        if (violation is null)
        {
            return Problems.NotFound($"There is no violation with id '{id}'.");
        }

        var subject = await db.FindPersonAsync(violation.EmployeeId, ct);
        if (subject is null || !RecordAccess.MayRead(await current.GetAsync(ct), subject))
        {
            return Problems.Forbidden("Only the employee, their group leader, the supervisor, the manager and HR may read this record / 无权查看该违纪记录");
        }

        var changes = violation.Changes.OrderBy(c => c.Seq)
            .Select(c => new ViolationChangeDto(c.Seq, c.Kind, c.At, c.ActorId, c.FromStatus, c.ToStatus, c.FromAmount, c.ToAmount, c.Reference))
            .ToList();
        return TypedResults.Ok(new ViolationDetailDto(ViolationDto.From(violation), changes));
    }

    public static async Task<Results<Ok<ViolationDto[]>, ProblemHttpResult>> ListEmployeeViolations(
        string id, CurrentActor current, WorkflowDbContext db, CancellationToken ct)
    {
        var subject = await db.FindPersonAsync(id, ct);
        if (subject is null)
        {
            return Problems.NotFound($"There is no employee with id '{id}'.");
        }

        if (!RecordAccess.MayRead(await current.GetAsync(ct), subject))
        {
            return Problems.Forbidden("Only the employee, their group leader, the supervisor, the manager and HR may read these records / 无权查看该员工的违纪记录");
        }

        var list = await db.Set<Violation>().AsNoTracking().Where(v => v.EmployeeId == id).ToListAsync(ct);
        return TypedResults.Ok(list.OrderByDescending(v => v.OccurredOn).ThenByDescending(v => v.RecordedAt).Select(ViolationDto.From).ToArray());
    }

    public static async Task<Results<Ok<EligibilityDto>, ValidationProblem, ProblemHttpResult>> GetEligibility(
        string? employeeId, string? targetRank, string? asOf, CurrentActor current, WorkflowDbContext db, EligibilityService eligibility,
        DepartmentClock clock, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(employeeId))
        {
            errors["employeeId"] = ["The employee is required."];
        }

        // Names only: Enum.TryParse would also take "7" or "1,2".
        var rank = Enum.GetValues<Rank>().Select(r => (Rank?)r).FirstOrDefault(r => string.Equals(r.ToString(), targetRank, StringComparison.OrdinalIgnoreCase));
        if (rank is null)
        {
            errors["targetRank"] = [$"targetRank must be one of {string.Join(", ", Enum.GetNames<Rank>())}."];
        }

        var date = clock.Today;
        if (asOf is not null && !DateOnly.TryParseExact(asOf, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
        {
            errors["asOf"] = [$"'{asOf}' is not a date in the form yyyy-MM-dd."];
        }
        else if (!DateBounds.Contains(date))
        {
            errors["asOf"] = [DateBounds.Message(date)];
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var subject = await db.FindPersonAsync(employeeId!, ct);
        if (subject is null)
        {
            return Problems.NotFound($"There is no employee with id '{employeeId}'.");
        }

        if (!RecordAccess.MayRead(await current.GetAsync(ct), subject))
        {
            return Problems.Forbidden("Only the employee, their group leader, the supervisor, the manager and HR may see this eligibility / 无权查看");
        }

        var result = await eligibility.EvaluateAsync(subject.Id, rank!.Value, date, ct);
        return result is null ? Problems.NotFound($"There is no employee with id '{employeeId}'.") : TypedResults.Ok(EligibilityDto.From(result));
    }

    /// <summary>A 422 that still names the fields, like a 400 validation problem does.</summary>
    internal static ProblemHttpResult Unprocessable(IReadOnlyDictionary<string, string[]> errors) =>
        TypedResults.Problem(new Microsoft.AspNetCore.Http.HttpValidationProblemDetails(errors.ToDictionary())
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Title = "Rule violated",
            Detail = string.Join(" ", errors.Values.SelectMany(v => v)),
        });
}
