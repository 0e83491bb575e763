using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Workflows.Definitions.Engine;

/// <summary>
/// An ISO-8601 duration such as <c>P3D</c>, <c>PT12H</c> or <c>P1M</c>. Kept in calendar parts rather
/// than a <see cref="TimeSpan"/> because "P1M" means "same day next month", not 30 days.
/// </summary>
[JsonConverter(typeof(IsoDurationJsonConverter))]
public sealed partial record IsoDuration(int Years, int Months, int Days, TimeSpan Time)
{
    public static IsoDuration Parse(string text) =>
        TryParse(text, out var duration) ? duration : throw new FormatException($"'{text}' is not an ISO-8601 duration (e.g. P3D, PT12H).");

    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IsoDuration? duration)
    {
        duration = null;
        if (text is null)
        {
            return false;
        }

        var match = Pattern().Match(text);
        if (!match.Success || text == "P" || text.EndsWith('T'))
        {
            return false;
        }

        int Part(string name) => match.Groups[name].Success ? int.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture) : 0;
        duration = new IsoDuration(
            Part("y"),
            Part("mo"),
            (Part("w") * 7) + Part("d"),
            new TimeSpan(Part("h"), Part("mi"), Part("s")));
        return true;
    }

    /// <summary>Calendar parts first (largest to smallest), then the time of day, as ISO-8601 prescribes.</summary>
    public DateTimeOffset AddTo(DateTimeOffset instant) =>
        instant.AddYears(Years).AddMonths(Months).AddDays(Days).Add(Time);

    public override string ToString()
    {
        var date = (Years > 0 ? $"{Years}Y" : "") + (Months > 0 ? $"{Months}M" : "") + (Days > 0 ? $"{Days}D" : "");
        var time = (Time.Hours + (Time.Days * 24) > 0 ? $"{Time.Hours + (Time.Days * 24)}H" : "")
            + (Time.Minutes > 0 ? $"{Time.Minutes}M" : "")
            + (Time.Seconds > 0 ? $"{Time.Seconds}S" : "");
        return (date, time) switch
        {
            ("", "") => "PT0S",
            (_, "") => $"P{date}",
            _ => $"P{date}T{time}",
        };
    }

    [GeneratedRegex(@"^P(?:(?<y>\d+)Y)?(?:(?<mo>\d+)M)?(?:(?<w>\d+)W)?(?:(?<d>\d+)D)?(?:T(?:(?<h>\d+)H)?(?:(?<mi>\d+)M)?(?:(?<s>\d+)S)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}

internal sealed class IsoDurationJsonConverter : JsonConverter<IsoDuration>
{
    public override IsoDuration Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        IsoDuration.Parse(reader.GetString() ?? throw new JsonException("Expected an ISO-8601 duration string."));

    public override void Write(Utf8JsonWriter writer, IsoDuration value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
