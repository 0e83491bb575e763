using System.Text.Json;
using System.Text.RegularExpressions;

namespace Workflows.Definitions.Violations;

/// <summary>
/// The versioned catalog of violation rules (docs/domain.md §Violations and the rule catalog). The rules are data: the built-in
/// <see cref="Default"/> comes from the embedded <c>rule-catalog.json</c>, and a department replaces it
/// or changes amounts through configuration (<see cref="FromJson"/>, <see cref="WithPenalties"/>),
/// never through code.
/// </summary>
/// <remarks>
/// The policy text stops before the 乐捐 amounts, so the default penalty of every rule (20 CNY) is a
/// configurable placeholder, not a fact of the policy. <see cref="Version"/> is recorded with every
/// eligibility snapshot so a decision can be traced to the catalog it used.
/// </remarks>
public sealed partial class RuleCatalog
{
    private const string ResourceName = "Workflows.Definitions.Violations.rule-catalog.json";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private static readonly Lazy<RuleCatalog> DefaultCatalog = new(LoadDefault);

    private readonly Dictionary<string, ViolationRule> _byCode;

    private RuleCatalog(string version, IReadOnlyList<ViolationRule> rules)
    {
        Version = version;
        Rules = rules;
        _byCode = rules.ToDictionary(r => r.Code, StringComparer.Ordinal);
    }

    /// <summary>The catalog shipped with the product: R01–R18, version from the embedded JSON.</summary>
    public static RuleCatalog Default => DefaultCatalog.Value;

    /// <summary>Catalog version, e.g. <c>2026.1</c>; stored with every decision that used it.</summary>
    public string Version { get; }

    /// <summary>The rules in catalog order.</summary>
    public IReadOnlyList<ViolationRule> Rules { get; }

    /// <summary>Whether <paramref name="code"/> is a rule of this catalog (codes are case-sensitive).</summary>
    public bool Contains(string code) => _byCode.ContainsKey(code);

    /// <summary>The rule with <paramref name="code"/>, or null when the catalog has none.</summary>
    public ViolationRule? Find(string code) => _byCode.GetValueOrDefault(code);

    /// <summary>
    /// Reads a catalog from JSON of the shape of the embedded <c>rule-catalog.json</c>:
    /// <c>{ "version": "…", "rules": [ { "code", "titleZh", "title", "defaultPenalty" } ] }</c>.
    /// </summary>
    /// <exception cref="FormatException">The JSON is malformed or breaks a catalog invariant
    /// (codes unique and of the form <c>R</c> + digits, titles present, penalties ≥ 0, a version).
    /// Configuration errors are meant to stop the host at start, so they throw.</exception>
    public static RuleCatalog FromJson(string json)
    {
        CatalogDocument? document;
        try
        {
            document = JsonSerializer.Deserialize<CatalogDocument>(json, JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"The rule catalog is not valid JSON: {ex.Message}", ex);
        }

        if (document is null)
        {
            throw new FormatException("The rule catalog is empty.");
        }

        var rules = (document.Rules ?? [])
            .Select(r => new ViolationRule(
                r.Code?.Trim() ?? "",
                r.TitleZh?.Trim() ?? "",
                r.Title?.Trim() ?? "",
                r.DefaultPenalty ?? -1m))
            .ToList();
        return Create(document.Version ?? "", rules);
    }

    /// <summary>Builds a catalog from rules already in memory, checking the same invariants as <see cref="FromJson"/>.</summary>
    /// <exception cref="FormatException">An invariant is broken.</exception>
    public static RuleCatalog Create(string version, IEnumerable<ViolationRule> rules)
    {
        var list = rules.ToList();
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(version))
        {
            errors.Add("the catalog needs a version");
        }

        if (list.Count == 0)
        {
            errors.Add("the catalog needs at least one rule");
        }

        foreach (var rule in list)
        {
            if (!CodePattern().IsMatch(rule.Code))
            {
                errors.Add($"'{rule.Code}' is not a rule code (R followed by digits)");
            }

            if (string.IsNullOrWhiteSpace(rule.TitleZh) || string.IsNullOrWhiteSpace(rule.Title))
            {
                errors.Add($"{rule.Code} needs both titleZh and title");
            }

            if (rule.DefaultPenalty < 0)
            {
                errors.Add($"{rule.Code} needs a defaultPenalty of 0 or more");
            }
        }

        errors.AddRange(list.GroupBy(r => r.Code, StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key} appears {g.Count()} times"));

        if (errors.Count > 0)
        {
            throw new FormatException("Invalid rule catalog: " + string.Join("; ", errors) + ".");
        }

        return new RuleCatalog(version.Trim(), list);
    }

    /// <summary>
    /// A copy of this catalog with some default penalties replaced (a department's own amounts).
    /// </summary>
    /// <param name="penalties">Rule code → new default penalty in CNY.</param>
    /// <param name="version">The new catalog's version; a changed catalog must not reuse the old version.</param>
    /// <exception cref="FormatException">An unknown code, a negative amount, or the old version reused.</exception>
    public RuleCatalog WithPenalties(IReadOnlyDictionary<string, decimal> penalties, string version)
    {
        var unknown = penalties.Keys.Where(code => !Contains(code)).ToList();
        if (unknown.Count > 0)
        {
            throw new FormatException("Penalty overrides name unknown rules: " + string.Join(", ", unknown) + ".");
        }

        if (string.Equals(version?.Trim(), Version, StringComparison.Ordinal))
        {
            throw new FormatException($"A changed catalog needs a new version, not '{Version}'.");
        }

        var rules = Rules.Select(r => penalties.TryGetValue(r.Code, out var amount) ? r with { DefaultPenalty = amount } : r);
        return Create(version ?? "", rules);
    }

    private static RuleCatalog LoadDefault()
    {
        using var stream = typeof(RuleCatalog).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"Embedded resource {ResourceName} is missing.");
        using var reader = new StreamReader(stream);
        return FromJson(reader.ReadToEnd());
    }

    [GeneratedRegex("^R[0-9]{2,}$", RegexOptions.CultureInvariant)]
    private static partial Regex CodePattern();

    private sealed record CatalogDocument(string? Version, List<RuleDocument>? Rules);

    private sealed record RuleDocument(string? Code, string? TitleZh, string? Title, decimal? DefaultPenalty);
}
