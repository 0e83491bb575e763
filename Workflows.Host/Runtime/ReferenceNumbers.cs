using System.Globalization;
using System.Text.RegularExpressions;

namespace Workflows.Host.Runtime;

/// <summary>
/// An application's reference number as people see, say and search it (ADR 0014): <c>SQ-2026-000042</c> — "SQ" for
/// 申请, the year it was filed (department time), the instance's <see cref="WorkflowInstance.Number"/> in six digits.
/// The number alone identifies it; the year only helps a reader.
/// </summary>
public static partial class ReferenceNumbers
{
    public static string Format(long number, DateTimeOffset startedAt, TimeZoneInfo zone) =>
        string.Create(CultureInfo.InvariantCulture, $"SQ-{TimeZoneInfo.ConvertTime(startedAt, zone).Year}-{number:D6}");

    /// <summary>The number in a searched text: "SQ-2026-000042", "sq-2026-42", "000042" or "42"; null when it is not one.</summary>
    public static long? Parse(string? text)
    {
        var match = text is null ? null : Pattern().Match(text.Trim());
        return match is { Success: true } && long.TryParse(match.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : null;
    }

    [GeneratedRegex(@"^(?:SQ-?(?:\d{4}-)?)?(?<n>\d{1,12})$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
