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
    public bool IsRunning => Status == InstanceStatus.Running;
}

/// <summary>What starts an instance.</summary>
/// <param name="Variables">Initial variables (e.g. <c>nominatorId</c>, <c>counterpartId</c>); <c>subject</c> and <c>startedBy</c> are added by the engine.</param>
/// <param name="ActingRole">The role the starter acts in, recorded in history.</param>
public sealed record StartRequest(
    string SubjectId,
    string StartedBy,
    ImmutableDictionary<string, JsonElement> Variables,
    string? ActingRole = null);
