using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Definitions.Engine;
using Workflows.Definitions.Promotion;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Runtime;

namespace Workflows.Host.Promotion;

/// <summary>The 《晋升申请表》. Enums arrive as text so a wrong value is a field error (400), not a parse failure.</summary>
public sealed record PromotionRequest(string? CandidateId, string? TargetRank, string? Channel, string? Statement, string? Justification);

public static class PromotionApi
{
    private const int MaxText = 4000;

    public static IEndpointRouteBuilder MapPromotionApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/promotions").WithTags("Promotion").MapPost("/", Apply);
        return app;
    }

    /// <summary>Files an application and runs it up to its first person (or to <c>Ineligible</c> at the gate).</summary>
    public static async Task<Results<Created<InstanceDetailDto>, ValidationProblem, ProblemHttpResult>> Apply(
        PromotionRequest request, CurrentActor current, WorkflowDbContext db, WorkflowRunner runner, DepartmentClock clock, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.CandidateId))
        {
            errors["candidateId"] = ["The candidate is required."];
        }

        var target = ParseName<Rank>(request.TargetRank);
        if (target is null)
        {
            errors["targetRank"] = [$"The target rank is required: one of {string.Join(", ", Enum.GetNames<Rank>())}."];
        }

        var channel = ParseName<PromotionChannel>(request.Channel);
        if (channel is null)
        {
            errors["channel"] = [$"The channel is required: one of {string.Join(", ", Enum.GetNames<PromotionChannel>())}."];
        }

        if (string.IsNullOrWhiteSpace(request.Statement))
        {
            errors["statement"] = ["The statement (申请理由) is required."];
        }
        else if (request.Statement.Length > MaxText)
        {
            errors["statement"] = [$"The statement can be at most {MaxText} characters."];
        }

        if (request.Justification is { Length: > MaxText })
        {
            errors["justification"] = [$"The justification can be at most {MaxText} characters."];
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var candidate = await db.Users.AsNoTracking().Where(u => u.Id == request.CandidateId)
            .Select(u => new Candidate(u.Id, u.Rank, u.GroupId)).SingleOrDefaultAsync(ct);
        if (candidate is null)
        {
            return Problems.Unprocessable($"There is no employee with id '{request.CandidateId}' to promote.");
        }

        var actor = await current.GetAsync(ct);
        var check = PromotionFiling.Check(new Applicant(actor.Id, actor.Rank, actor.GroupId, [.. actor.Roles]), candidate, target!.Value, channel!.Value, request.Justification);
        string design;
        switch (check)
        {
            case ApplicationCheck.Forbidden forbidden:
                return Problems.Forbidden(forbidden.Detail);
            case ApplicationCheck.Unprocessable rule:
                return Problems.Unprocessable(rule.Detail);
            case ApplicationCheck.Accepted accepted:
                design = accepted.Design;
                break;
            default:
                throw new InvalidOperationException("Unknown application check.");
        }

        var isSelf = channel == PromotionChannel.Self;
        var form = new List<(string, object?)>
        {
            (PromotionVariables.TargetRank, target.Value.ToString()),
            (PromotionVariables.CurrentRank, candidate.Rank!.Value.ToString()),
            (PromotionVariables.Channel, channel.Value.ToString()),
            (PromotionVariables.Statement, request.Statement!.Trim()),
            (PromotionVariables.ApplicationDate, PromotionVariables.Iso(clock.Today)),
        };
        if (!string.IsNullOrWhiteSpace(request.Justification))
        {
            form.Add((PromotionVariables.Justification, request.Justification.Trim()));
        }

        if (!isSelf)
        {
            form.Add((PromotionVariables.NominatorId, actor.Id));
        }

        var result = await runner.StartAsync(design, candidate.Id, actor.Id, isSelf ? "Applicant" : "Nominator", WorkflowVariables.Of(form), ct);
        switch (result)
        {
            case RunResult.Ok ok:
                var instance = await db.Instances.AsNoTracking().SingleAsync(i => i.Id == ok.Instance.Id, ct);
                return TypedResults.Created($"/api/instances/{instance.Id}", await InstancesApi.DetailAsync(db, instance, ct));
            case RunResult.Refused refused:
                return TypedResults.Problem(detail: refused.Detail, statusCode: refused.Status,
                    extensions: refused.Errors is null ? null : new Dictionary<string, object?> { ["errors"] = refused.Errors });
            default:
                throw new InvalidOperationException("Unknown run result.");
        }
    }

    /// <summary>An enum by its name only: <c>Enum.TryParse</c> would also take "2" or "1,2".</summary>
    private static T? ParseName<T>(string? text)
        where T : struct, Enum =>
        text is not null && Enum.GetNames<T>().Contains(text, StringComparer.Ordinal) ? Enum.Parse<T>(text) : null;
}
