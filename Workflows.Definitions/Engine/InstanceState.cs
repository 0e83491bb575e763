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

    /// <summary>Returned to the applicant (退回): they hold the <see cref="TaskSlots.AmendStep"/> task; a resubmission reopens the step.</summary>
    public ReturnToApplicant? Returned { get; init; }

    /// <summary>After a resubmission, the step to open again once the design's check (<see cref="WorkflowDesign.ResubmitCheck"/>) passes.</summary>
    public string? ResumeAt { get; init; }

    /// <summary>Colleagues added to the current step (加签), in the order they were added.</summary>
    public ImmutableList<AddedSigner> Signers { get; init; } = ImmutableList<AddedSigner>.Empty;

    /// <summary>An approval of the current step waiting for the colleagues added after it: carried out when the last approves.</summary>
    public HeldDecision? Held { get; init; }

    /// <summary>The human steps entered so far, in order: a task may be returned to one of them.</summary>
    public ImmutableList<string> HumanSteps { get; init; } = ImmutableList<string>.Empty;

    /// <summary>When the starter last reminded the current approvers (催办).</summary>
    public DateTimeOffset? RemindedAt { get; init; }

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

/// <summary>Who returned which step to the applicant, and why.</summary>
public sealed record ReturnToApplicant(string Step, string ActorId, string? Comment);

/// <summary>A colleague added to a step: <see cref="SignerPosition.Before"/> holds the step's task until they approve.</summary>
public sealed record AddedSigner(string PersonId, SignerPosition Position, string AddedBy);

/// <summary>The approver's decision, kept until the colleagues added after them have approved.</summary>
public sealed record HeldDecision(string Action, string ActorId, string? ActingRole, string? Comment, ImmutableDictionary<string, JsonElement> Data);
