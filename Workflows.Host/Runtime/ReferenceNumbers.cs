using System.Globalization;
using System.Text.RegularExpressions;

namespace Workflows.Host.Runtime;

/// <summary>
/// An application's reference number as people see, say and search it (ADR 0014): <c>SQ-000042</c> — "SQ" for 申请 and
/// the instance's <see cref="WorkflowInstance.Number"/> in at least six digits.
/// </summary>
public static partial class ReferenceNumbers
{
    public static string Format(long number) => string.Create(CultureInfo.InvariantCulture, $"SQ-{number:D6}");

    public static string Of(WorkflowInstance instance) => Format(instance.Number);

    /// <summary>The number in a searched text: "SQ-000042", "sq42", "000042" or "42"; null when it is not one.</summary>
    public static long? Parse(string? text)
    {
        var match = text is null ? null : Pattern().Match(text.Trim());
        return match is { Success: true } && long.TryParse(match.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : null;
    }

    [GeneratedRegex(@"^(?:SQ-?)?(?<n>\d{1,12})$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
