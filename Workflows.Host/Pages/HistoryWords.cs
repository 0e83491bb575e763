using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Workflows.Definitions.Engine;
using Workflows.Definitions.Violations;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Runtime;

namespace Workflows.Host.Pages;

/// <summary>A labelled value of an application's data; an object's fields are its children.</summary>
public sealed record FormField(string Key, string Label, string? Text, IReadOnlyList<FormField> Children);

/// <summary>
/// The one renderer of workflow data in words, for the application page, the printable trace, the printed form and
/// the history export: what a history entry says happened (the step by name, the action, the result, who handed to
/// whom), who did it and in which role, and its data as labelled fields — people, groups, shifts and violations by
/// name, ranks and other codes as terms, instants in department time, money in the one money format — leaving out
/// what the engine keeps for itself (<see cref="Internal"/>) and the rows that only echo the next one (<see cref="Noise"/>).
/// Built per request (or per export batch) by <see cref="LoadAsync"/>, which reads the names the data mentions.
/// </summary>
public sealed class HistoryWords
{
    /// <summary>History kinds that only echo what the next row says (entering a step, creating its task): their data is not shown.</summary>
    public static readonly IReadOnlySet<string> Noise = new HashSet<string>([HistoryKinds.StepEntered, HistoryKinds.TaskCreated], StringComparer.Ordinal);

    /// <summary>
    /// Variables the engine keeps for itself (the route an automatic step chose, the eligibility snapshot the facts panel
    /// explains, the coverage codes beside their words): not part of the data a person reads.
    /// </summary>
    private static readonly HashSet<string> Internal =
        ["activity", "eligibility", "appointmentEligibility", "coverageViolations", "appliedShifts", "reasonCodes"];

    /// <summary>Variables that hold an instant: shown in department time.</summary>
    private static readonly HashSet<string> Instants = ["expiresAt", "waitUntil", "dueAt", "expiredAt", "appliedAt", "at"];

    /// <summary>Nesting below this depth is said on one line.</summary>
    private const int MaxDepth = 2;

    private readonly IStringLocalizer localizer;
    private readonly DepartmentClock clock;
    private readonly RuleCatalog catalog;
    private readonly IReadOnlyDictionary<string, string> groups;

    /// <summary>Shifts and violations named by id, as people name them.</summary>
    private readonly IReadOnlyDictionary<string, string> things;

    private HistoryWords(IStringLocalizer localizer, DepartmentClock clock, RuleCatalog catalog, IReadOnlyDictionary<string, string> names,
        IReadOnlyDictionary<string, string> groups, IReadOnlyDictionary<string, string> things)
    {
        this.localizer = localizer;
        this.clock = clock;
        this.catalog = catalog;
        Names = names;
        this.groups = groups;
        this.things = things;
    }

    /// <summary>The names of the people the history and the values mention, and of <paramref name="people"/>.</summary>
    public IReadOnlyDictionary<string, string> Names { get; }

    /// <summary>
    /// Reads what <paramref name="history"/> and <paramref name="values"/> name by id (people, groups, shifts,
    /// violations) in four queries, plus the names of <paramref name="people"/>.
    /// </summary>
    public static async Task<HistoryWords> LoadAsync(WorkflowDbContext db, DepartmentClock clock, IStringLocalizer localizer, RuleCatalog catalog,
        IReadOnlyCollection<HistoryEntry> history, IEnumerable<JsonElement> values, IEnumerable<string?> people, CancellationToken ct)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in people.Concat(history.Select(h => h.ActorId)).Concat(history.Select(h => h.OnBehalfOf)).OfType<string>())
        {
            ids.Add(p);
        }

        foreach (var json in history.Select(h => h.DataJson).OfType<string>())
        {
            using var doc = JsonDocument.Parse(json);
            Collect(doc.RootElement, 0, ids);
        }

        foreach (var v in values)
        {
            Collect(v, 0, ids);
        }

        var wanted = ids.ToList();
        var names = wanted.Count == 0 ? new Dictionary<string, string>(StringComparer.Ordinal)
            : await db.Users.AsNoTracking().Where(u => wanted.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.Name, StringComparer.Ordinal, ct);
        var groups = await db.Groups.AsNoTracking().ToDictionaryAsync(g => g.Id, g => g.Name, StringComparer.Ordinal, ct);
        var things = new Dictionary<string, string>(StringComparer.Ordinal);
        if (wanted.Count > 0)
        {
            foreach (var s in await db.Set<Host.Roster.Shift>().AsNoTracking().Where(s => wanted.Contains(s.Id)).ToListAsync(ct))
            {
                things[s.Id] = Glossary.Shift(s.Date, s.Start, s.End) + (groups.TryGetValue(s.GroupId, out var g) ? " · " + g : "");
            }

            foreach (var v in await db.Set<Host.Violations.Violation>().AsNoTracking().Where(v => wanted.Contains(v.Id)).ToListAsync(ct))
            {
                things[v.Id] = $"{RuleText.Title(catalog, v.RuleCode)} · {v.OccurredOn.Iso()}";
            }
        }

        return new HistoryWords(localizer, clock, catalog, names, groups, things);
    }

    /// <summary>Every string that could be an id (ids are GUIDs; codes and words are shorter or longer), a few levels deep.</summary>
    private static void Collect(JsonElement e, int depth, HashSet<string> ids)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.String when e.GetString() is { Length: >= 8 and <= 64 } s:
                ids.Add(s);
                break;
            case JsonValueKind.Array when depth < 4:
                foreach (var item in e.EnumerateArray())
                {
                    Collect(item, depth + 1, ids);
                }

                break;
            case JsonValueKind.Object when depth < 4:
                foreach (var p in e.EnumerateObject())
                {
                    Collect(p.Value, depth + 1, ids);
                }

                break;
        }
    }

    public string Name(string? id) => Names.NameOf(id);

    /// <summary>A design's title in words (晋升申请（逐级）…): its glossary entry by name or type, else its title's half in the reader's language.</summary>
    public string DesignTitle(WorkflowDesign design) =>
        localizer.Term("W19_Design", design.Name) is var named && named != design.Name ? named
        : localizer.Term("W19_Design", design.Type) is var typed && typed != design.Type ? typed
        : WorkflowText.InLanguage(design.Title);

    public string Local(DateTimeOffset at) => clock.Local(at);

    /// <summary>A history entry as a sentence: the step by name, the action or the automatic step's result, in the reader's language.</summary>
    public string What(WorkflowDesign? design, HistoryEntry h)
    {
        var step = h.Step is null ? null : localizer.StepName(design, h.Step);
        return h.Kind switch
        {
            HistoryKinds.TaskCompleted => Pair(step, localizer.Term("Action", h.Action)),
            HistoryKinds.ActivityCompleted => Pair(step, localizer.Term("Result", h.Action)),
            HistoryKinds.TaskDue => localizer["{0}: not done in time", step ?? "—"].Value,
            HistoryKinds.SignalReceived => Pair(step, localizer.Term("Signal", h.Action)),
            HistoryKinds.TimerFired => localizer["{0}: waited too long", step ?? "—"].Value,
            HistoryKinds.InstanceCompleted => Pair(localizer.Term("Kind", h.Kind), localizer.Term("Outcome", h.Action)),
            HistoryKinds.TaskTransferred => localizer["{0}: handed from {1} to {2}", step ?? "—", Person(h.DataJson, "from"), Person(h.DataJson, "to")].Value,
            HistoryKinds.SignerAdded => localizer[Text(h.DataJson, "position") == "before" ? "{0}: {1} added to sign before" : "{0}: {1} added to sign after",
                step ?? "—", Person(h.DataJson, "signer")].Value,
            HistoryKinds.TaskReturned => Text(h.DataJson, "toStep") is { } toStep
                ? localizer["{0}: returned to {1}", step ?? "—", localizer.StepName(design, toStep)].Value
                : localizer["{0}: returned to the applicant", step ?? "—"].Value,
            HistoryKinds.InstanceResubmitted => localizer.Term("Kind", h.Kind),
            HistoryKinds.InstanceReminded => localizer["Reminded: {0}", step ?? "—"].Value,
            HistoryKinds.InstanceCopied => localizer["Copied to {0}", Glossary.List(Copied(h.DataJson).Select(Name))].Value,
            _ => step is null ? localizer.Term("Kind", h.Kind) : Pair(localizer.Term("Kind", h.Kind), step),
        };
    }

    /// <summary>"what: detail" with the colon of the reader's language.</summary>
    private static string Pair(string? what, string? detail) => what + (WorkflowText.IsEnglish ? ": " : "：") + detail;

    /// <summary>
    /// Who acted: the person (on behalf of whom), or "system" for what the engine did on its own; null for a person's act
    /// whose actor was not recorded.
    /// </summary>
    public string? Who(HistoryEntry h) =>
        h.ActorId is not null && h.OnBehalfOf is not null ? localizer["{0} on behalf of {1}", Name(h.ActorId), Name(h.OnBehalfOf)].Value
        : h.ActorId is not null ? Name(h.ActorId)
        : h.Kind is HistoryKinds.InstanceStarted or HistoryKinds.TaskCompleted or HistoryKinds.InstanceWithdrawn ? null
        : localizer["System"].Value;

    public string? Role(string? role) => role is null ? null : localizer.Term("Role", role);

    /// <summary>The entry's action as a term: an automatic step's result, an application's outcome, or a person's action.</summary>
    public string? Action(HistoryEntry h) => h.Action is null ? null
        : h.Kind == HistoryKinds.ActivityCompleted ? localizer.Term("Result", h.Action)
        : h.Kind == HistoryKinds.InstanceCompleted ? localizer.Term("Outcome", h.Action)
        : localizer.Term("Action", h.Action);

    /// <summary>The entry's data as labelled fields; none for the rows that only echo the next one.</summary>
    public IReadOnlyList<FormField> Details(HistoryEntry h) => h.DataJson is null || Noise.Contains(h.Kind) ? [] : Fields(h.DataJson);

    /// <summary>A history entry's data in words, without the engine's own and without the values it left empty.</summary>
    public IReadOnlyList<FormField> Fields(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.ValueKind == JsonValueKind.Object
            ? [.. doc.RootElement.EnumerateObject().Where(p => !Internal.Contains(p.Name) && p.Value.ValueKind != JsonValueKind.Null).Select(p => Field(p.Name, p.Value))]
            : [];
    }

    /// <summary>Variables as labelled fields, without the engine's own, in <paramref name="order"/> first and then by name.</summary>
    public IReadOnlyList<FormField> Fields(IEnumerable<KeyValuePair<string, JsonElement>> values, string[] order) =>
        [.. values.Where(d => !Internal.Contains(d.Key))
            .OrderBy(d => Array.IndexOf(order, d.Key) is var i and >= 0 ? i : int.MaxValue).ThenBy(d => d.Key, StringComparer.Ordinal)
            .Select(d => Field(d.Key, d.Value))];

    public string Label(string key) => localizer.Term("Field", key);

    /// <summary>One value in words, on one line.</summary>
    public string Value(string key, JsonElement value) => Line(Field(key, value));

    /// <summary>Fields on one line, for a spreadsheet cell or a printed column: "label: value; label: (label: value)".</summary>
    public string Line(IEnumerable<FormField> fields) => string.Join(WorkflowText.IsEnglish ? "; " : "；", fields.Select(f => Label(f) + Line(f)));

    private string Label(FormField f) => f.Label + (WorkflowText.IsEnglish ? ": " : "：");

    private string Line(FormField f) => f.Children.Count == 0
        ? (f.Text ?? "—").Replace("\n", WorkflowText.IsEnglish ? ", " : "、", StringComparison.Ordinal)
        : "(" + Line(f.Children) + ")";

    /// <summary>Money variables: shown in the one money format.</summary>
    private static bool IsMoney(string key) => key.EndsWith("Amount", StringComparison.Ordinal) || key == "amount";

    /// <summary>
    /// A value with its label: employee, group, shift and violation ids by name, ranks and other codes in words, instants
    /// in department time, money as money, objects as nested labelled fields (deeper ones on one line).
    /// </summary>
    public FormField Field(string key, JsonElement value, int depth = 0)
    {
        var label = Label(key);
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return new FormField(key, label, Word(key, value.GetString() ?? ""), []);
            case JsonValueKind.True or JsonValueKind.False:
                return new FormField(key, label, localizer[value.GetBoolean() ? "Yes" : "No"], []);
            case JsonValueKind.Number when IsMoney(key) && value.TryGetDecimal(out var amount):
                return new FormField(key, label, Glossary.Money(amount), []);
            case JsonValueKind.Number:
                return new FormField(key, label, value.GetRawText(), []);
            case JsonValueKind.Array when value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String):
                var items = value.EnumerateArray().Select(e => Word(key, e.GetString()!)).ToList();
                return new FormField(key, label, items.Count == 0 ? "—" : string.Join("\n", items), []);
            case JsonValueKind.Object or JsonValueKind.Array:
                var children = value.ValueKind == JsonValueKind.Object
                    ? value.EnumerateObject().Where(p => !Internal.Contains(p.Name)).Select(p => Field(p.Name, p.Value, depth + 1)).ToList()
                    : value.EnumerateArray().Select((e, n) => Field((n + 1).ToString(CultureInfo.InvariantCulture), e, depth + 1)).ToList();
                return children.Count == 0 ? new FormField(key, label, "—", [])
                    : depth < MaxDepth ? new FormField(key, label, null, children)
                    : new FormField(key, label, Line(children), []);
            default:
                return new FormField(key, label, "—", []);
        }
    }

    /// <summary>A string value in words: a name for an id, a term for a code, a time for an instant, money for an amount.</summary>
    private string Word(string key, string text)
    {
        if (Names.TryGetValue(text, out var name) || things.TryGetValue(text, out name) || groups.TryGetValue(text, out name))
        {
            return name;
        }

        if (Instants.Contains(key) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
        {
            return clock.Local(at);
        }

        return key switch
        {
            "targetRank" or "currentRank" or "rank" or "fromRank" => localizer.Term("Rank", text),
            "channel" => localizer.Term("Channel", text),
            "kind" => localizer.Term("SwapKind", text),
            "status" => localizer.Term("Status", text) is var s && s != text ? s : localizer.Term("ViolationStatus", text),
            "outcome" => localizer.Term("Outcome", text),
            "ruleCode" => $"{text} {RuleText.Title(catalog, text)}",
            _ when IsMoney(key) && decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var money) => Glossary.Money(money),
            _ => localizer.Term("W19_Value", text),
        };
    }

    private string Person(string? json, string key) => Name(Text(json, key));

    private static string? Text(string? json, string key)
    {
        if (json is null)
        {
            return null;
        }

        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }

    /// <summary>The people an entry copied the application to.</summary>
    private static List<string> Copied(string? json)
    {
        var people = new List<string>();
        if (json is null)
        {
            return people;
        }

        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            return people;
        }

        foreach (var key in new[] { "from", "to", "signer" })
        {
            if (doc.RootElement.TryGetProperty(key, out var v))
            {
                if (v.ValueKind == JsonValueKind.String)
                {
                    people.Add(v.GetString()!);
                }
                else if (v.ValueKind == JsonValueKind.Array)
                {
                    people.AddRange(v.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.String).Select(i => i.GetString()!));
                }
            }
        }

        return people;
    }
}
