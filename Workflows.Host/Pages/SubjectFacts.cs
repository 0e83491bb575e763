using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Definitions.Eligibility;
using Workflows.Definitions.Engine;
using Workflows.Definitions.Roster;
using Workflows.Definitions.Violations;
using Workflows.Host.Data;
using Workflows.Host.Promotion;
using Workflows.Host.Roster;
using Workflows.Host.Runtime;
using Workflows.Host.Violations;
using Workflows.Definitions.ShiftSwaps;

namespace Workflows.Host.Pages;

/// <summary>What an approver needs to know about the subject of a task, by workflow type.</summary>
public abstract record SubjectFacts;

/// <summary>A promotion: who, from which rank to which, in which group, and eligibility on today's records
/// (as of the application date, as the appointment will re-check it).</summary>
public sealed record PromotionFacts(
    string CandidateName, Rank? CurrentRank, Rank TargetRank, string? GroupName, string? Channel, string? Statement,
    DateOnly? ApplicationDate, EligibilityResult? Eligibility) : SubjectFacts;

/// <summary>One shift as a person reads it.</summary>
public sealed record ShiftView(DateOnly Date, TimeOnly Start, TimeOnly End, string? GroupName, IReadOnlyList<string> People, int MinStaff)
{
    public string When => string.Create(CultureInfo.InvariantCulture, $"{Date:yyyy-MM-dd} {Start:HH\\:mm}–{End:HH\\:mm}");
}

/// <summary>One broken coverage rule, with the person concerned by name.</summary>
public sealed record CoverageProblem(CoverageRule Rule, string? PersonName, string? ShiftWhen);

/// <summary>A shift swap or cover: both shifts and the coverage check on the roster as it is now.</summary>
public sealed record ShiftSwapFacts(
    bool IsSwap, string RequesterName, ShiftView? RequesterShift, string CounterpartName, ShiftView? CounterpartShift,
    string? Reason, IReadOnlyList<CoverageProblem>? Coverage) : SubjectFacts
{
    public bool CoverageOk => Coverage is { Count: 0 };
}

/// <summary>A penalty dispute: the violation, who recorded it and their note, the employee's reason, and the
/// leader's recommendation once given.</summary>
public sealed record DisputeFacts(
    string? RuleCode, string? RuleTitle, DateOnly? OccurredOn, decimal? Amount, ViolationStatus? Status, string? RecorderName,
    string? RecorderNote, string? Reason, string? ReviewAction, decimal? ReviewAmount, string? ReviewComment, string? ReviewerName) : SubjectFacts;

/// <summary>
/// Loads <see cref="SubjectFacts"/> for many instances at once: a fixed number of queries whatever their count
/// (the forms as filed, eligibility, the shifts and their coverage, the violations, the leader reviews, group and
/// person names), never a query per task. The forms are the instances' start variables (<see cref="InstanceState.Form"/>),
/// as the activities read them, so task data cannot change what an approver is shown.
/// </summary>
public sealed class SubjectFactsLoader(WorkflowDbContext db, EligibilityService eligibility, RosterService roster, RuleCatalog catalog)
{
    public const string PromotionType = "promotion";
    public const string ShiftSwapType = "shift-swap";
    public const string DisputeType = "penalty-dispute";

    /// <summary>Facts by instance id, for the instances of a type that has them.</summary>
    public async Task<IReadOnlyDictionary<string, SubjectFacts>> LoadAsync(
        IReadOnlyCollection<(string InstanceId, string Type, string SubjectId)> instances, CancellationToken ct)
    {
        var wanted = instances.Where(i => i.Type is PromotionType or ShiftSwapType or DisputeType).DistinctBy(i => i.InstanceId).ToList();
        var result = new Dictionary<string, SubjectFacts>(StringComparer.Ordinal);
        if (wanted.Count == 0)
        {
            return result;
        }

        var ids = wanted.Select(i => i.InstanceId).ToList();
        var forms = (await db.Instances.AsNoTracking()
                .Where(i => ids.Contains(i.Id))
                .Select(i => new { i.Id, i.StateJson }).ToListAsync(ct))
            .ToDictionary(i => i.Id, i => Form.Of(Workflows.Host.Runtime.StateMemo.Parse(i.Id, i.StateJson)), StringComparer.Ordinal);
        Form FormOf(string id) => forms.GetValueOrDefault(id) ?? Form.Empty;

        // Promotions: eligibility as of the application date on current records (two queries for all of them).
        var promotions = wanted.Where(i => i.Type == PromotionType)
            .Select(i => (i.InstanceId, i.SubjectId, Target: FormOf(i.InstanceId).Enum<Rank>(PromotionVariables.TargetRank),
                Date: FormOf(i.InstanceId).Date(PromotionVariables.ApplicationDate)))
            .Where(p => p.Target is not null)
            .ToList();
        var answers = await eligibility.EvaluateManyAsync(
            [.. promotions.Select(p => (p.SubjectId, p.Target!.Value, p.Date ?? DateOnly.MinValue))], ct);

        // Swaps: both shifts and the coverage check on the roster as it is now (two queries for all of them).
        var swaps = wanted.Where(i => i.Type == ShiftSwapType)
            .Select(i => (i.InstanceId, Request: SwapRequest(i.SubjectId, FormOf(i.InstanceId))))
            .Where(s => s.Request is not null)
            .ToList();
        var coverage = await roster.CheckManyAsync([.. swaps.Select(s => s.Request!.ToChange())], ct);

        // Disputes: the violations, and the leader's review where there is one.
        var disputeIds = wanted.Where(i => i.Type == DisputeType).Select(i => i.InstanceId).ToList();
        var violationIds = disputeIds.Select(id => FormOf(id).Text(Workflows.Host.Disputes.DisputeVariables.ViolationId)).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var violations = violationIds.Count == 0 ? [] : await db.Set<Violation>().AsNoTracking().Where(v => violationIds.Contains(v.Id))
            .Select(v => new { v.Id, v.RuleCode, v.OccurredOn, v.PenaltyAmount, v.Status, v.RecordedBy, v.Description })
            .ToListAsync(ct);
        var reviews = disputeIds.Count == 0 ? [] : await db.History.AsNoTracking()
            .Where(h => disputeIds.Contains(h.InstanceId) && h.Kind == HistoryKinds.TaskCompleted && h.Step == "review")
            .OrderBy(h => h.Seq)
            .Select(h => new { h.InstanceId, h.ActorId, h.Action, h.Comment, h.DataJson })
            .ToListAsync(ct);

        // Names of everyone and every group mentioned, in one query each.
        var personIds = wanted.Select(w => w.SubjectId)
            .Concat(swaps.SelectMany(s => new[] { s.Request!.RequesterId, s.Request.CounterpartId }))
            .Concat(coverage.SelectMany(c => c.Touched.SelectMany(t => t.AssigneeIds)))
            .Concat(coverage.SelectMany(c => c.Result is CoverageResult.Rejected r ? r.Violations.Select(v => v.EmployeeId) : []))
            .Concat(violations.Select(v => v.RecordedBy))
            .Concat(reviews.Select(r => r.ActorId));
        var people = await PeopleAsync(db, personIds, ct);
        var groups = await db.Groups.AsNoTracking().ToDictionaryAsync(g => g.Id, g => g.Name, StringComparer.Ordinal, ct);
        string NameOf(string? id) => id is null ? "—" : people.TryGetValue(id, out var p) ? p.Name : id;
        string? GroupOf(string? id) => id is null ? null : groups.GetValueOrDefault(id, id);

        foreach (var ((instanceId, subjectId, target, date), answer) in promotions.Zip(answers))
        {
            var form = FormOf(instanceId);
            var person = people.GetValueOrDefault(subjectId);
            result[instanceId] = new PromotionFacts(NameOf(subjectId), answer?.CurrentRank ?? person?.Rank, target!.Value, GroupOf(person?.GroupId),
                form.Text(PromotionVariables.Channel), form.Text(PromotionVariables.Statement), date, answer);
        }

        foreach (var ((instanceId, request), (check, touched)) in swaps.Zip(coverage))
        {
            ShiftView? View(string? shiftId) => touched.FirstOrDefault(s => s.Id == shiftId) is { } slot
                ? new ShiftView(slot.Date, slot.Start, slot.End, GroupOf(slot.GroupId), [.. slot.AssigneeIds.Select(NameOf)], slot.MinStaff)
                : null;
            var problems = check is CoverageResult.Rejected rejected
                ? rejected.Violations.Select(v => new CoverageProblem(v.Rule, v.EmployeeId is null ? null : NameOf(v.EmployeeId),
                    touched.FirstOrDefault(s => s.Id == v.ShiftId) is { } s ? View(s.Id)!.When : null)).ToList()
                : [];
            result[instanceId] = new ShiftSwapFacts(request!.IsSwap, NameOf(request.RequesterId), View(request.RequesterShiftId),
                NameOf(request.CounterpartId), View(request.CounterpartShiftId), FormOf(instanceId).Text(ShiftSwapRequest.Variables.Reason), problems);
        }

        var byViolation = violations.ToDictionary(v => v.Id, StringComparer.Ordinal);
        var lastReview = reviews.GroupBy(r => r.InstanceId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        foreach (var instanceId in disputeIds)
        {
            var form = FormOf(instanceId);
            var v = form.Text(Workflows.Host.Disputes.DisputeVariables.ViolationId) is { } vid ? byViolation.GetValueOrDefault(vid) : null;
            var rule = v is null ? null : catalog.Find(v.RuleCode);
            var review = lastReview.GetValueOrDefault(instanceId);
            result[instanceId] = new DisputeFacts(v?.RuleCode, rule is null ? null : RuleText.Title(rule),
                v?.OccurredOn, v?.PenaltyAmount, v?.Status, v is null ? null : NameOf(v.RecordedBy), v?.Description,
                form.Text(Workflows.Host.Disputes.DisputeVariables.Reason), review?.Action, review is null ? null : Form.Parse(review.DataJson).Decimal("amount"),
                review?.Comment, review is null ? null : NameOf(review.ActorId));
        }

        return result;
    }

    private static ShiftSwapRequest? SwapRequest(string subjectId, Form form) =>
        form.Text(ShiftSwapRequest.Variables.RequesterShiftId) is { } shift && form.Text(ShiftSwapRequest.Variables.CounterpartId) is { } counterpart
            ? new ShiftSwapRequest(subjectId, shift, counterpart, form.Text(ShiftSwapRequest.Variables.CounterpartShiftId))
            : null;

    private sealed record Person(string Name, Rank? Rank, string? GroupId);

    private static async Task<Dictionary<string, Person>> PeopleAsync(WorkflowDbContext db, IEnumerable<string?> ids, CancellationToken ct)
    {
        var wanted = ids.OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        return wanted.Count == 0 ? new(StringComparer.Ordinal) : await db.Users.AsNoTracking().Where(u => wanted.Contains(u.Id))
            .ToDictionaryAsync(u => u.Id, u => new Person(u.Name, u.Rank, u.GroupId), StringComparer.Ordinal, ct);
    }

    /// <summary>A filed form (a history row's data), read leniently: a missing or odd value is just absent.</summary>
    private sealed class Form(Dictionary<string, JsonElement> values)
    {
        public static readonly Form Empty = new([]);

        /// <summary>The form as filed; for an instance started before forms were kept apart, its variables.</summary>
        public static Form Of(InstanceState state) =>
            new(new Dictionary<string, JsonElement>(state.Form.IsEmpty ? state.Variables : state.Form, StringComparer.Ordinal));

        public static Form Parse(string? json)
        {
            if (string.IsNullOrEmpty(json))
            {
                return Empty;
            }

            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                ? new Form(doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal))
                : Empty;
        }

        public string? Text(string name) => values.TryGetValue(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        public T? Enum<T>(string name)
            where T : struct, System.Enum =>
            Text(name) is { } text && System.Enum.GetNames<T>().Contains(text, StringComparer.Ordinal) ? System.Enum.Parse<T>(text) : null;

        public DateOnly? Date(string name) =>
            DateOnly.TryParseExact(Text(name), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;

        public decimal? Decimal(string name) =>
            values.TryGetValue(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out var d) ? d : null;
    }
}
