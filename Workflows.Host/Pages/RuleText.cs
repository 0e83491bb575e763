using Workflows.Definitions.Violations;

namespace Workflows.Host.Pages;

/// <summary>A catalog rule's title in the UI language: Chinese unless the page is in English.</summary>
public static class RuleText
{
    public static string Title(RuleCatalog catalog, string code) => catalog.Find(code) is { } rule ? Title(rule) : code;

    public static string Title(ViolationRule rule) => WorkflowText.IsEnglish ? rule.Title : rule.TitleZh;
}
