using Microsoft.Extensions.Options;
using Workflows.Definitions.Violations;

namespace Workflows.Host.Violations;

/// <summary>
/// The <c>ViolationRules</c> configuration section: a department's own catalog file and/or its own
/// penalty amounts (the policy text stops before the amounts, so they are configuration, docs/domain.md §Violations and the rule catalog).
/// </summary>
/// <example><code>
/// "ViolationRules": { "CatalogPath": "rules/catalog.json", "Version": "2026.2", "Penalties": { "R06": 50 } }
/// </code></example>
public sealed class ViolationRulesOptions
{
    public const string Section = "ViolationRules";

    /// <summary>A catalog JSON file (the shape of the embedded <c>rule-catalog.json</c>), relative to the content root.
    /// Empty: the built-in R01–R18.</summary>
    public string? CatalogPath { get; set; }

    /// <summary>The catalog version after <see cref="Penalties"/> are applied; required with them, because
    /// eligibility snapshots name the version they were decided on.</summary>
    public string? Version { get; set; }

    /// <summary>Rule code → default penalty in CNY.</summary>
    public Dictionary<string, decimal> Penalties { get; set; } = [];

    /// <summary>Builds the catalog these options describe.</summary>
    /// <exception cref="FormatException">The file or the overrides break a catalog rule.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public RuleCatalog BuildCatalog(string contentRoot)
    {
        var catalog = string.IsNullOrWhiteSpace(CatalogPath)
            ? RuleCatalog.Default
            : RuleCatalog.FromJson(File.ReadAllText(Path.Combine(contentRoot, CatalogPath)));

        if (Penalties.Count > 0)
        {
            if (string.IsNullOrWhiteSpace(Version))
            {
                throw new FormatException("ViolationRules:Version is required with ViolationRules:Penalties: a changed catalog needs its own version.");
            }

            return catalog.WithPenalties(Penalties, Version);
        }

        // A version without overrides would rename an unchanged catalog and make two names for one rule set.
        return string.IsNullOrWhiteSpace(Version)
            ? catalog
            : throw new FormatException("ViolationRules:Version is only used together with ViolationRules:Penalties; the catalog file carries its own version.");
    }
}

public static class ViolationsSetup
{
    /// <summary>The rule catalog (a singleton built once at start; a broken configuration stops the host) and the
    /// eligibility service.</summary>
    public static IHostApplicationBuilder AddViolations(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ViolationRulesOptions>().BindConfiguration(ViolationRulesOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ViolationRulesOptions>, CatalogValidation>();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<ViolationRulesOptions>>().Value
            .BuildCatalog(sp.GetRequiredService<IHostEnvironment>().ContentRootPath));
        builder.Services.AddScoped<EligibilityService>();
        return builder;
    }

    private sealed class CatalogValidation(IHostEnvironment environment) : IValidateOptions<ViolationRulesOptions>
    {
        public ValidateOptionsResult Validate(string? name, ViolationRulesOptions options)
        {
            try
            {
                options.BuildCatalog(environment.ContentRootPath);
                return ValidateOptionsResult.Success;
            }
            catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
            {
                return ValidateOptionsResult.Fail($"ViolationRules: {ex.Message}");
            }
        }
    }
}
