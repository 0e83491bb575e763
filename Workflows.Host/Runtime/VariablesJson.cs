using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using Workflows.Definitions.Engine;

namespace Workflows.Host.Runtime;

/// <summary>
/// Instance variables (and history data) as JSON: read as one parsed object whose properties become the values, where
/// System.Text.Json by default parses every <see cref="JsonElement"/> value into a document of its own (a state with a
/// few decisions meant as many documents per step). Written as the plain object it is
/// (<see cref="WorkflowVariables.WriteObject"/>: each value as the JSON text it was parsed from).
/// </summary>
internal sealed class VariablesJson : JsonConverter<ImmutableDictionary<string, JsonElement>>
{
    public override ImmutableDictionary<string, JsonElement>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        var whole = JsonElement.ParseValue(ref reader);
        if (whole.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"Variables must be a JSON object, not {whole.ValueKind}.");
        }

        var variables = WorkflowVariables.Empty.ToBuilder();
        foreach (var property in whole.EnumerateObject())
        {
            variables[property.Name] = property.Value;
        }

        return variables.ToImmutable();
    }

    public override void Write(Utf8JsonWriter writer, ImmutableDictionary<string, JsonElement> value, JsonSerializerOptions options) =>
        WorkflowVariables.WriteObject(writer, value);
}
