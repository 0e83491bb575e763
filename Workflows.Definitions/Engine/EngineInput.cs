using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Workflows.Definitions.Engine;

/// <summary>Something that happened to an instance. Closed: the engine handles exactly these.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "input")]
[JsonDerivedType(typeof(TaskCompleted), "taskCompleted")]
[JsonDerivedType(typeof(TimerFired), "timerFired")]
[JsonDerivedType(typeof(SignalReceived), "signalReceived")]
[JsonDerivedType(typeof(ActivityCompleted), "activityCompleted")]
[JsonDerivedType(typeof(Withdraw), "withdraw")]
public abstract record EngineInput
{
    private protected EngineInput()
    {
    }
}

/// <summary>A person decided a task.</summary>
/// <param name="ActingRole">The role the actor acted in; null → the step's role label.</param>
/// <param name="Data">Form data; merged into the variables (see <see cref="WorkflowEngine"/>).</param>
public sealed record TaskCompleted(
    string Step,
    int Visit,
    string Action,
    string ActorId,
    string? ActingRole,
    string? Comment,
    ImmutableDictionary<string, JsonElement>? Data = null) : EngineInput;

public sealed record TimerFired(string Step, int Visit, TimerKind Kind) : EngineInput;

/// <summary>A named signal, broadcast by domain code to every instance waiting on it.</summary>
public sealed record SignalReceived(string SignalName, ImmutableDictionary<string, JsonElement>? Data = null) : EngineInput;

/// <summary>The host ran the activity a <see cref="RunActivity"/> command asked for.</summary>
/// <param name="Variables">Merged into the instance variables at top level (activities are trusted code).</param>
public sealed record ActivityCompleted(
    string Step,
    int Visit,
    string Outcome,
    ImmutableDictionary<string, JsonElement>? Variables = null) : EngineInput;

/// <summary>The starter (or HR) withdraws the instance; who may do so is the host's check.</summary>
public sealed record Withdraw(string ActorId, string? Reason, string? ActingRole = null) : EngineInput;

[JsonConverter(typeof(JsonStringEnumConverter<TimerKind>))]
public enum TimerKind
{
    TaskDue,
    WaitTimeout,
}
