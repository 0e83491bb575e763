using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Workflows.Definitions.Engine;

/// <summary>A validated, immutable workflow design (one version of one design file).</summary>
public sealed record WorkflowDesign(
    string Name,
    int Version,
    string Type,
    string Title,
    string Start,
    ImmutableDictionary<string, StepDesign> Steps,
    string FileName)
{
    /// <summary>
    /// Variables that decide who may act (assignment persons, exclusions, dueAt) plus the
    /// built-ins. Task completion data may not overwrite them, otherwise an actor could
    /// lift their own exclusion or re-route a later task to themselves.
    /// </summary>
    public ImmutableHashSet<string> ProtectedVariables { get; } = ComputeProtectedVariables(Steps);

    /// <summary>
    /// Optional activity the host runs inside the withdraw transaction (design property <c>onWithdraw</c>): undoes
    /// domain effects an earlier step made (a dispute puts its violation back to Active). Its outcome is recorded,
    /// not routed: a withdrawn instance ends <c>Withdrawn</c> whatever the activity answers; if it throws, nothing is withdrawn.
    /// </summary>
    public string? OnWithdraw { get; init; }

    public StepDesign Step(string id) => Steps[id];

    private static ImmutableHashSet<string> ComputeProtectedVariables(ImmutableDictionary<string, StepDesign> steps)
    {
        var names = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        names.Add(WorkflowVariables.Subject);
        names.Add(WorkflowVariables.StartedBy);
        foreach (var task in steps.Values.OfType<TaskStep>())
        {
            if (task.Assign.Person is { } person)
            {
                names.Add(person);
            }

            names.UnionWith(task.Exclude);
            if (task.DueAt is { } dueAt)
            {
                names.Add(dueAt);
            }
        }

        foreach (var wait in steps.Values.OfType<WaitStep>())
        {
            if (wait.TimeoutAt is { } timeoutAt)
            {
                names.Add(timeoutAt);
            }
        }

        return names.ToImmutable();
    }
}

/// <summary>One step of a design. The <see cref="Id"/> is its key in the design's <c>steps</c> object.</summary>
public abstract record StepDesign(string Id)
{
    /// <summary>Every step this one can lead to, used for reachability and missing-step checks.</summary>
    public abstract IEnumerable<(string Via, string Target)> Transitions { get; }
}

/// <summary>Runs a named activity; the activity's outcome picks the transition.</summary>
public sealed record AutoStep(string Id, string Activity, ImmutableDictionary<string, string> OnOutcome) : StepDesign(Id)
{
    public override IEnumerable<(string Via, string Target)> Transitions =>
        OnOutcome.Select(t => ($"transition '{t.Key}'", t.Value));
}

/// <summary>A human task.</summary>
/// <param name="RoleLabel">The role the actor acts in, recorded in history: <c>role</c>, else <c>assign.role</c>, else "Person".</param>
/// <param name="Due">Due after this duration from entering the step.</param>
/// <param name="DueAt">Or: due at the timestamp held by this variable.</param>
public sealed record TaskStep(
    string Id,
    string Title,
    string RoleLabel,
    AssignmentRule Assign,
    ImmutableArray<string> Exclude,
    IsoDuration? Due,
    string? DueAt,
    string? OnDue,
    ImmutableDictionary<string, TaskAction> Actions) : StepDesign(Id)
{
    public bool HasDueTimer => Due is not null || DueAt is not null;

    /// <summary>The actions by name, in ordinal order (as a new task lists them). Computed once per step.</summary>
    public ImmutableArray<TaskAction> OrderedActions => Derived.Of(this).OrderedActions;

    /// <summary>The assignment rule as JSON, for the history of each task this step creates. Computed once per step.</summary>
    public JsonElement AssignJson => Derived.Of(this).AssignJson;

    public override IEnumerable<(string Via, string Target)> Transitions =>
        OrderedActions.Select(a => ($"action '{a.Name}'", a.To))
            .Concat(OnDue is null ? [] : [("onDue", OnDue)]);

    /// <summary>
    /// Values derived from a step, kept beside it rather than in it: a record's equality compares all its fields, and
    /// a cache filled on first use must not make two equal steps unequal.
    /// </summary>
    private sealed class Derived(TaskStep step)
    {
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<TaskStep, Derived> ByStep = [];

        public ImmutableArray<TaskAction> OrderedActions { get; } = [.. step.Actions.Values.OrderBy(a => a.Name, StringComparer.Ordinal)];

        public JsonElement AssignJson { get; } = WorkflowVariables.Value(step.Assign);

        public static Derived Of(TaskStep step) => ByStep.GetValue(step, s => new Derived(s));
    }
}

/// <summary>Who gets a task: a role (optionally in a scope such as <c>subjectGroup</c>), or the person whose id a variable holds.</summary>
public sealed record AssignmentRule(string? Role, string? Scope, string? Person)
{
    /// <summary>The assignment <c>{"person": "subject"}</c> is the one case where the subject may act.</summary>
    public bool IsSubject => Person == WorkflowVariables.Subject;
}

/// <summary>An action a task offers.</summary>
/// <param name="Requires">Fields the completion data must contain (non-null, non-empty).</param>
public sealed record TaskAction(string Name, string To, bool CommentRequired, ImmutableArray<string> Requires)
{
    /// <summary>The applicant's answer to a return: its data may change the form's free-text fields (<see cref="WorkflowVariables.FreeTextFields"/>).</summary>
    public const string Resubmit = "resubmit";

    /// <summary>The action names a design may use; the UI and API know how to present these.</summary>
    public static readonly ImmutableHashSet<string> KnownNames = ImmutableHashSet.Create(
        StringComparer.Ordinal,
        "approve", "reject", "return", "accept", "decline", "register", "uphold", "reduce", "waive", "resubmit");
}

/// <summary>Waits for a named signal, optionally with a timeout.</summary>
public sealed record WaitStep(string Id, string Signal, string OnSignal, IsoDuration? Timeout, string? OnTimeout) : StepDesign(Id)
{
    /// <summary>
    /// Or: time out at the ISO-8601 timestamp this variable holds. A deadline computed once (e.g. from
    /// configuration) survives re-entering the step, where a <see cref="Timeout"/> would start again.
    /// </summary>
    public string? TimeoutAt { get; init; }

    public bool HasTimeout => Timeout is not null || TimeoutAt is not null;

    public override IEnumerable<(string Via, string Target)> Transitions =>
        OnTimeout is null ? [("onSignal", OnSignal)] : [("onSignal", OnSignal), ("onTimeout", OnTimeout)];
}

/// <summary>Ends the instance with an outcome.</summary>
public sealed record EndStep(string Id, string Outcome, InstanceStatus Status) : StepDesign(Id)
{
    public override IEnumerable<(string Via, string Target)> Transitions => [];
}

[JsonConverter(typeof(JsonStringEnumConverter<InstanceStatus>))]
public enum InstanceStatus
{
    Running,
    Completed,
    Cancelled,
    Faulted,
}
