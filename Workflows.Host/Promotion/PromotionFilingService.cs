using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Definitions.Engine;
using Workflows.Definitions.Promotion;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Runtime;

namespace Workflows.Host.Promotion;

/// <summary>A person the caller may file for, and through which channels (<c>Self</c> for themself).</summary>
public sealed record FilingChoice(string CandidateId, string Name, Rank Rank, string? GroupId, IReadOnlyList<PromotionChannel> Channels);

/// <summary>
/// Files the 《晋升申请表》 for <c>POST /api/promotions</c> and the application page alike: field checks, the filing
/// rules of <see cref="PromotionFiling"/> (who may file through which channel, rung order, skip-level), then the
/// design of the rung through the runner.
/// </summary>
public sealed class PromotionFilingService(WorkflowDbContext db, WorkflowRunner runner, DepartmentClock clock)
{
    public const int MaxText = TextLimits.Text;

    public async Task<Filing> FileAsync(Actor actor, PromotionRequest request, CancellationToken ct)
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
            return new Filing.Invalid(errors);
        }

        var candidate = await db.Users.AsNoTracking().Where(u => u.Id == request.CandidateId)
            .Select(u => new Candidate(u.Id, u.Rank, u.GroupId)).SingleOrDefaultAsync(ct);
        if (candidate is null)
        {
            return Filing.Refused.Unprocessable($"There is no employee with id '{request.CandidateId}' to promote.");
        }

        string design;
        switch (PromotionFiling.Check(ToApplicant(actor), candidate, target!.Value, channel!.Value, request.Justification))
        {
            case ApplicationCheck.Forbidden forbidden:
                return Filing.Refused.Forbidden(Glossary.Filing(forbidden));
            case ApplicationCheck.Unprocessable rule:
                return Filing.Refused.Unprocessable(Glossary.Filing(rule));
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

        var (started, duplicate) = await RunningKeys.StartAsync(db, PromotionApi.Type, RunningKeys.Promotion(candidate.Id), "A promotion application of this candidate",
            () => runner.StartAsync(design, candidate.Id, actor.Id, isSelf ? "Applicant" : "Nominator", WorkflowVariables.Of(form), ct,
                runningKey: RunningKeys.Promotion(candidate.Id)), ct);
        if (duplicate is not null)
        {
            return duplicate;
        }

        return started switch
        {
            RunResult.Ok ok => new Filing.Filed(ok.Instance.Id),
            RunResult.Refused refused => new Filing.Refused(refused.Status, refused.Detail, null,
                refused.Errors is null ? null : new Dictionary<string, object?> { ["errors"] = refused.Errors }),
            _ => throw new InvalidOperationException("Unknown run result."),
        };
    }

    /// <summary>
    /// Everyone on the ladder with a rank above them that the caller may file for, with the channels <see cref="PromotionFiling"/> allows them:
    /// themself through <c>Self</c>, others through the nominations their rank or role gives. Asks the filing rule
    /// itself (a refusal of the channel is the only <c>Forbidden</c> it answers), so the choices cannot drift from it.
    /// </summary>
    public async Task<IReadOnlyList<FilingChoice>> ChoicesAsync(Actor actor, CancellationToken ct)
    {
        var people = await db.Users.AsNoTracking().Where(u => u.Rank != null)
            .Select(u => new { u.Id, u.Name, u.Rank, u.GroupId, u.UserName }).ToListAsync(ct);
        var applicant = ToApplicant(actor);
        var choices = new List<FilingChoice>();
        foreach (var person in people.OrderBy(p => p.Id == actor.Id ? 0 : 1).ThenBy(p => p.Rank).ThenBy(p => p.GroupId).ThenBy(p => p.UserName, StringComparer.Ordinal))
        {
            var candidate = new Candidate(person.Id, person.Rank, person.GroupId);
            var channels = Enum.GetValues<PromotionChannel>()
                .Where(c => PromotionFiling.Check(applicant, candidate, Rank.Manager, c, "-") is not ApplicationCheck.Forbidden)
                .ToList();
            if (channels.Count > 0 && Enum.GetValues<Rank>().Any(r => r > person.Rank))
            {
                choices.Add(new FilingChoice(person.Id, person.Name, person.Rank!.Value, person.GroupId, channels));
            }
        }

        return choices;
    }

    private static Applicant ToApplicant(Actor actor) => new(actor.Id, actor.Rank, actor.GroupId, [.. actor.Roles]) { Authority = actor.Authority };

    /// <summary>An enum by its name only: <c>Enum.TryParse</c> would also take "2" or "1,2".</summary>
    private static T? ParseName<T>(string? text)
        where T : struct, Enum =>
        text is not null && Enum.GetNames<T>().Contains(text, StringComparer.Ordinal) ? Enum.Parse<T>(text) : null;
}
