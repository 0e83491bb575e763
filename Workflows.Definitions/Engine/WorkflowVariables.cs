using System.Buffers;
using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Workflows.Definitions.Engine;

/// <summary>
/// Instance variables are an immutable map of name → <see cref="JsonElement"/>: immutable so states can be
/// compared and shared safely, JSON so the host can store them in one column as they are.
/// </summary>
public static class WorkflowVariables
{
    /// <summary>Built-in: the employee the instance is about. Set by the engine at start; read-only.</summary>
    public const string Subject = "subject";

    /// <summary>Built-in: the employee who started the instance. Set by the engine at start; read-only.</summary>
    public const string StartedBy = "startedBy";

    /// <summary>Each task completion is also kept whole under <c>decision.&lt;step&gt;</c>.</summary>
    public const string DecisionPrefix = "decision.";

    /// <summary>The form fields a resubmission may change: what the applicant wrote, never who or what is applied for.</summary>
    public static readonly ImmutableHashSet<string> FreeTextFields = ImmutableHashSet.Create(StringComparer.Ordinal, "statement", "justification", "reason");

    public static ImmutableDictionary<string, JsonElement> Empty { get; } = ImmutableDictionary.Create<string, JsonElement>(StringComparer.Ordinal);

    /// <summary>Builds a variable map from plain .NET values (serialized with <see cref="JsonSerializerOptions.Web"/>).</summary>
    public static ImmutableDictionary<string, JsonElement> Of(params IEnumerable<(string Name, object? Value)> values) =>
        Empty.SetItems(values.Select(v => KeyValuePair.Create(v.Name, Value(v.Value))));

    /// <summary>Serialized with web defaults (camelCase), like the API.</summary>
    public static JsonElement Value(object? value) => value switch
    {
        null => Null,
        string text => Write(text, static (writer, text) => writer.WriteStringValue(text)),
        _ => JsonSerializer.SerializeToElement(value, JsonSerializerOptions.Web),
    };

    /// <summary>
    /// A value written directly with <see cref="Utf8JsonWriter"/> (web conventions: camelCase names, the default
    /// encoder): for the values the engine builds on every step (a decision, a task's excluded persons), where the
    /// serializer's general path and its generic dictionary converter cost several times the writing itself.
    /// </summary>
    public static JsonElement Write<TState>(TState state, Action<Utf8JsonWriter, TState> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer, state);
        }

        return JsonElement.Parse(buffer.WrittenSpan);
    }

    /// <summary>An array of strings, as <see cref="Value"/> would write it.</summary>
    public static JsonElement Strings(ImmutableArray<string> values) => Write(values, static (writer, values) =>
    {
        writer.WriteStartArray();
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    });

    /// <summary>
    /// A variable map as the JSON object it is, each value copied as the JSON text it was parsed from
    /// (<see cref="JsonMarshal.GetRawUtf8Value"/>) rather than re-encoded token by token: the same JSON, for a fraction of
    /// the work (the host writes every instance's state this way at every step).
    /// </summary>
    public static void WriteObject(Utf8JsonWriter writer, ImmutableDictionary<string, JsonElement> variables)
    {
        writer.WriteStartObject();
        foreach (var (name, value) in variables)
        {
            writer.WritePropertyName(name);
            writer.WriteRawValue(JsonMarshal.GetRawUtf8Value(value), skipInputValidation: true);
        }

        writer.WriteEndObject();
    }

    /// <summary>JSON null, parsed once: elements are immutable, so every null value can share it.</summary>
    private static readonly JsonElement Null = JsonSerializer.SerializeToElement<object?>(null, JsonSerializerOptions.Web);

    /// <summary>A string variable, or null when it is absent, JSON null or not a string.</summary>
    public static string? GetString(this ImmutableDictionary<string, JsonElement> variables, string name) =>
        variables.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Absent, JSON null, or an empty / whitespace string: what "missing" means for required data.</summary>
    public static bool IsMissing(this IReadOnlyDictionary<string, JsonElement> data, string name) =>
        !data.TryGetValue(name, out var value)
        || value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined
        || (value.ValueKind == JsonValueKind.String && string.IsNullOrWhiteSpace(value.GetString()));
}
