using System.Collections.Immutable;
using System.Text.Json;

namespace Workflows.Definitions.Engine;

/// <summary>
/// The workflow engine: a pure function (design, state, input, now) → accepted (new state + commands) or rejected.
/// It never reads the clock, the database or the org; the host does all of that and runs the commands.
/// </summary>
/// <remarks>
/// Variables: task completion data is merged at top level (so later steps and activities read e.g. <c>amount</c>
/// directly) and also kept whole under <c>decision.&lt;step&gt;</c> (<c>{action, actorId, actingRole, comment, at, data}</c>),
/// so a step visited twice keeps its latest decision. Task data may not set the form as filed
/// (<see cref="InstanceState.Form"/>, which only a resubmission changes) nor the design's protected variables
/// (<see cref="WorkflowDesign.ProtectedVariables"/>). Activity and signal data come from trusted code and are merged at
/// top level as they are; a name the form has is still read from the form.
/// </remarks>
public static partial class WorkflowEngine
{
    /// <summary>
    /// Auto steps may follow each other without a person, timer or signal in between at most this many times;
    /// beyond that the design loops and the instance faults instead of spinning in the host's runner.
    /// </summary>
    public const int MaxConsecutiveAutoSteps = 100;

    public static EngineResult Start(WorkflowDesign design, StartRequest request, DateTimeOffset now)
    {
        var form = request.Variables
            .WithComparers(StringComparer.Ordinal)
            .SetItem(WorkflowVariables.Subject, WorkflowVariables.Value(request.SubjectId))
            .SetItem(WorkflowVariables.StartedBy, WorkflowVariables.Value(request.StartedBy));
        var state = new InstanceState(InstanceStatus.Running, null, null, 0, WorkflowVariables.Empty, request.SubjectId, request.StartedBy) { Form = form };
        var run = new Run(design, state, now);
        run.History(HistoryKinds.InstanceStarted, null, request.StartedBy, request.ActingRole, data: request.Variables);
        return run.Enter(design.Start);
    }

    /// <exception cref="ArgumentException">The state is at a step the design does not have: the host passed the wrong design version.</exception>
    public static EngineResult Handle(WorkflowDesign design, InstanceState state, EngineInput input, DateTimeOffset now)
    {
        // Not an expected failure but a host bug (instances are pinned to their version), so it throws.
        if (state.IsRunning && (state.CurrentStep is null || !design.Steps.ContainsKey(state.CurrentStep)))
        {
            throw new ArgumentException($"The instance is at step '{state.CurrentStep}', which {design.Name} v{design.Version} does not have.", nameof(state));
        }

        return Dispatch(design, state, input, now);
    }

    private static EngineResult Dispatch(WorkflowDesign design, InstanceState state, EngineInput input, DateTimeOffset now) => input switch
    {
        TaskCompleted completed => CompleteTask(design, state, completed, now),
        TimerFired timer => FireTimer(design, state, timer, now),
        SignalReceived signal => ReceiveSignal(design, state, signal, now),
        ActivityCompleted activity => CompleteActivity(design, state, activity, now),
        Withdraw withdraw => WithdrawInstance(design, state, withdraw, now),
        TaskTransferred transfer => Transfer(design, state, transfer, now),
        SignerAdded signer => AddSigner(design, state, signer, now),
        Reminded reminded => Remind(design, state, reminded, now),
        Copied copied => Copy(design, state, copied, now),
        _ => throw new ArgumentOutOfRangeException(nameof(input), input, "Unknown engine input."),
    };

    private static EngineResult CompleteTask(WorkflowDesign design, InstanceState state, TaskCompleted input, DateTimeOffset now)
    {
        if (input.Step == TaskSlots.AmendStep && state.Returned is not null)
        {
            return Amend(design, state, input, now);
        }

        if (CheckCurrent(design, state, input.Step, input.Visit) is { } rejected)
        {
            return rejected;
        }

        if (design.Step(input.Step) is not TaskStep task)
        {
            return new Rejected(RejectionCode.NotCurrentStep, $"Step '{input.Step}' is not a task.");
        }

        if (input.Slot == TaskSlots.Signer)
        {
            return DecideAsSigner(design, state, task, input, now);
        }

        if (state.Signers.Any(s => s.Position == SignerPosition.Before))
        {
            return new Rejected(RejectionCode.WaitingForSigner, $"Task '{task.Id}' waits for the colleague added before its approver.");
        }

        if (input.Action == GenericActions.Return && task.OffersReturn)
        {
            return Return(design, state, task, input, now);
        }

        if (!task.Actions.TryGetValue(input.Action, out var action))
        {
            return new Rejected(RejectionCode.UnknownAction, $"Task '{task.Id}' does not offer '{input.Action}' (offers: {string.Join(", ", task.Actions.Keys.Order(StringComparer.Ordinal))}).");
        }

        if (ExcludedPersons(task, state).Contains(input.ActorId))
        {
            return new Rejected(RejectionCode.ActorExcluded, $"'{input.ActorId}' may not act on task '{task.Id}' (separation of duties).");
        }

        if (action.CommentRequired && string.IsNullOrWhiteSpace(input.Comment))
        {
            return new Rejected(RejectionCode.CommentRequired, $"'{action.Name}' on task '{task.Id}' requires a comment.");
        }

        var data = input.Data ?? WorkflowVariables.Empty;
        var missing = action.Requires.Where(data.IsMissing).ToImmutableArray();
        if (!missing.IsEmpty)
        {
            return new Rejected(RejectionCode.MissingData, $"'{action.Name}' on task '{task.Id}' requires: {string.Join(", ", missing)}.") { MissingFields = missing };
        }

        // A resubmission may edit the form's free-text fields; otherwise neither the form as filed nor what decides who
        // may act can be set by a decision.
        var edits = action.Name == TaskAction.Resubmit ? data.Where(d => WorkflowVariables.FreeTextFields.Contains(d.Key)).ToImmutableDictionary(StringComparer.Ordinal) : WorkflowVariables.Empty;
        var protectedNames = data.IsEmpty ? [] : data.Keys
            .Where(k => !edits.ContainsKey(k) && (design.ProtectedVariables.Contains(k) || state.Form.ContainsKey(k)))
            .Order(StringComparer.Ordinal).ToList();
        if (protectedNames.Count > 0)
        {
            return new Rejected(RejectionCode.ProtectedVariable, $"Task data may not set {string.Join(", ", protectedNames)}.");
        }

        var actingRole = input.ActingRole ?? task.RoleLabel;
        // Colleagues added after the approver decide next; the approval is carried out once the last of them approves.
        if (!IsRefusal(action.Name) && state.Signers.FirstOrDefault(s => s.Position == SignerPosition.After) is { } after)
        {
            var holding = new Run(design, state with { Held = new HeldDecision(action.Name, input.ActorId, actingRole, input.Comment, data), ConsecutiveAutoSteps = 0 }, now);
            holding.History(HistoryKinds.TaskCompleted, task.Id, input.ActorId, actingRole, action.Name, input.Comment, data, input.OnBehalfOf);
            return holding.OpenSignerTask(task, input.Visit, after.PersonId, after.AddedBy);
        }

        var decision = Decision(action.Name, input.ActorId, actingRole, input.Comment, now, data);
        var run = new Run(design, state with
        {
            Form = edits.IsEmpty ? state.Form : state.Form.SetItems(edits),
            Variables = state.Variables.SetItems(edits.IsEmpty ? data : data.RemoveRange(edits.Keys)).SetItem(WorkflowVariables.DecisionPrefix + task.Id, decision),
            ConsecutiveAutoSteps = 0,
        }, now);
        run.History(HistoryKinds.TaskCompleted, task.Id, input.ActorId, actingRole, action.Name, input.Comment, data, input.OnBehalfOf);
        run.LeaveCurrentStep($"{action.Name} by {input.ActorId}");
        return run.Enter(action.To);
    }

    /// <summary>Actions that refuse rather than approve: colleagues added after the approver are not asked then.</summary>
    private static bool IsRefusal(string action) => action is "reject" or "decline" or GenericActions.Return;

    private static EngineResult FireTimer(WorkflowDesign design, InstanceState state, TimerFired input, DateTimeOffset now)
    {
        // A timer is only ever meaningful for the visit that scheduled it; everything else is a late job or a duplicate.
        if (!state.IsRunning || state.CurrentStep != input.Step || state.StepVisit != input.Visit)
        {
            return new Rejected(RejectionCode.StaleVisit, $"Timer {input.Kind} for '{input.Step}' visit {input.Visit} is stale (instance {state.Status}, at '{state.CurrentStep}' visit {state.StepVisit}).");
        }

        var run = new Run(design, state with { ConsecutiveAutoSteps = 0 }, now);
        switch (design.Step(input.Step), input.Kind)
        {
            case (TaskStep { OnDue: { } onDue } task, TimerKind.TaskDue):
                run.History(HistoryKinds.TaskDue, task.Id, data: WorkflowVariables.Of(("onDue", onDue)));
                run.LeaveCurrentStep("due");
                return run.Enter(onDue);
            case (TaskStep task, TimerKind.TaskDue):
                // No design route for an overdue task: an approver's goes up the line and is due again in the default
                // time; a task of one named person (the applicant, the counterpart) stays theirs, marked overdue.
                run.History(HistoryKinds.TaskOverdue, task.Id);
                if (task.Assign.Role is not null)
                {
                    run.Command(new EscalateTask(task.Id, input.Visit));
                    run.ScheduleDue(task.Id, input.Visit, AddWorkingDays(now, TaskStep.DefaultDueWorkingDays));
                }

                return run.Done();
            case (TaskStep task, TimerKind.TaskReminder):
                run.History(HistoryKinds.TaskDueSoon, task.Id);
                run.Command(new RemindTasks("dueSoon", null));
                return run.Done();
            case (WaitStep { OnTimeout: { } onTimeout } wait, TimerKind.WaitTimeout):
                run.History(HistoryKinds.TimerFired, wait.Id, action: nameof(TimerKind.WaitTimeout), data: WorkflowVariables.Of(("onTimeout", onTimeout)));
                run.LeaveCurrentStep("timeout");
                return run.Enter(onTimeout);
            default:
                return new Rejected(RejectionCode.StaleVisit, $"Step '{input.Step}' has no {input.Kind} timer.");
        }
    }

    private static EngineResult ReceiveSignal(WorkflowDesign design, InstanceState state, SignalReceived input, DateTimeOffset now)
    {
        if (!state.IsRunning)
        {
            return NotRunning(state);
        }

        if (design.Step(state.CurrentStep!) is not WaitStep wait || wait.Signal != input.SignalName)
        {
            return new Rejected(RejectionCode.SignalNotAwaited, $"The instance is at '{state.CurrentStep}', not waiting for '{input.SignalName}'.");
        }

        var data = input.Data ?? WorkflowVariables.Empty;
        var run = new Run(design, state with { Variables = state.Variables.SetItems(data), ConsecutiveAutoSteps = 0 }, now);
        run.History(HistoryKinds.SignalReceived, wait.Id, action: input.SignalName, data: data);
        run.LeaveCurrentStep("signal");
        return run.Enter(wait.OnSignal);
    }

    private static EngineResult CompleteActivity(WorkflowDesign design, InstanceState state, ActivityCompleted input, DateTimeOffset now)
    {
        if (CheckCurrent(design, state, input.Step, input.Visit) is { } rejected)
        {
            return rejected;
        }

        if (design.Step(input.Step) is not AutoStep auto)
        {
            return new Rejected(RejectionCode.NotCurrentStep, $"Step '{input.Step}' is not an auto step.");
        }

        if (!auto.OnOutcome.TryGetValue(input.Outcome, out var next))
        {
            return new Rejected(RejectionCode.UnknownOutcome, $"Activity '{auto.Activity}' reported '{input.Outcome}', which step '{auto.Id}' has no transition for.");
        }

        var variables = input.Variables ?? WorkflowVariables.Empty;
        var run = new Run(design, state with { Variables = state.Variables.SetItems(variables), ResumeAt = null }, now);
        run.History(HistoryKinds.ActivityCompleted, auto.Id, action: input.Outcome, data: variables.SetItem("activity", WorkflowVariables.Value(auto.Activity)));
        // After a resubmission the check runs again: unless it ends the instance, the step that returned it opens again.
        if (state.ResumeAt is { } resume && auto.Id == design.ResubmitCheck && design.Step(next) is not EndStep)
        {
            next = resume;
        }

        return run.Enter(next);
    }

    private static EngineResult WithdrawInstance(WorkflowDesign design, InstanceState state, Withdraw input, DateTimeOffset now)
    {
        if (!state.IsRunning)
        {
            return NotRunning(state);
        }

        var run = new Run(design, state, now);
        run.History(HistoryKinds.InstanceWithdrawn, state.CurrentStep, input.ActorId, input.ActingRole, "withdraw", input.Reason);
        run.LeaveCurrentStep("withdrawn");
        return run.End(InstanceStatus.Cancelled, "Withdrawn");
    }

    private static Rejected? CheckCurrent(WorkflowDesign design, InstanceState state, string step, int visit)
    {
        if (!state.IsRunning)
        {
            return NotRunning(state);
        }

        if (state.CurrentStep != step || !design.Steps.ContainsKey(step))
        {
            return new Rejected(RejectionCode.NotCurrentStep, $"The instance is at '{state.CurrentStep}', not '{step}'.");
        }

        return state.StepVisit != visit
            ? new Rejected(RejectionCode.StaleVisit, $"'{step}' visit {visit} is over; the current visit is {state.StepVisit}.")
            : null;
    }

    private static Rejected NotRunning(InstanceState state) =>
        new(RejectionCode.NotRunning, $"The instance is {state.Status}{(state.Outcome is null ? "" : $" ({state.Outcome})")}.");

    /// <summary>
    /// The subject always (unless the task is assigned to the subject), plus every id the step's exclude variables hold.
    /// Public for the host, which resolves an open task's candidates again when a seat is vacated.
    /// </summary>
    public static ImmutableArray<string> ExcludedPersons(TaskStep task, InstanceState state)
    {
        // Runs for every completion and every new task: a plain loop, first occurrence kept, in order.
        var excluded = ImmutableArray.CreateBuilder<string>();
        void Add(string id)
        {
            if (!excluded.Contains(id))
            {
                excluded.Add(id);
            }
        }

        if (!task.Assign.IsSubject)
        {
            Add(state.SubjectId);
        }

        foreach (var name in task.Exclude)
        {
            if (!state.TryGetValue(name, out var value))
            {
                continue; // e.g. no nominator on a self-application: nobody to exclude.
            }

            if (value.ValueKind == JsonValueKind.String)
            {
                Add(value.GetString()!);
            }
            else if (value.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in value.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String)
                    {
                        Add(item.GetString()!);
                    }
                }
            }
        }

        return excluded.DrainToImmutable();
    }

    /// <summary>What a task completion keeps under <c>decision.&lt;step&gt;</c>: {action, actorId, actingRole, comment, at, data}.</summary>
    private static JsonElement Decision(string action, string actorId, string? actingRole, string? comment, DateTimeOffset at, ImmutableDictionary<string, JsonElement> data) =>
        WorkflowVariables.Write((action, actorId, actingRole, comment, at, data), static (writer, d) =>
        {
            writer.WriteStartObject();
            writer.WriteString("action", d.action);
            writer.WriteString("actorId", d.actorId);
            writer.WriteString("actingRole", d.actingRole);
            writer.WriteString("comment", d.comment);
            writer.WriteString("at", d.at);
            writer.WritePropertyName("data");
            WorkflowVariables.WriteObject(writer, d.data);
            writer.WriteEndObject();
        });

    /// <summary>One engine call in progress: the evolving state and the commands so far.</summary>
    private sealed class Run(WorkflowDesign design, InstanceState state, DateTimeOffset now)
    {
        private readonly ImmutableArray<EngineCommand>.Builder _commands = ImmutableArray.CreateBuilder<EngineCommand>();
        private InstanceState _state = state;

        public InstanceState State
        {
            get => _state;
            set => _state = value;
        }

        public void History(string kind, string? step, string? actorId = null, string? actingRole = null, string? action = null, string? comment = null,
            ImmutableDictionary<string, JsonElement>? data = null, string? onBehalfOf = null) =>
            _commands.Add(new AppendHistory(kind, step, actorId, actingRole, action, comment, data is { Count: > 0 } ? data : null) { OnBehalfOf = onBehalfOf });

        public void Command(EngineCommand command) => _commands.Add(command);

        public Accepted Done() => new(_state, _commands.ToImmutable());

        /// <summary>The due timer of a task, and its reminder a day before when that is still ahead.</summary>
        public void ScheduleDue(string stepId, int visit, DateTimeOffset due)
        {
            _commands.Add(new ScheduleTimer(stepId, visit, TimerKind.TaskDue, due));
            if (due.AddDays(-1) > now)
            {
                _commands.Add(new ScheduleTimer(stepId, visit, TimerKind.TaskReminder, due.AddDays(-1)));
            }
        }

        /// <summary>An added colleague's task on the step (加签), due like a task of the step.</summary>
        public Accepted OpenSignerTask(TaskStep task, int visit, string personId, string addedBy)
        {
            var reject = task.Actions[GenericRejectAction];
            _commands.Add(new CreateTask(task.Id, visit, task.Title, SignerRole, new AssignmentRule(null, null, SignerRole), personId,
                [new TaskAction("approve", task.Id, false, []), reject], ExcludedPersons(task, _state), null) { Slot = TaskSlots.Signer, ByActorId = addedBy });
            History(HistoryKinds.TaskCreated, task.Id, actingRole: SignerRole, data: WorkflowVariables.Empty
                .Add("slot", WorkflowVariables.Value(TaskSlots.Signer))
                .Add("assigneeId", WorkflowVariables.Value(personId)));
            return Done();
        }

        /// <summary>Undo what entering the current step set up: its task, its timer, its signal subscription.</summary>
        public void LeaveCurrentStep(string reason)
        {
            switch (design.Step(_state.CurrentStep!))
            {
                case TaskStep task:
                    _commands.Add(new CancelOpenTasks(reason) { Several = !_state.Signers.IsEmpty || _state.Held is not null });
                    if (task.HasDueTimer)
                    {
                        _commands.Add(new CancelTimers());
                    }

                    _state = _state with { Signers = ImmutableList<AddedSigner>.Empty, Held = null };
                    break;
                case WaitStep wait:
                    _commands.Add(new StopAwaitingSignal(wait.Signal));
                    if (wait.HasTimeout)
                    {
                        _commands.Add(new CancelTimers());
                    }

                    break;
            }
        }

        public EngineResult Enter(string stepId)
        {
            var step = design.Step(stepId);
            _state = _state with { CurrentStep = stepId, StepVisit = _state.StepVisit + 1, RemindedAt = null };
            var visit = _state.StepVisit;
            History(HistoryKinds.StepEntered, stepId);
            switch (step)
            {
                case AutoStep auto:
                    var chain = _state.ConsecutiveAutoSteps + 1;
                    if (chain > MaxConsecutiveAutoSteps)
                    {
                        return Fault($"More than {MaxConsecutiveAutoSteps} auto steps in a row without a person, timer or signal; the design loops at '{stepId}'.");
                    }

                    _state = _state with { ConsecutiveAutoSteps = chain };
                    _commands.Add(new RunActivity(stepId, visit, auto.Activity));
                    break;
                case TaskStep task:
                    _state = _state with { HumanSteps = _state.HumanSteps.Remove(stepId).Add(stepId) };
                    if (CreateTask(task, visit) is { } rejected)
                    {
                        return rejected;
                    }

                    break;
                case WaitStep wait:
                    _commands.Add(new AwaitSignal(stepId, visit, wait.Signal));
                    if (wait.Timeout is not null)
                    {
                        _commands.Add(new ScheduleTimer(stepId, visit, TimerKind.WaitTimeout, wait.Timeout.AddTo(now)));
                    }
                    else if (wait.TimeoutAt is { } timeoutVariable)
                    {
                        if (!_state.TryGetValue(timeoutVariable, out var value) || value.ValueKind != JsonValueKind.String || !value.TryGetDateTimeOffset(out var at))
                        {
                            return new Rejected(RejectionCode.MissingVariable, $"Wait '{wait.Id}' times out at the time in '{timeoutVariable}', which holds no ISO-8601 timestamp.");
                        }

                        _commands.Add(new ScheduleTimer(stepId, visit, TimerKind.WaitTimeout, at));
                    }

                    break;
                case EndStep end:
                    return End(end.Status, end.Outcome);
            }

            return new Accepted(_state, _commands.ToImmutable());
        }

        public Accepted End(InstanceStatus status, string outcome)
        {
            _state = _state with { Status = status, Outcome = outcome, CurrentStep = null };
            History(HistoryKinds.InstanceCompleted, null, action: outcome, data: WorkflowVariables.Of(("status", status.ToString()), ("outcome", outcome)));
            _commands.Add(new Completed(status, outcome));
            if (!design.CopyTo.IsEmpty)
            {
                _commands.Add(new CopyTo(design.CopyTo, [], null, null));
            }

            return new Accepted(_state, _commands.ToImmutable());
        }

        private Rejected? CreateTask(TaskStep task, int visit)
        {
            string? assignee = null;
            if (task.Assign.Person is { } personVariable)
            {
                assignee = _state.GetString(personVariable);
                if (string.IsNullOrEmpty(assignee))
                {
                    return new Rejected(RejectionCode.MissingVariable, $"Task '{task.Id}' is assigned to the person in '{personVariable}', which holds no employee id.");
                }
            }

            DateTimeOffset? dueAt;
            if (task.Due is not null)
            {
                dueAt = task.Due.AddTo(now);
            }
            else if (task.DueAt is { } dueVariable)
            {
                if (!_state.TryGetValue(dueVariable, out var value) || value.ValueKind != JsonValueKind.String || !value.TryGetDateTimeOffset(out var at))
                {
                    return new Rejected(RejectionCode.MissingVariable, $"Task '{task.Id}' is due at the time in '{dueVariable}', which holds no ISO-8601 timestamp.");
                }

                // In UTC like every other instant the engine hands out: the host stores instants as UTC
                // (PostgreSQL's timestamptz refuses other offsets; SQLite's binary encoding sorts by local ticks).
                dueAt = at.ToUniversalTime();
            }
            else
            {
                dueAt = AddWorkingDays(now, TaskStep.DefaultDueWorkingDays);
            }

            var excluded = ExcludedPersons(task, _state);
            _commands.Add(new CreateTask(task.Id, visit, task.Title, task.RoleLabel, task.Assign, assignee, task.OfferedActions, excluded, dueAt));
            History(HistoryKinds.TaskCreated, task.Id, actingRole: task.RoleLabel, data: WorkflowVariables.Empty
                .Add("assign", task.AssignJson)
                .Add("assigneeId", WorkflowVariables.Value(assignee))
                .Add("excluded", WorkflowVariables.Strings(excluded))
                .Add("dueAt", WorkflowVariables.Value(dueAt)));
            ScheduleDue(task.Id, visit, dueAt.Value);
            return null;
        }

        private Accepted Fault(string reason)
        {
            // The looping step stays current so an operator can see where it spun.
            _state = _state with { Status = InstanceStatus.Faulted };
            History(HistoryKinds.InstanceFaulted, _state.CurrentStep, comment: reason);
            _commands.Add(new Faulted(reason));
            return new Accepted(_state, _commands.ToImmutable());
        }
    }
}
