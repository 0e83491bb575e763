using System.Collections.Immutable;
using System.Text.Json;
using Workflows.Definitions.Engine;

namespace Workflows.Tests.Engine;

public class WorkflowEngineTests
{
    private const string Subject = "emp-subject";
    private const string Nominator = "emp-nominator";
    private const string Supervisor = "emp-supervisor";
    private const string Manager = "emp-manager";
    private const string Counterpart = "emp-counterpart";

    private static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.FromHours(8));
    private static readonly DateTimeOffset Deadline = new(2026, 3, 20, 18, 0, 0, TimeSpan.FromHours(8));

    private static WorkflowDesign Design => TestDesigns.AllKinds;

    private static StartRequest Request(ImmutableDictionary<string, JsonElement>? variables = null) => new(
        Subject,
        Nominator,
        variables ?? WorkflowVariables.Of(("nominatorId", Nominator), ("counterpartId", Counterpart), ("decisionDeadline", Deadline)),
        "GroupLeader");

    private static Accepted Accept(EngineResult result) =>
        result as Accepted ?? throw new Xunit.Sdk.XunitException($"Expected Accepted, got {result}");

    private static Rejected Reject(EngineResult result, RejectionCode code)
    {
        var rejected = Assert.IsType<Rejected>(result);
        Assert.Equal(code, rejected.Code);
        return rejected;
    }

    private static Accepted Handle(InstanceState state, EngineInput input, DateTimeOffset? at = null) =>
        Accept(WorkflowEngine.Handle(Design, state, input, at ?? Now));

    private static Accepted Start(StartRequest? request = null) => Accept(WorkflowEngine.Start(Design, request ?? Request(), Now));

    /// <summary>Start, and let the eligibility check pass: the review task is open.</summary>
    private static Accepted AtReview(StartRequest? request = null)
    {
        var started = Start(request);
        var run = started.PendingActivity!;
        return Handle(started.State, new ActivityCompleted(run.Step, run.Visit, "ok"));
    }

    private static TaskCompleted Decide(InstanceState state, string action, string actor, string? comment = null, ImmutableDictionary<string, JsonElement>? data = null) =>
        new(state.CurrentStep!, state.StepVisit, action, actor, null, comment, data);

    private static Accepted AtWaitSeat()
    {
        var confirm = Handle(AtReview().State, Decide(AtReview().State, "approve", Supervisor));
        return Handle(confirm.State, Decide(confirm.State, "accept", Counterpart));
    }

    private static IEnumerable<string> Kinds(Accepted accepted) => accepted.Commands.OfType<AppendHistory>().Select(h => h.Kind);

    // ---- start and auto steps

    [Fact]
    public void Start_RunsTheStartActivity_AndStaysInTheAutoStep()
    {
        var started = Start();

        Assert.Equal(InstanceStatus.Running, started.State.Status);
        Assert.Equal(("check", 1), (started.State.CurrentStep, started.State.StepVisit));
        Assert.Equal(new RunActivity("check", 1, "test.check"), started.PendingActivity);
        Assert.Equal([HistoryKinds.InstanceStarted, HistoryKinds.StepEntered], Kinds(started));
        var history = started.Commands.OfType<AppendHistory>().First();
        Assert.Equal((Nominator, "GroupLeader"), (history.ActorId, history.ActingRole));
    }

    [Fact]
    public void Start_RecordsSubjectAndStarter_AsReadOnlyVariables()
    {
        var state = Start(Request(WorkflowVariables.Of(("subject", "someone-else")))).State;

        Assert.Equal(Subject, state.Form.GetString(WorkflowVariables.Subject));
        Assert.Equal(Nominator, state.Form.GetString(WorkflowVariables.StartedBy));
        Assert.Equal(Subject, state.GetString(WorkflowVariables.Subject));
        Assert.Equal((Subject, Nominator), (state.SubjectId, state.StartedBy));
    }

    [Fact]
    public void ActivityCompleted_FollowsTheOutcomeTransition_AndCreatesTheTask()
    {
        var review = AtReview();

        Assert.Equal(("review", 2), (review.State.CurrentStep, review.State.StepVisit));
        Assert.Null(review.PendingActivity);
        var task = Assert.Single(review.Commands.OfType<CreateTask>());
        Assert.Equal(("review", 2, "Supervisor reviews", "Supervisor"), (task.Step, task.Visit, task.Title, task.RoleLabel));
        Assert.Equal(new AssignmentRule("Supervisor", "subjectGroup", null), task.Assign);
        Assert.Null(task.AssigneeId);
        Assert.Equal(["approve", "reject", "return"], task.Actions.Select(a => a.Name));
        Assert.Equal(Now.AddDays(3), task.DueAt);
        Assert.Contains(new ScheduleTimer("review", 2, TimerKind.TaskDue, Now.AddDays(3)), review.Commands);
        Assert.Contains(HistoryKinds.ActivityCompleted, Kinds(review));
        Assert.Contains(HistoryKinds.TaskCreated, Kinds(review));
    }

    [Fact]
    public void CreateTask_ExcludesSubjectAndNominator()
    {
        var task = AtReview().Commands.OfType<CreateTask>().Single();

        Assert.Equal([Subject, Nominator], task.ExcludedPersonIds);
    }

    [Fact]
    public void ActivityCompleted_EndsTheInstance_WhenOutcomeLeadsToAnEnd()
    {
        var started = Start();

        var ended = Handle(started.State, new ActivityCompleted("check", 1, "fail"));

        Assert.Equal((InstanceStatus.Completed, "Rejected", (string?)null), (ended.State.Status, ended.State.Outcome, ended.State.CurrentStep));
        Assert.Equal(new Completed(InstanceStatus.Completed, "Rejected"), ended.Commands[^1]);
        Assert.Equal(HistoryKinds.InstanceCompleted, Kinds(ended).Last());
    }

    [Fact]
    public void ActivityCompleted_MergesItsVariables()
    {
        var started = Start();

        var review = Handle(started.State, new ActivityCompleted("check", 1, "ok", WorkflowVariables.Of(("eligibleSince", "2025-09-01"))));

        Assert.Equal("2025-09-01", review.State.Variables.GetString("eligibleSince"));
    }

    [Fact]
    public void ActivityCompleted_IsRejected_WhenOutcomeHasNoTransition()
    {
        var started = Start();

        var rejected = Reject(WorkflowEngine.Handle(Design, started.State, new ActivityCompleted("check", 1, "maybe"), Now), RejectionCode.UnknownOutcome);

        Assert.Equal(409, Workflows.Host.Runtime.RunResult.StatusOf(rejected.Code));
    }

    [Fact]
    public void ActivityCompleted_IsStale_ForAnEarlierVisit()
    {
        var started = Start();

        Reject(WorkflowEngine.Handle(Design, started.State, new ActivityCompleted("check", 0, "ok"), Now), RejectionCode.StaleVisit);
    }

    // ---- tasks

    [Fact]
    public void Complete_MovesToNextStep_WhenActionAllowed()
    {
        var review = AtReview();

        var confirm = Handle(review.State, Decide(review.State, "approve", Supervisor, "well deserved"));

        Assert.Equal(("confirm", 3), (confirm.State.CurrentStep, confirm.State.StepVisit));
        Assert.Equal(new CancelOpenTasks($"approve by {Supervisor}"), confirm.Commands.OfType<CancelOpenTasks>().Single());
        Assert.Single(confirm.Commands.OfType<CancelTimers>());
        var completed = confirm.Commands.OfType<AppendHistory>().First();
        Assert.Equal(
            (HistoryKinds.TaskCompleted, "review", Supervisor, "Supervisor", "approve", "well deserved"),
            (completed.Kind, completed.Step, completed.ActorId, completed.ActingRole, completed.Action, completed.Comment));
    }

    [Fact]
    public void Complete_AssignsTheNextTask_ToThePersonInTheVariable()
    {
        var review = AtReview();

        var task = Handle(review.State, Decide(review.State, "approve", Supervisor)).Commands.OfType<CreateTask>().Single();

        Assert.Equal(("confirm", Counterpart, "Person"), (task.Step, task.AssigneeId, task.RoleLabel));
        Assert.Equal(WorkflowEngine.AddWorkingDays(Now, TaskStep.DefaultDueWorkingDays), task.DueAt);
    }

    [Fact]
    public void Complete_RecordsTheActingRoleGiven_OverTheStepsLabel()
    {
        var review = AtReview();

        var result = Handle(review.State, Decide(review.State, "approve", Manager) with { ActingRole = "Manager" });

        Assert.Equal("Manager", result.Commands.OfType<AppendHistory>().First().ActingRole);
    }

    [Fact]
    public void Complete_IsRejected_WhenActionNotOffered()
    {
        var review = AtReview();

        var rejected = Reject(WorkflowEngine.Handle(Design, review.State, Decide(review.State, "waive", Supervisor), Now), RejectionCode.UnknownAction);

        Assert.Contains("approve, reject, return", rejected.Message, StringComparison.Ordinal);
        Assert.Equal(422, Workflows.Host.Runtime.RunResult.StatusOf(rejected.Code));
    }

    [Fact]
    public void Complete_RequiresAComment_WhenTheActionSaysSo()
    {
        var review = AtReview();

        Reject(WorkflowEngine.Handle(Design, review.State, Decide(review.State, "reject", Supervisor, "  "), Now), RejectionCode.CommentRequired);
        var ended = Handle(review.State, Decide(review.State, "reject", Supervisor, "two violations this quarter"));

        Assert.Equal((InstanceStatus.Completed, "Rejected"), (ended.State.Status, ended.State.Outcome));
    }

    [Fact]
    public void Complete_RequiresData_WhenTheActionListsFields()
    {
        var escalate = Handle(AtReview().State, new TimerFired("review", 2, TimerKind.TaskDue));

        var rejected = Reject(
            WorkflowEngine.Handle(Design, escalate.State, Decide(escalate.State, "reduce", Manager, data: WorkflowVariables.Of(("amount", ""))), Now),
            RejectionCode.MissingData);
        var reduced = Handle(escalate.State, Decide(escalate.State, "reduce", Manager, data: WorkflowVariables.Of(("amount", 50))));

        Assert.Equal(["amount"], rejected.MissingFields);
        Assert.Equal("Reduced", reduced.State.Outcome);
        Assert.Equal(50, reduced.State.Variables["amount"].GetInt32());
    }

    [Fact]
    public void Complete_KeepsTheDecision_UnderDecisionDotStep()
    {
        var review = AtReview();

        var state = Handle(review.State, Decide(review.State, "approve", Supervisor, "ok", WorkflowVariables.Of(("note", "x")))).State;

        var decision = state.Variables["decision.review"];
        Assert.Equal("approve", decision.GetProperty("action").GetString());
        Assert.Equal(Supervisor, decision.GetProperty("actorId").GetString());
        Assert.Equal("Supervisor", decision.GetProperty("actingRole").GetString());
        Assert.Equal("x", decision.GetProperty("data").GetProperty("note").GetString());
        Assert.Equal("x", state.Variables.GetString("note"));
    }

    [Fact]
    public void Complete_WritesTheDecision_AsTheSerializerWould()
    {
        // The decision is written by hand for speed; it must stay the JSON the serializer wrote before (web conventions,
        // nulls kept, the default escaping of non-ASCII text, the instant in ISO 8601 with its offset). Data values are
        // copied as the JSON they were parsed from (WorkflowVariables.WriteObject); these were written by the serializer.
        var review = AtReview();
        var data = WorkflowVariables.Of(("note", "同意 \"ok\""), ("months", 6), ("none", null));

        var decision = Handle(review.State, Decide(review.State, "approve", Supervisor, "同意", data)).State.Variables["decision.review"];
        var noComment = Handle(review.State, Decide(review.State, "approve", Supervisor)).State.Variables["decision.review"];

        Assert.Equal(
            JsonSerializer.Serialize(new { action = "approve", actorId = Supervisor, actingRole = "Supervisor", comment = "同意", at = Now, data }, JsonSerializerOptions.Web),
            decision.GetRawText());
        Assert.Equal(
            JsonSerializer.Serialize(new { action = "approve", actorId = Supervisor, actingRole = "Supervisor", comment = (string?)null, at = Now, data = WorkflowVariables.Empty }, JsonSerializerOptions.Web),
            noComment.GetRawText());
    }

    [Theory]
    [InlineData(Subject)]
    [InlineData(Nominator)]
    public void Complete_IsForbidden_ForExcludedPersons(string actor)
    {
        var review = AtReview();

        var rejected = Reject(WorkflowEngine.Handle(Design, review.State, Decide(review.State, "approve", actor), Now), RejectionCode.ActorExcluded);

        Assert.Equal(403, Workflows.Host.Runtime.RunResult.StatusOf(rejected.Code));
    }

    [Fact]
    public void Complete_IsRejected_WhenDataWouldOverwriteWhoMayAct()
    {
        var review = AtReview();

        Reject(
            WorkflowEngine.Handle(Design, review.State, Decide(review.State, "approve", Supervisor, data: WorkflowVariables.Of(("counterpartId", Supervisor))), Now),
            RejectionCode.ProtectedVariable);
    }

    private static StartRequest FiledWithStatement() => Request(WorkflowVariables.Of(
        ("nominatorId", Nominator), ("counterpartId", Counterpart), ("decisionDeadline", Deadline), ("statement", "as filed")));

    [Fact]
    public void Complete_IsRejected_WhenDataWouldOverwriteTheFormAsFiled()
    {
        var review = AtReview(FiledWithStatement());
        Assert.DoesNotContain("statement", Design.ProtectedVariables);

        Reject(
            WorkflowEngine.Handle(Design, review.State, Decide(review.State, "approve", Supervisor, data: WorkflowVariables.Of(("statement", "changed"))), Now),
            RejectionCode.ProtectedVariable);
    }

    [Fact]
    public void StartVariables_AreTheForm_KeptApartFromWhatLaterStepsAdd()
    {
        var review = AtReview(FiledWithStatement());
        var decided = Handle(review.State, Decide(review.State, "approve", Supervisor, data: WorkflowVariables.Of(("note", "ok"))));

        Assert.Equal("as filed", decided.State.Form.GetString("statement"));
        Assert.Equal(Subject, decided.State.Form.GetString("subject"));
        Assert.False(decided.State.Variables.ContainsKey("statement"));
        Assert.Equal("ok", decided.State.GetString("note"));
        Assert.Equal("as filed", decided.State.GetString("statement"));
        // A trusted activity's output of the same name does not shadow the form either.
        var shadowed = decided.State with { Variables = decided.State.Variables.SetItem("statement", WorkflowVariables.Value("changed")) };
        Assert.Equal("as filed", shadowed.GetString("statement"));
    }

    [Fact]
    public void Complete_IsRejected_WhenStepIsNotCurrent()
    {
        var review = AtReview();

        var rejected = Reject(
            WorkflowEngine.Handle(Design, review.State, new TaskCompleted("confirm", 2, "accept", Counterpart, null, null), Now),
            RejectionCode.NotCurrentStep);

        Assert.Equal(409, Workflows.Host.Runtime.RunResult.StatusOf(rejected.Code));
    }

    [Fact]
    public void Return_ThenResubmit_RunsTheCheckAgain_AndOldTasksAreStale()
    {
        var review = AtReview();
        var amend = Handle(review.State, Decide(review.State, "return", Supervisor, "attach the training record"));
        var amendTask = amend.Commands.OfType<CreateTask>().Single();

        // The subject may act on a task assigned to the subject, and only there.
        Assert.Equal((Subject, "amendment"), (amendTask.AssigneeId, amendTask.Step));
        Assert.Empty(amendTask.ExcludedPersonIds);

        var check = Handle(amend.State, Decide(amend.State, "resubmit", Subject));
        Assert.Equal(new RunActivity("check", 4, "test.check"), check.PendingActivity);

        var reviewAgain = Handle(check.State, new ActivityCompleted("check", 4, "ok"));
        Assert.Equal(("review", 5), (reviewAgain.State.CurrentStep, reviewAgain.State.StepVisit));

        // A second click on the first review task, or its due timer, must not act on the new visit.
        Reject(WorkflowEngine.Handle(Design, reviewAgain.State, Decide(review.State, "approve", Supervisor), Now), RejectionCode.StaleVisit);
        Reject(WorkflowEngine.Handle(Design, reviewAgain.State, new TimerFired("review", 2, TimerKind.TaskDue), Now), RejectionCode.StaleVisit);
    }

    [Fact]
    public void Resubmit_ChangesTheFormsFreeTextFields_AndNothingElseOfTheForm()
    {
        var review = AtReview(FiledWithStatement());
        var amend = Handle(review.State, Decide(review.State, "return", Supervisor, "say more"));

        var resubmitted = Handle(amend.State, Decide(amend.State, "resubmit", Subject, data: WorkflowVariables.Of(("statement", "said more"), ("justification", "why"))));
        Assert.Equal("said more", resubmitted.State.Form.GetString("statement"));
        Assert.Equal("why", resubmitted.State.Form.GetString("justification"));
        Assert.False(resubmitted.State.Variables.ContainsKey("statement"));
        Assert.Equal(Counterpart, resubmitted.State.Form.GetString("counterpartId"));

        // Not through a resubmission, and not the fields that say who or what: refused.
        Reject(WorkflowEngine.Handle(Design, amend.State, Decide(amend.State, "resubmit", Subject, data: WorkflowVariables.Of(("startedBy", Supervisor))), Now), RejectionCode.ProtectedVariable);
        Reject(WorkflowEngine.Handle(Design, amend.State, Decide(amend.State, "resubmit", Subject, data: WorkflowVariables.Of(("counterpartId", Supervisor))), Now), RejectionCode.ProtectedVariable);
    }

    [Fact]
    public void Complete_IsRejected_WhenAssigneeVariableIsMissing()
    {
        var review = AtReview(Request(WorkflowVariables.Of(("nominatorId", Nominator))));

        var rejected = Reject(WorkflowEngine.Handle(Design, review.State, Decide(review.State, "approve", Supervisor), Now), RejectionCode.MissingVariable);

        Assert.Contains("counterpartId", rejected.Message, StringComparison.Ordinal);
    }

    // ---- due dates and escalation

    [Fact]
    public void TaskDue_Escalates_WhenFiredForTheCurrentVisit()
    {
        var review = AtReview();

        var escalate = Handle(review.State, new TimerFired("review", 2, TimerKind.TaskDue), Now.AddDays(3));

        Assert.Equal("escalate", escalate.State.CurrentStep);
        Assert.Equal(HistoryKinds.TaskDue, Kinds(escalate).First());
        Assert.Contains(new CancelOpenTasks("due"), escalate.Commands);
        var task = escalate.Commands.OfType<CreateTask>().Single();
        Assert.Equal(("Manager", Deadline), (task.RoleLabel, task.DueAt));
        Assert.Contains(new ScheduleTimer("escalate", 3, TimerKind.TaskDue, Deadline), escalate.Commands);
    }

    [Fact]
    public void TaskDue_Expires_WhenTheEscalationIsDueToo()
    {
        var escalate = Handle(AtReview().State, new TimerFired("review", 2, TimerKind.TaskDue));

        var expired = Handle(escalate.State, new TimerFired("escalate", 3, TimerKind.TaskDue), Deadline);

        Assert.Equal((InstanceStatus.Cancelled, "Expired"), (expired.State.Status, expired.State.Outcome));
    }

    [Fact]
    public void TaskDue_IsStale_WhenTheTaskWasAlreadyCompleted()
    {
        var review = AtReview();
        var confirm = Handle(review.State, Decide(review.State, "approve", Supervisor));

        Reject(WorkflowEngine.Handle(Design, confirm.State, new TimerFired("review", 2, TimerKind.TaskDue), Now), RejectionCode.StaleVisit);
    }

    [Fact]
    public void TaskDue_IsStale_WhenTheInstanceHasEnded()
    {
        var review = AtReview();
        var ended = Handle(review.State, Decide(review.State, "reject", Supervisor, "no"));

        Reject(WorkflowEngine.Handle(Design, ended.State, new TimerFired("review", 2, TimerKind.TaskDue), Now), RejectionCode.StaleVisit);
    }

    [Fact]
    public void DueAt_IsRejected_WhenItsVariableHoldsNoTimestamp()
    {
        var review = AtReview(Request(WorkflowVariables.Of(("decisionDeadline", "next friday"))));

        Reject(WorkflowEngine.Handle(Design, review.State, new TimerFired("review", 2, TimerKind.TaskDue), Now), RejectionCode.MissingVariable);
    }

    // ---- wait and signals

    [Fact]
    public void Wait_AwaitsTheSignal_WithATimeout()
    {
        var wait = AtWaitSeat();

        Assert.Equal(("waitSeat", 4), (wait.State.CurrentStep, wait.State.StepVisit));
        Assert.Contains(new AwaitSignal("waitSeat", 4, "seat.vacated"), wait.Commands);
        Assert.Contains(new ScheduleTimer("waitSeat", 4, TimerKind.WaitTimeout, Now.AddDays(90)), wait.Commands);
    }

    [Fact]
    public void Signal_MovesOn_WhenWaitingForIt_ThenTheEndCompletes()
    {
        var wait = AtWaitSeat();

        var appoint = Handle(wait.State, new SignalReceived("seat.vacated", WorkflowVariables.Of(("seatId", "G2-L"))));
        var approved = Handle(appoint.State, new ActivityCompleted("appoint", 5, "done"));

        Assert.Equal("G2-L", appoint.State.Variables.GetString("seatId"));
        Assert.Contains(new StopAwaitingSignal("seat.vacated"), appoint.Commands);
        Assert.Contains(new CancelTimers(), appoint.Commands);
        Assert.Equal(HistoryKinds.SignalReceived, Kinds(appoint).First());
        Assert.Equal(new RunActivity("appoint", 5, "test.appoint"), appoint.PendingActivity);
        Assert.Equal((InstanceStatus.Completed, "Approved", (string?)null), (approved.State.Status, approved.State.Outcome, approved.State.CurrentStep));
        Assert.Equal(new Completed(InstanceStatus.Completed, "Approved"), approved.Commands[^1]);
    }

    [Fact]
    public void Signal_IsIgnored_WhenNotWaiting()
    {
        var review = AtReview();

        Reject(WorkflowEngine.Handle(Design, review.State, new SignalReceived("seat.vacated"), Now), RejectionCode.SignalNotAwaited);
    }

    [Fact]
    public void Signal_IsIgnored_WhenWaitingForAnotherSignal()
    {
        var wait = AtWaitSeat();

        Reject(WorkflowEngine.Handle(Design, wait.State, new SignalReceived("roster.changed"), Now), RejectionCode.SignalNotAwaited);
    }

    [Fact]
    public void WaitTimeout_GoesToOnTimeout()
    {
        var wait = AtWaitSeat();

        var expired = Handle(wait.State, new TimerFired("waitSeat", 4, TimerKind.WaitTimeout), Now.AddDays(90));

        Assert.Equal((InstanceStatus.Cancelled, "Expired"), (expired.State.Status, expired.State.Outcome));
        Assert.Contains(new StopAwaitingSignal("seat.vacated"), expired.Commands);
        Assert.Equal(HistoryKinds.TimerFired, Kinds(expired).First());
    }

    [Fact]
    public void WaitTimeout_IsStale_AfterTheSignalArrived()
    {
        var wait = AtWaitSeat();
        var appoint = Handle(wait.State, new SignalReceived("seat.vacated"));

        Reject(WorkflowEngine.Handle(Design, appoint.State, new TimerFired("waitSeat", 4, TimerKind.WaitTimeout), Now), RejectionCode.StaleVisit);
    }

    [Fact]
    public void Timer_IsStale_WhenItsKindDoesNotMatchTheStep()
    {
        var wait = AtWaitSeat();

        Reject(WorkflowEngine.Handle(Design, wait.State, new TimerFired("waitSeat", 4, TimerKind.TaskDue), Now), RejectionCode.StaleVisit);
    }

    // ---- withdraw

    [Fact]
    public void Withdraw_CancelsTaskAndTimer_AndEndsCancelled()
    {
        var review = AtReview();

        var withdrawn = Handle(review.State, new Withdraw(Nominator, "changed my mind"));

        Assert.Equal((InstanceStatus.Cancelled, "Withdrawn", (string?)null), (withdrawn.State.Status, withdrawn.State.Outcome, withdrawn.State.CurrentStep));
        Assert.Equal(
            [typeof(AppendHistory), typeof(CancelOpenTasks), typeof(CancelTimers), typeof(AppendHistory), typeof(Completed)],
            withdrawn.Commands.Select(c => c.GetType()));
        var history = withdrawn.Commands.OfType<AppendHistory>().First();
        Assert.Equal((HistoryKinds.InstanceWithdrawn, Nominator, "changed my mind"), (history.Kind, history.ActorId, history.Comment));
        Assert.Equal(new Completed(InstanceStatus.Cancelled, "Withdrawn"), withdrawn.Commands[^1]);
    }

    [Fact]
    public void Withdraw_StopsWaitingForTheSignal()
    {
        var withdrawn = Handle(AtWaitSeat().State, new Withdraw(Nominator, null));

        Assert.Contains(new StopAwaitingSignal("seat.vacated"), withdrawn.Commands);
    }

    [Fact]
    public void Inputs_AreRejected_AfterTheInstanceEnded()
    {
        var review = AtReview();
        var withdrawn = Handle(review.State, new Withdraw(Nominator, null));

        Reject(WorkflowEngine.Handle(Design, withdrawn.State, new Withdraw(Nominator, null), Now), RejectionCode.NotRunning);
        Reject(WorkflowEngine.Handle(Design, withdrawn.State, Decide(review.State, "approve", Supervisor), Now), RejectionCode.NotRunning);
        Reject(WorkflowEngine.Handle(Design, withdrawn.State, new SignalReceived("seat.vacated"), Now), RejectionCode.NotRunning);
    }

    // ---- loops

    [Fact]
    public void AutoLoop_Faults_AfterMaxConsecutiveAutoSteps()
    {
        EngineResult result = WorkflowEngine.Start(TestDesigns.PingPong, Request(WorkflowVariables.Empty), Now);
        var activitiesRun = 0;
        while (result.PendingActivity is { } run && activitiesRun < 1000)
        {
            activitiesRun++;
            result = WorkflowEngine.Handle(TestDesigns.PingPong, Accept(result).State, new ActivityCompleted(run.Step, run.Visit, "again"), Now);
        }

        var faulted = Accept(result);
        Assert.Equal(WorkflowEngine.MaxConsecutiveAutoSteps, activitiesRun);
        Assert.Equal(InstanceStatus.Faulted, faulted.State.Status);
        Assert.IsType<Faulted>(faulted.Commands[^1]);
        Assert.Contains(HistoryKinds.InstanceFaulted, Kinds(faulted));
    }

    [Fact]
    public void AutoLoopCounter_Resets_WhenAPersonActs()
    {
        var review = AtReview();
        var amend = Handle(review.State, Decide(review.State, "return", Supervisor));
        Assert.Equal(1, review.State.ConsecutiveAutoSteps);

        var check = Handle(amend.State, Decide(amend.State, "resubmit", Subject));

        Assert.Equal(1, check.State.ConsecutiveAutoSteps);
    }

    [Fact]
    public void Handle_Throws_WhenTheStateIsFromAnotherDesign()
    {
        var review = AtReview();

        Assert.Throws<ArgumentException>(() => WorkflowEngine.Handle(TestDesigns.PingPong, review.State, new Withdraw(Nominator, null), Now));
    }

    // ---- serialization

    [Fact]
    public void StateAndCommands_RoundTripThroughJson()
    {
        var review = AtReview();

        var state = JsonSerializer.Deserialize<InstanceState>(JsonSerializer.Serialize(review.State, JsonSerializerOptions.Web), JsonSerializerOptions.Web)!;
        var commandsJson = JsonSerializer.Serialize(review.Commands, JsonSerializerOptions.Web);
        var commands = JsonSerializer.Deserialize<ImmutableArray<EngineCommand>>(commandsJson, JsonSerializerOptions.Web);

        // The round-tripped state drives the engine exactly like the original.
        var next = Handle(state, Decide(state, "approve", Supervisor));
        Assert.Equal("confirm", next.State.CurrentStep);
        Assert.Equal(review.Commands.OfType<CreateTask>().Single().DueAt, commands.OfType<CreateTask>().Single().DueAt);
        Assert.Contains("\"command\":\"createTask\"", commandsJson, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"Running\"", JsonSerializer.Serialize(review.State, JsonSerializerOptions.Web), StringComparison.Ordinal);
    }
}
