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

    /// <summary>
    /// The auto step run again after a resubmission (design property <c>resubmitCheck</c>, e.g. the eligibility gate):
    /// unless its outcome ends the instance, the step that returned the application opens again.
    /// </summary>
    public string? ResubmitCheck { get; init; }

    /// <summary>Who is copied (抄送) when an instance ends (design property <c>cc</c>): rules as a task's assignment.</summary>
    public ImmutableArray<AssignmentRule> CopyTo { get; init; } = [];

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
    /// <summary>Working days a task of this step has when the design names no due date (every human step has one).</summary>
    public const int DefaultDueWorkingDays = 3;

    /// <summary>The generic actions this step switches off (design property <c>off</c>): <c>transfer</c>, <c>addSigner</c>, <c>return</c>.</summary>
    public ImmutableHashSet<string> Off { get; init; } = ImmutableHashSet<string>.Empty;

    /// <summary>Every task step has a due date: the design's, or <see cref="DefaultDueWorkingDays"/>.</summary>
    public bool HasDueTimer => true;

    /// <summary>转交 and 加签 belong to approvers: a step assigned to one person of the instance (the applicant, the counterpart) offers neither.</summary>
    public bool OffersTransfer => Assign.Role is not null && !Off.Contains(GenericActions.Transfer);

    public bool OffersAddSigner => Assign.Role is not null && !Off.Contains(GenericActions.AddSigner);

    /// <summary>退回 on an approver's step, unless the design routes its own <c>return</c> action.</summary>
    public bool OffersReturn => Assign.Role is not null && !Off.Contains(GenericActions.Return) && !Actions.ContainsKey(GenericActions.Return);

    /// <summary>The actions by name, in ordinal order. Computed once per step.</summary>
    public ImmutableArray<TaskAction> OrderedActions => Derived.Of(this).OrderedActions;

    /// <summary>What a new task of this step offers: the design's actions, and 退回 when the step offers it. Computed once per step.</summary>
    public ImmutableArray<TaskAction> OfferedActions => Derived.Of(this).OfferedActions;

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

        public ImmutableArray<TaskAction> OfferedActions { get; } = step.OffersReturn
            ? [.. step.Actions.Values.Append(new TaskAction(GenericActions.Return, step.Id, true, [])).OrderBy(a => a.Name, StringComparer.Ordinal)]
            : [.. step.Actions.Values.OrderBy(a => a.Name, StringComparer.Ordinal)];

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

/// <summary>The approval actions every approver's step offers unless its design switches them off.</summary>
public static class GenericActions
{
    public const string Transfer = "transfer";
    public const string AddSigner = "addSigner";
    public const string Return = "return";
    public const string Withdraw = "withdraw";

    public static readonly ImmutableHashSet<string> All = ImmutableHashSet.Create(StringComparer.Ordinal, Transfer, AddSigner, Return);
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
        "approve", "reject", "return", "accept", "decline", "register", "uphold", "reduce", "waive", "resubmit", "withdraw");
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
