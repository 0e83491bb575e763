using System.Globalization;
using Workflows.Definitions.Violations;

namespace Workflows.Host.Pages.Violations;

/// <summary>A catalog rule's title in the UI language: Chinese unless the page is in English.</summary>
public static class RuleText
{
    public static string Title(RuleCatalog catalog, string code) => catalog.Find(code) is { } rule ? Title(rule) : code;

    public static string Title(ViolationRule rule) =>
        CultureInfo.CurrentUICulture.Name.StartsWith("en", StringComparison.OrdinalIgnoreCase) ? rule.Title : rule.TitleZh;
}
