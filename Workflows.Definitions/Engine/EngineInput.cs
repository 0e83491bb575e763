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
[JsonDerivedType(typeof(TaskTransferred), "taskTransferred")]
[JsonDerivedType(typeof(SignerAdded), "signerAdded")]
[JsonDerivedType(typeof(Reminded), "reminded")]
[JsonDerivedType(typeof(Copied), "copied")]
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
    ImmutableDictionary<string, JsonElement>? Data = null) : EngineInput
{
    /// <summary>Which of the step's tasks: null for the step's own task, <see cref="TaskSlots.Signer"/> for an added signer's.</summary>
    public string? Slot { get; init; }

    /// <summary>The person the actor acts for as their delegate (代理), recorded in the history; null when acting for themselves.</summary>
    public string? OnBehalfOf { get; init; }
}

/// <summary>转交: whoever may act on a task hands it to one colleague, who becomes its only candidate.</summary>
public sealed record TaskTransferred(string Step, int Visit, string ActorId, string? ActingRole, string ToId, string? Comment) : EngineInput
{
    public string? Slot { get; init; }

    public string? OnBehalfOf { get; init; }
}

/// <summary>加签: the approver adds a colleague who approves before them or after them.</summary>
public sealed record SignerAdded(string Step, int Visit, string ActorId, string? ActingRole, string SignerId, SignerPosition Position, string? Comment) : EngineInput
{
    public string? OnBehalfOf { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<SignerPosition>))]
public enum SignerPosition
{
    /// <summary>The colleague approves first; then the task comes back to its approver.</summary>
    Before,

    /// <summary>Once the approver approves, the colleague must approve too before the step is done.</summary>
    After,
}

/// <summary>催办: the starter reminds whoever holds the current tasks.</summary>
public sealed record Reminded(string ActorId) : EngineInput;

/// <summary>抄送: someone who may act copies colleagues, who may then read the instance.</summary>
public sealed record Copied(string ActorId, string? ActingRole, ImmutableArray<string> PersonIds, string? Comment) : EngineInput;

/// <summary>The tasks a step may have besides its own: an added signer's.</summary>
public static class TaskSlots
{
    public const string Signer = "signer";

    /// <summary>The step id of the task a return to the applicant opens (not a step of any design).</summary>
    public const string AmendStep = "amend";
}

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

    /// <summary>A day before a task is due: remind its candidates.</summary>
    TaskReminder,
}
