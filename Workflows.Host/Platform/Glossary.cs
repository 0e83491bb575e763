using System.Globalization;
using System.Resources;
using Workflows.Definitions;
using Workflows.Definitions.Disputes;
using Workflows.Definitions.Eligibility;
using Workflows.Definitions.Ledger;
using Workflows.Definitions.Promotion;
using Workflows.Definitions.Roster;
using Workflows.Definitions.Violations;

namespace Workflows.Host.Platform;

/// <summary>
/// The one place where the core's codes become words (docs/domain.md §Words): refusals, eligibility reasons, money,
/// ranks, channels, statuses — in the current UI culture (the request's for the API and the pages, the recipient's for a
/// notification). Backed by <c>Resources/SharedResource.{culture}.resx</c> (entries <c>W19_…</c> and the term groups
/// <c>Rank.</c>, <c>Channel.</c>, …), so the API's ProblemDetails, the pages, the notifications and the exports say the
/// same thing the same way. Employee ids become names through the <c>names</c> the caller loaded; shifts their date
/// and time. It is the one reader of those resources: the pages' <c>IStringLocalizer&lt;SharedResource&gt;</c> is
/// <see cref="GlossaryLocalizer"/>, which looks up here, so a page and an API answer cannot read a word differently.
/// </summary>
public static class Glossary
{
    private const string BaseName = "Workflows.Host.Resources.SharedResource";

    private static readonly ResourceManager Resources = new(BaseName, typeof(Glossary).Assembly);

    /// <summary>The resource entry <paramref name="key"/> in the UI culture, formatted with <paramref name="args"/>; the key itself when missing.</summary>
    public static string Say(string key, params object?[] args) => Find(key, args).Value;

    /// <summary>The entry <paramref name="key"/> as a localizer gives it: the key itself, marked not found, when missing.</summary>
    public static Microsoft.Extensions.Localization.LocalizedString Find(string key, params object?[] args)
    {
        var text = Lookup(key);
        return new(key, args.Length == 0 ? text ?? key : string.Format(CultureInfo.CurrentCulture, text ?? key, args), resourceNotFound: text is null,
            searchedLocation: BaseName);
    }

    /// <summary>Every entry in the reader's language.</summary>
    public static IEnumerable<Microsoft.Extensions.Localization.LocalizedString> All() =>
        Resources.GetResourceSet(Culture, createIfNotExists: true, tryParents: false)?.Cast<System.Collections.DictionaryEntry>()
            .Select(e => new Microsoft.Extensions.Localization.LocalizedString((string)e.Key, e.Value as string ?? "", resourceNotFound: false, searchedLocation: BaseName))
            .ToList() ?? [];

    /// <summary>A term of a group (<c>Rank.Supervisor</c>, <c>Channel.Self</c>…); the raw value when the group has no entry.</summary>
    public static string Term(string group, string? value) =>
        string.IsNullOrEmpty(value) ? "—" : Lookup(group + "." + value) ?? value;

    /// <summary>
    /// The entry in the culture's own resources only: there are no neutral resources to fall back to (a missing entry
    /// is a missing translation, answered with the key, never an exception).
    /// </summary>
    private static string? Lookup(string key) => Resources.GetResourceSet(Culture, createIfNotExists: true, tryParents: false)?.GetString(key);

    /// <summary>The UI culture when it is one the resources speak; otherwise (a background thread) the department's Chinese.</summary>
    private static CultureInfo Culture => IsEnglish ? CultureInfo.GetCultureInfo(WebLocalization.English) : CultureInfo.GetCultureInfo(WebLocalization.Chinese);

    public static bool IsEnglish => CultureInfo.CurrentUICulture.Name.StartsWith("en", StringComparison.OrdinalIgnoreCase);

    /// <summary>The one money format, in every language and every place (pages, exports, notifications): ¥1,234.50.</summary>
    public static string Money(decimal amount) =>
        (amount < 0 ? "-¥" : "¥") + Math.Abs(amount).ToString("#,##0.00", CultureInfo.InvariantCulture);

    public static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Rank(Rank? rank) => rank is { } r ? Term("Rank", r.ToString()) : Say("W19_NoRank");

    public static string Channel(PromotionChannel channel) => Term("Channel", channel.ToString());

    /// <summary>A shift as people name it: "2026-12-07 08:00–16:00".</summary>
    public static string Shift(DateOnly date, TimeOnly start, TimeOnly end) =>
        string.Create(CultureInfo.InvariantCulture, $"{date:yyyy-MM-dd} {start:HH\\:mm}–{end:HH\\:mm}");

    public static string Shift(ShiftSlot shift) => Shift(shift.Date, shift.Start, shift.End);

    /// <summary>A list in the reader's language: "A、B" or "A, B".</summary>
    public static string List(IEnumerable<string> items) => string.Join(IsEnglish ? ", " : "、", items);

    public static string Amount(AmountProblem problem) => problem.Rule switch
    {
        AmountRule.NotPositive => Say("W19_Amount.NotPositive", Money(problem.Amount)),
        AmountRule.AboveMaximum => Say("W19_Amount.AboveMaximum", Money(problem.Maximum), Money(problem.Amount)),
        _ => Say("W19_Amount.TooManyDecimals", problem.Amount.ToString(CultureInfo.InvariantCulture)),
    };

    public static string UserName(UserNameRule rule) => Say("W19_UserName." + rule, TextLimits.UserName);

    /// <summary>A text over its limit.</summary>
    public static string TooLong(int limit) => Say("W19_TooLong", limit);

    public static string Recording(RecordingRefusal refusal) => Say("W19_Recording." + refusal);

    public static string Draft(DraftProblem problem) => problem switch
    {
        DraftProblem.UnknownRule unknown => Say("W19_Draft.UnknownRule", unknown.RuleCode),
        DraftProblem.InTheFuture future => Say("W19_Draft.InTheFuture", Date(future.OccurredOn), Date(future.Today)),
        DraftProblem.TooOld old => Say("W19_Draft.TooOld", Date(old.OccurredOn), old.MaxYears),
        DraftProblem.Amount amount => Amount(amount.Problem),
        _ => throw new InvalidOperationException($"Unknown draft problem {problem.GetType().Name}."),
    };

    public static string Filing(ApplicationCheck refused) => refused switch
    {
        ApplicationCheck.Forbidden f => Say("W19_Filing." + f.Code, Channel(f.Channel)),
        ApplicationCheck.Unprocessable u => Say("W19_Filing." + u.Code, Rank(u.Current), Rank(u.Target)),
        _ => throw new InvalidOperationException("An accepted application has no refusal."),
    };

    public static string Dispute(DisputeAdmission.Refused refused) => Say("W19_Dispute." + refused.Refusal,
        refused.LastDay is { } last ? Date(last) : "", refused.ClosedOn is { } closed ? Date(closed) : "", refused.DaysAfterClose);

    public static string Decision(DecisionProblem problem) => problem switch
    {
        DecisionProblem.NotUnderDispute n => Say("W19_Decision.NotUnderDispute", Term("ViolationStatus", n.Status.ToString())),
        DecisionProblem.Amount a => Amount(a.Problem),
        DecisionProblem.NotBelowCurrent b => Say("W19_Decision.NotBelowCurrent", Money(b.NewAmount), Money(b.Current)),
        _ => throw new InvalidOperationException($"Unknown decision problem {problem.GetType().Name}."),
    };

    /// <summary>One unmet eligibility requirement; the blocking violations by their rule's title when <paramref name="ruleTitle"/> is given.</summary>
    public static string Eligibility(EligibilityReason reason, Func<string, string>? ruleTitle = null) => reason.Rule switch
    {
        EligibilityRule.ViolationsInWindow => Say("W19_Eligibility.ViolationsInWindow",
            reason.Blocking?.Count ?? 0, reason.WindowMonths ?? 0,
            reason.WindowStart is { } s ? Date(s) : "", reason.WindowEnd is { } e ? Date(e) : "",
            List((reason.Blocking ?? []).Select(b => Say("W19_RuleOn", ruleTitle?.Invoke(b.RuleCode) ?? b.RuleCode, Date(b.OccurredOn))))),
        _ => Say("W19_Eligibility." + reason.Rule, Rank(reason.CurrentRank), Rank(reason.TargetRank)),
    };

    /// <summary>Why a considered violation counts or not, with the window's dates.</summary>
    public static string Considered(ConsideredReason reason, DateOnly? windowStart, DateOnly windowEnd) =>
        Say("W19_Considered." + reason, windowStart is { } s ? Date(s) : "", Date(windowEnd));

    /// <summary>A broken roster rule with names for ids and the shift's date and time.</summary>
    public static string Coverage(CoverageViolation violation, IReadOnlyDictionary<string, string> names)
    {
        var who = violation.EmployeeId is { } id ? names.TryGetValue(id, out var name) ? name : Say("W19_SomeColleague") : "";
        var shift = violation.Shift is { } s ? Shift(s) : Say("W19_UnknownShift");
        var other = violation.Other is { } o ? Shift(o) : "";
        return Say("W19_Coverage." + violation.Rule, who, shift, other, violation.Shift?.AssigneeIds.Count ?? 0, violation.Shift?.MinStaff ?? 0);
    }

    public static string Coverage(IEnumerable<CoverageViolation> violations, IReadOnlyDictionary<string, string> names) =>
        string.Join(IsEnglish ? " " : "", violations.Select(v => Coverage(v, names)));

    /// <summary>A sum of stored amounts too large to compute.</summary>
    public static string Overflow(AmountSum sum, IReadOnlyDictionary<string, string>? names = null) => sum.EmployeeId is { } id
        ? Say("W19_Overflow.Statement", sum.Month.ToString(), names is not null && names.TryGetValue(id, out var name) ? name : Say("W19_SomeColleague"))
        : Say("W19_Overflow.Fund", sum.Month.ToString());

    /// <summary>A yes/no value.</summary>
    public static string YesNo(bool value) => Say(value ? "W19_Yes" : "W19_No");
}
