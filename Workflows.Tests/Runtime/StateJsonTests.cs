using System.Collections.Immutable;
using System.Text.Json;
using Workflows.Definitions;
using Workflows.Definitions.Engine;
using Workflows.Host.Runtime;

namespace Workflows.Tests.Runtime;

/// <summary>
/// The runner's JSON for instance state: variables read as one document and written back unchanged; a state parsed
/// once is reused only for the identical text.
/// </summary>
public sealed class StateJsonTests
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
    public void State_KeepsEachValue_AsTheJsonItWasParsedFrom()
    {
        // Values are copied as their JSON text, not re-encoded: a value from a request body keeps its spacing and its
        // unescaped text, and reads back the same.
        using var body = JsonDocument.Parse("""{ "reason": "调班 \u0041", "days": [ 1, 2 ] }""");
        var variables = WorkflowVariables.Empty.SetItems(body.RootElement.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value.Clone())));
        var state = new InstanceState(InstanceStatus.Running, null, "leader", 1, variables, "s", "s");

        var json = JsonSerializer.Serialize(state, WorkflowRunner.StateJson);
        var back = JsonSerializer.Deserialize<InstanceState>(json, WorkflowRunner.StateJson)!;

        Assert.Contains("\"days\":[ 1, 2 ]", json, StringComparison.Ordinal);
        Assert.Contains("\"reason\":\"调班 \\u0041\"", json, StringComparison.Ordinal);
        Assert.Equal("调班 A", back.Variables.GetString("reason"));
        Assert.Equal([1, 2], back.Variables["days"].EnumerateArray().Select(d => d.GetInt32()));
        Assert.Equal(json, JsonSerializer.Serialize(back, WorkflowRunner.StateJson));
    }

    [Fact]
    public void Variables_ThatAreNotAnObject_AreRefused()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<ImmutableDictionary<string, JsonElement>>("[1, 2]", WorkflowRunner.StateJson));
        Assert.Null(JsonSerializer.Deserialize<ImmutableDictionary<string, JsonElement>>("null", WorkflowRunner.StateJson));
    }

    [Fact]
    public void StateMemo_ReusesAParsedState_OnlyForTheIdenticalText()
    {
        var id = Guid.CreateVersion7().ToString();
        var state = new InstanceState(InstanceStatus.Running, null, "leader", 1, WorkflowVariables.Of(("n", 1)), "s", "s");
        var json = JsonSerializer.Serialize(state, WorkflowRunner.StateJson);

        var first = StateMemo.Parse(id, json);
        Assert.Same(first, StateMemo.Parse(id, new string(json.AsSpan())));

        // The row changed behind the memo (another node, a rolled-back step): the text decides, not the instance id.
        var changed = json.Replace("\"n\":1", "\"n\":2", StringComparison.Ordinal);
        var second = StateMemo.Parse(id, changed);
        Assert.NotSame(first, second);
        Assert.Equal(2, second.Variables["n"].GetInt32());

        // What a step wrote is what its next step reads back.
        var written = state with { StepVisit = 2 };
        var writtenJson = JsonSerializer.Serialize(written, WorkflowRunner.StateJson);
        StateMemo.Remember(id, writtenJson, written);
        Assert.Same(written, StateMemo.Parse(id, writtenJson));
        Assert.Equal(1, StateMemo.Parse(id, json).StepVisit);
    }

    [Fact]
    public void StateMemo_ForgetsInstancesNotSeenForTwoGenerations()
    {
        var state = new InstanceState(InstanceStatus.Running, null, "leader", 1, WorkflowVariables.Empty, "s", "s");
        var json = JsonSerializer.Serialize(state, WorkflowRunner.StateJson);
        var first = Guid.CreateVersion7().ToString();
        StateMemo.Remember(first, json, state);
        Assert.Same(state, StateMemo.Parse(first, json));

        // Two full generations of other instances (4,096 each) later, the first one is parsed again.
        for (var i = 0; i < 2 * 4096; i++)
        {
            StateMemo.Remember(Guid.CreateVersion7().ToString(), json, state);
        }

        var again = StateMemo.Parse(first, json);
        Assert.NotSame(state, again);
        Assert.Equal(state.StepVisit, again.StepVisit);
    }
}
