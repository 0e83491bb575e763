using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace Workflows.Definitions.Engine;

/// <summary>The engine's answer: the input was accepted (new state + commands) or rejected (nothing changes).</summary>
public abstract record EngineResult
{
    private protected EngineResult()
    {
    }

    /// <summary>
    /// The activity the host must run next (then call Handle with <see cref="ActivityCompleted"/>), if any.
    /// Lets the host loop: <c>while (result.PendingActivity is { } run) { ... }</c>.
    /// </summary>
    public RunActivity? PendingActivity => this is Accepted accepted ? accepted.Commands.OfType<RunActivity>().LastOrDefault() : null;
}

public sealed record Accepted(InstanceState State, ImmutableArray<EngineCommand> Commands) : EngineResult;

/// <summary>An expected refusal; the state is unchanged and the host must not write anything.</summary>
public sealed record Rejected(RejectionCode Code, string Message) : EngineResult
{
    /// <summary>For <see cref="RejectionCode.MissingData"/>: the required fields that were missing.</summary>
    public ImmutableArray<string> MissingFields { get; init; } = [];

    /// <summary>For <see cref="RejectionCode.TooSoon"/>: when the same input will be accepted.</summary>
    public DateTimeOffset? RetryAt { get; init; }
}

/// <summary>Why an input was refused: a code the host turns into words and a status of its own (the kind of refusal is noted on each).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RejectionCode>))]
public enum RejectionCode
{
    /// <summary>Conflict: the instance has ended.</summary>
    NotRunning,

    /// <summary>Conflict: the instance is not in that step (or not in a step of that kind).</summary>
    NotCurrentStep,

    /// <summary>Conflict: the step is current but this is for an earlier visit, or the timer's instance has ended. Timers: a no-op.</summary>
    StaleVisit,

    /// <summary>Rule: the task does not offer that action.</summary>
    UnknownAction,

    /// <summary>Rule: the action requires a comment.</summary>
    CommentRequired,

    /// <summary>Rule: the action requires data fields that were not given.</summary>
    MissingData,

    /// <summary>Rule: task data tried to overwrite a variable that decides who may act.</summary>
    ProtectedVariable,

    /// <summary>Forbidden: the actor is excluded from this task (the subject, the nominator, …).</summary>
    ActorExcluded,

    /// <summary>Conflict: the instance is not waiting for that signal. Broadcasts: a no-op.</summary>
    SignalNotAwaited,

    /// <summary>Rule: a variable the design needs (assignee, dueAt) is missing or malformed.</summary>
    MissingVariable,

    /// <summary>Host error: the activity reported an outcome the design has no transition for (host/catalog mismatch).</summary>
    UnknownOutcome,

    /// <summary>Rule: the step does not offer this approval action (a design switched it off, or it is the applicant's own step).</summary>
    ActionNotOffered,

    /// <summary>Rule: the person named (a transfer's or an added signer's) may not act on this step (the subject, the nominator, …).</summary>
    PersonExcluded,

    /// <summary>Rule: a return names a step that is not an earlier human step of this instance.</summary>
    UnknownReturnStep,

    /// <summary>Conflict: the step's task waits for a colleague added before its approver.</summary>
    WaitingForSigner,

    /// <summary>Too soon: reminded within the last 24 hours (<see cref="Rejected.RetryAt"/>).</summary>
    TooSoon,
}
