using System.Collections.Immutable;
using System.Text.Json;

namespace Workflows.Definitions.Engine;

/// <summary>
/// Everything the engine needs to know about a running instance between calls. The host stores it (as columns
/// and/or JSON) and hands it back; it round-trips through System.Text.Json unchanged.
/// </summary>
/// <param name="CurrentStep">The single token; null once the instance has ended.</param>
/// <param name="StepVisit">
/// Incremented every time a step is entered. Tasks, timers and activities carry the visit they were created
/// for, so a late timer or a second completion for an earlier visit of the same step is recognised as stale.
/// </param>
/// <param name="ConsecutiveAutoSteps">
/// Auto steps entered since the last human, timer or signal input; bounds a design whose activities loop.
/// </param>
public sealed record InstanceState(
    InstanceStatus Status,
    string? Outcome,
    string? CurrentStep,
    int StepVisit,
    ImmutableDictionary<string, JsonElement> Variables,
    string SubjectId,
    string StartedBy,
    int ConsecutiveAutoSteps = 0)
{
    /// <summary>
    /// The start variables: the form as filed, with <c>subject</c> and <c>startedBy</c>. Read-only: task, activity and
    /// signal data go to <see cref="Variables"/>, task data naming a form field is refused, and a name the form has is
    /// always read from the form (<see cref="TryGetValue"/>). Only an explicit resubmission of the form may change it.
    /// Empty for instances started before the form was kept apart, whose variables still hold it.
    /// </summary>
    public ImmutableDictionary<string, JsonElement> Form { get; init; } = ImmutableDictionary<string, JsonElement>.Empty;

    public bool IsRunning => Status == InstanceStatus.Running;

    /// <summary>A value by name: from the form when it has it, else from the variables.</summary>
    public bool TryGetValue(string name, out JsonElement value) => Form.TryGetValue(name, out value) || Variables.TryGetValue(name, out value);

    /// <summary>A string value by name (<see cref="TryGetValue"/>); null when missing or not a string.</summary>
    public string? GetString(string name) => TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The form and the variables as one set of values, the form's winning.</summary>
    public ImmutableDictionary<string, JsonElement> Values => Form.IsEmpty ? Variables : Variables.SetItems(Form);
}

/// <summary>What starts an instance.</summary>
/// <param name="Variables">Initial variables (e.g. <c>nominatorId</c>, <c>counterpartId</c>); <c>subject</c> and <c>startedBy</c> are added by the engine.</param>
/// <param name="ActingRole">The role the starter acts in, recorded in history.</param>
public sealed record StartRequest(
    string SubjectId,
    string StartedBy,
    ImmutableDictionary<string, JsonElement> Variables,
    string? ActingRole = null);
