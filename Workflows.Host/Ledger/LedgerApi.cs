using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Definitions.Ledger;
using Workflows.Definitions.Violations;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Violations;

namespace Workflows.Host.Ledger;

public sealed record RecordRewardRequest(string? EmployeeId, decimal? Amount, string? Reason, DateOnly? AwardedOn);

public sealed record RewardDto(string Id, string EmployeeId, decimal Amount, string Reason, DateOnly AwardedOn, string AwardedBy, DateTimeOffset AwardedAt);

public sealed record StatementLineDto(StatementLineKind Kind, string? ViolationId, decimal Amount, string Note);

public enum StatementStatus
{
    Open,
    Closed,
}

public sealed record StatementDto(string EmployeeId, LedgerMonth Month, StatementStatus Status, IReadOnlyList<StatementLineDto> Lines,
    decimal Penalties, decimal Rewards, decimal Adjustments, decimal Total)
{
    public static StatementDto From(StatementView view)
    {
        var s = view.Statement;
        return new(s.EmployeeId, s.Month, view.Closed ? StatementStatus.Closed : StatementStatus.Open,
            [.. s.Lines.Select(l => new StatementLineDto(l.Kind, l.ViolationId, l.Amount, l.Note))], s.Penalties, s.Rewards, s.Adjustments, s.Total);
    }
}

public static class LedgerApi
{
    public static IEndpointRouteBuilder MapLedgerApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Ledger");
        api.MapPost("/rewards", RecordReward);
        api.MapGet("/statements", ListStatements);
        api.MapPost("/months/{month}/close", CloseMonth).RequireAuthorization(Policies.HR);
        api.MapGet("/fund", GetFund);
        return app;
    }

    public static async Task<Results<Created<RewardDto>, ValidationProblem, ProblemHttpResult>> RecordReward(
        RecordRewardRequest request, CurrentActor current, WorkflowDbContext db, DepartmentClock clock, [Microsoft.AspNetCore.Mvc.FromServices] MoneyBounds bounds, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(request.EmployeeId))
        {
            errors["employeeId"] = ["The employee is required / 请指定员工"];
        }

        if (request.Amount is null)
        {
            errors["amount"] = ["The amount is required / 请填写金额"];
        }

        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            errors["reason"] = ["A reason is required / 请填写奖励原因"];
        }
        else if (request.Reason.Length > TextLimits.Text)
        {
            errors["reason"] = [Platform.Glossary.TooLong(TextLimits.Text)];
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var actor = await current.GetAsync(ct);
        if (!actor.Authority.IsSupervisorOrManager)
        {
            return Problems.Forbidden("Only the supervisor or the manager records rewards / 只有主管或经理可以记录奖励");
        }

        var subject = await db.FindPersonAsync(request.EmployeeId!, ct);
        if (subject is null)
        {
            return Problems.Unprocessable($"There is no employee with id '{request.EmployeeId}' / 员工不存在");
        }

        if (subject.Id == actor.Id)
        {
            return Problems.Forbidden("Nobody rewards themselves / 不能给自己记录奖励");
        }

        var awardedOn = request.AwardedOn ?? clock.Today;
        var rules = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (subject.Rank is null)
        {
            rules["employeeId"] = ["The employee is not on the department's ladder / 该员工不在信息部职级序列中"];
        }

        if (request.Amount is { } amount && bounds.Check(amount) is { } wrong)
        {
            rules["amount"] = [Glossary.Amount(wrong)];
        }

        if (awardedOn > clock.Today)
        {
            rules["awardedOn"] = [$"{awardedOn:yyyy-MM-dd} is in the future (today is {clock.Today:yyyy-MM-dd}) / 奖励日期不能晚于今天"];
        }
        else if (awardedOn < ViolationRecordingPolicy.OldestRecordable(clock.Today))
        {
            rules["awardedOn"] = [$"{awardedOn:yyyy-MM-dd} is more than {ViolationRecordingPolicy.MaxAgeYears} years ago / 奖励日期过早"];
        }

        if (rules.Count > 0)
        {
            return ViolationsApi.Unprocessable(rules);
        }

        var reward = new Reward
        {
            EmployeeId = subject.Id,
            Amount = request.Amount!.Value,
            Reason = request.Reason!.Trim(),
            AwardedOn = awardedOn,
            AwardedBy = actor.Id,
            AwardedAt = clock.Now,
        };
        db.Add(reward);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/rewards/{reward.Id}",
            new RewardDto(reward.Id, reward.EmployeeId, reward.Amount, reward.Reason, reward.AwardedOn, reward.AwardedBy, reward.AwardedAt));
    }

    /// <summary>
    /// Statements the caller may see: members their own, group leaders their group's, the supervisor, the manager and
    /// HR everyone's. Naming someone else's employee id without the right is a 403; without an id the list is filtered.
    /// </summary>
    public static async Task<Results<Ok<StatementDto[]>, ValidationProblem, ProblemHttpResult>> ListStatements(
        string? employeeId, string? month, CurrentActor current, WorkflowDbContext db, LedgerService ledger, CancellationToken ct)
    {
        LedgerMonth? wanted = null;
        if (month is not null)
        {
            if (DateBounds.ParseMonth(month, out var parsed) is { } wrong)
            {
                return wrong.Status == StatusCodes.Status400BadRequest
                    ? Problems.Invalid("month", wrong.Message)
                    : ViolationsApi.Unprocessable(new Dictionary<string, string[]> { ["month"] = [wrong.Message] });
            }

            wanted = parsed;
        }

        var actor = await current.GetAsync(ct);
        if (employeeId is not null)
        {
            var subject = await db.FindPersonAsync(employeeId, ct);
            if (subject is null)
            {
                return Problems.NotFound($"There is no employee with id '{employeeId}'.");
            }

            if (!RecordAccess.MayRead(actor, subject))
            {
                return Problems.Forbidden("Members see their own statements, group leaders their group's / 无权查看该员工的乐捐明细");
            }

            // docs/api.md §Ledger: with both filters, an employee without lines still gets an (empty) statement.
            return TypedResults.Ok(wanted is { } m
                ? [StatementDto.From(await ledger.StatementAsync(employeeId, m, ct))]
                : (await ledger.StatementsAsync([employeeId], null, null, ct)).Select(StatementDto.From).ToArray());
        }

        IReadOnlyCollection<string>? visible = RecordAccess.ReadsEveryone(actor) ? null
            : await db.ReadableIdsAsync(actor, ct);
        var statements = await ledger.StatementsAsync(visible, wanted, wanted, ct);
        return TypedResults.Ok(statements.Select(StatementDto.From).ToArray());
    }

    public static async Task<Results<Ok<MonthCloseSummary>, ValidationProblem, ProblemHttpResult>> CloseMonth(
        string month, CurrentActor current, LedgerService ledger, CancellationToken ct)
    {
        // Any real month parses; which months may be closed (not before the first, only once ended) is the ledger's 422.
        if (!LedgerMonth.TryParse(month, out var parsed))
        {
            return Problems.Invalid("month", $"'{month}' is not a month in the form yyyy-MM.");
        }

        var actor = await current.GetAsync(ct);
        return await ledger.CloseMonthAsync(parsed, actor.Id, ct) switch
        {
            MonthCloseResult.Done done => TypedResults.Ok(done.Summary),
            MonthCloseResult.NotEnded notEnded => ViolationsApi.Unprocessable(new Dictionary<string, string[]> { ["month"] = [notEnded.Reason] }),
            _ => throw new InvalidOperationException("Unknown close result."),
        };
    }

    /// <summary>The department fund by month (HR, the supervisor, the manager). The balance runs from the first
    /// month with any line, so a <c>from</c> filter shows the true balance, not one restarted at zero.</summary>
    public static async Task<Results<Ok<FundMonth[]>, ValidationProblem, ProblemHttpResult>> GetFund(
        string? from, string? to, CurrentActor current, LedgerService ledger, CancellationToken ct)
    {
        var errors = new Dictionary<string, (int Status, string Message)>(StringComparer.Ordinal);
        LedgerMonth? first = null, last = null;
        if (from is not null)
        {
            if (DateBounds.ParseMonth(from, out var f) is { } wrong)
            {
                errors["from"] = wrong;
            }
            else
            {
                first = f;
            }
        }

        if (to is not null)
        {
            if (DateBounds.ParseMonth(to, out var t) is { } wrong)
            {
                errors["to"] = wrong;
            }
            else
            {
                last = t;
            }
        }

        if (errors.Count > 0)
        {
            var fields = errors.ToDictionary(e => e.Key, e => new[] { e.Value.Message }, StringComparer.Ordinal);
            return errors.Values.Any(e => e.Status == StatusCodes.Status400BadRequest) ? Problems.Invalid(fields) : ViolationsApi.Unprocessable(fields);
        }

        var actor = await current.GetAsync(ct);
        if (!(actor.IsHR || actor.Authority.IsSupervisorOrManager))
        {
            return Problems.Forbidden("Only HR, the supervisor and the manager see the department fund / 只有人事部、主管和经理可以查看部门基金");
        }

        var statements = await ledger.StatementsAsync(null, null, last, ct);
        var months = DepartmentFund.Summarize(statements.Select(s => s.Statement));
        return TypedResults.Ok(months.Where(m => first is null || m.Month >= first).ToArray());
    }
}
