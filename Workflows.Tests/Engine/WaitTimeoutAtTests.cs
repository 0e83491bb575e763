using System.Collections.Immutable;
using System.Text.Json;
using Workflows.Definitions.Engine;

namespace Workflows.Tests.Engine;

/// <summary>A wait step's <c>timeoutAt</c>: a deadline held in a variable, kept when the step is entered again.</summary>
public class WaitTimeoutAtTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.FromHours(8));
    private static readonly DateTimeOffset Deadline = new(2026, 5, 31, 9, 0, 0, TimeSpan.FromHours(8));

    private static readonly WorkflowDesign Design = DesignLoader.Load(TestDesigns.AllKindsWith(d =>
    {
        var wait = d.Step("waitSeat");
        wait.Remove("timeout");
        wait["timeoutAt"] = "waitUntil";
    }), "timeout-at.json", TestDesigns.Catalog);

    private static Accepted Accept(EngineResult result) =>
        result as Accepted ?? throw new Xunit.Sdk.XunitException($"Expected Accepted, got {result}");

    private static EngineResult WalkToWait(ImmutableDictionary<string, JsonElement> variables)
    {
        var state = Accept(WorkflowEngine.Start(Design, new StartRequest("subject-1", "subject-1", variables, "Applicant"), Now)).State;
        state = Accept(WorkflowEngine.Handle(Design, state, new ActivityCompleted("check", state.StepVisit, "ok", null), Now)).State;
        state = Accept(WorkflowEngine.Handle(Design, state, new TaskCompleted("review", state.StepVisit, "approve", "boss", null, null, null), Now)).State;
        return WorkflowEngine.Handle(Design, state, new TaskCompleted("confirm", state.StepVisit, "accept", "counterpart-1", null, null, null), Now);
    }

    [Fact]
    public void Wait_SchedulesItsTimeout_AtTheTimeInTheVariable()
    {
        var wait = Accept(WalkToWait(WorkflowVariables.Of(("counterpartId", "counterpart-1"), ("decisionDeadline", Now.AddDays(9)), ("waitUntil", Deadline))));

        Assert.Equal("waitSeat", wait.State.CurrentStep);
        Assert.Contains(new ScheduleTimer("waitSeat", wait.State.StepVisit, TimerKind.WaitTimeout, Deadline), wait.Commands);
        Assert.Contains("waitUntil", Design.ProtectedVariables);
    }

    [Fact]
    public void Wait_IsRefused_WhenTheVariableHoldsNoTimestamp()
    {
        var result = WalkToWait(WorkflowVariables.Of(("counterpartId", "counterpart-1"), ("decisionDeadline", Now.AddDays(9))));

        Assert.Equal(RejectionCode.MissingVariable, Assert.IsType<Rejected>(result).Code);
    }

    [Fact]
    public void Load_Fails_WhenBothTimeoutAndTimeoutAtAreSet()
    {
        var ex = Assert.Throws<DesignValidationException>(() => DesignLoader.Load(
            TestDesigns.AllKindsWith(d => d.Step("waitSeat")["timeoutAt"] = "waitUntil"), "both.json", TestDesigns.Catalog));

        Assert.Contains("both timeout and timeoutAt", ex.Message, StringComparison.Ordinal);
    }
}
