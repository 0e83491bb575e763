using System.Collections.Immutable;
using System.Text.Json;
using Workflows.Definitions;
using Workflows.Definitions.Engine;
using Workflows.Host.Runtime;

namespace Workflows.Tests.Runtime;

/// <summary>The runner's JSON for instance state: variables read as one document, written back unchanged.</summary>
public sealed class VariablesJsonTests
{
    private static readonly string[] Excluded = ["a", "b"];

    [Fact]
    public void State_RoundTrips_WithNestedValuesNullsAndUnicode()
    {
        var variables = WorkflowVariables.Of(
            ("subject", "员工-1"),
            ("decision.leader", new { action = "approve", comment = (string?)null, data = new { months = 6, ok = true } }),
            ("excluded", Excluded),
            ("nothing", null));
        var state = new InstanceState(InstanceStatus.Running, null, "leader", 2, variables, "员工-1", "员工-1", 1);

        var json = JsonSerializer.Serialize(state, WorkflowRunner.StateJson);
        var back = JsonSerializer.Deserialize<InstanceState>(json, WorkflowRunner.StateJson)!;

        Assert.Equal(json, JsonSerializer.Serialize(back, WorkflowRunner.StateJson));
        Assert.Equal(JsonSerializer.Serialize(state, JsonSerializerOptions.Web), json);
        Assert.Equal(["decision.leader", "excluded", "nothing", "subject"], back.Variables.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(6, back.Variables["decision.leader"].GetProperty("data").GetProperty("months").GetInt32());
        Assert.Equal(JsonValueKind.Null, back.Variables["nothing"].ValueKind);
        Assert.Equal("员工-1", back.Variables.GetString("subject"));
    }

    [Fact]
    public void Variables_ThatAreNotAnObject_AreRefused()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<ImmutableDictionary<string, JsonElement>>("[1, 2]", WorkflowRunner.StateJson));
        Assert.Null(JsonSerializer.Deserialize<ImmutableDictionary<string, JsonElement>>("null", WorkflowRunner.StateJson));
    }
}
