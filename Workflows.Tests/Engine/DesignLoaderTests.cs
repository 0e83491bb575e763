using System.Text.Json.Nodes;
using Workflows.Definitions.Engine;

namespace Workflows.Tests.Engine;

public class DesignLoaderTests
{
    private const string File = "broken.json";

    private static DesignValidationException LoadFails(Action<JsonObject> change) =>
        Assert.Throws<DesignValidationException>(() => DesignLoader.Load(TestDesigns.AllKindsWith(change), File, TestDesigns.Catalog));

    private static void AssertNames(DesignValidationException ex, string step, string problem)
    {
        Assert.Contains(File, ex.Message, StringComparison.Ordinal);
        Assert.Contains($"step '{step}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
        Assert.Contains(ex.Problems, p => p.FileName == File && p.Step == step && p.Problem.Contains(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_ReadsEveryStepKind_FromTheTestDesign()
    {
        var design = TestDesigns.AllKinds;

        Assert.Equal(("test.all-kinds", 1, "test", "check"), (design.Name, design.Version, design.Type, design.Start));
        Assert.IsType<AutoStep>(design.Step("check"));
        var review = Assert.IsType<TaskStep>(design.Step("review"));
        Assert.Equal(new AssignmentRule("Supervisor", "subjectGroup", null), review.Assign);
        Assert.Equal(new IsoDuration(0, 0, 3, TimeSpan.Zero), review.Due);
        Assert.True(review.Actions["reject"].CommentRequired);
        Assert.Equal(["amount"], ((TaskStep)design.Step("escalate")).Actions["reduce"].Requires);
        Assert.Equal("Person", ((TaskStep)design.Step("confirm")).RoleLabel);
        Assert.Equal("Manager", ((TaskStep)design.Step("escalate")).RoleLabel);
        Assert.Equal(new WaitStep("waitSeat", "seat.vacated", "appoint", new IsoDuration(0, 0, 90, TimeSpan.Zero), "expired"), design.Step("waitSeat"));
        Assert.Equal(new EndStep("expired", "Expired", InstanceStatus.Cancelled), design.Step("expired"));
        Assert.Equal(InstanceStatus.Completed, ((EndStep)design.Step("approved")).Status);
    }

    [Fact]
    public void Load_ProtectsVariablesThatDecideWhoActs()
    {
        Assert.Equal(
            ["counterpartId", "decisionDeadline", "nominatorId", "startedBy", "subject"],
            TestDesigns.AllKinds.ProtectedVariables.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Load_Fails_WhenActivityUnknown()
    {
        var ex = LoadFails(d => d.Step("check")["activity"] = "test.nonexistent");

        AssertNames(ex, "check", "unknown activity 'test.nonexistent'");
    }

    [Fact]
    public void Load_Fails_WhenAutoTransitionsMissAnOutcome()
    {
        var ex = LoadFails(d => d.Step("check")["transitions"]!.AsObject().Remove("fail"));

        AssertNames(ex, "check", "outcome 'fail' of activity 'test.check' has no transition");
    }

    [Fact]
    public void Load_Fails_WhenAutoTransitionNamesAnUnknownOutcome()
    {
        var ex = LoadFails(d => d.Step("check")["transitions"]!["maybe"] = "review");

        AssertNames(ex, "check", "transition 'maybe' is not an outcome of activity 'test.check'");
    }

    [Theory]
    [InlineData("action", "review", "action 'approve' goes to missing step 'nowhere'")]
    [InlineData("onDue", "review", "onDue goes to missing step 'nowhere'")]
    [InlineData("onSignal", "waitSeat", "onSignal goes to missing step 'nowhere'")]
    [InlineData("onTimeout", "waitSeat", "onTimeout goes to missing step 'nowhere'")]
    [InlineData("transition", "check", "transition 'ok' goes to missing step 'nowhere'")]
    public void Load_Fails_WhenTransitionGoesToMissingStep(string via, string step, string problem)
    {
        var ex = LoadFails(d =>
        {
            var node = d.Step(step);
            switch (via)
            {
                case "action":
                    node["actions"]!["approve"]!["to"] = "nowhere";
                    break;
                case "transition":
                    node["transitions"]!["ok"] = "nowhere";
                    break;
                default:
                    node[via] = "nowhere";
                    break;
            }
        });

        AssertNames(ex, step, problem);
    }

    [Fact]
    public void Load_Fails_WhenStartGoesToMissingStep()
    {
        var ex = LoadFails(d => d["start"] = "nowhere");

        Assert.Contains($"{File}: start goes to missing step 'nowhere'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Fails_WhenStepUnreachable()
    {
        var ex = LoadFails(d => d["steps"]!["orphan"] = new JsonObject { ["kind"] = "end", ["outcome"] = "Never" });

        AssertNames(ex, "orphan", "step is not reachable from the start step 'check'");
    }

    [Fact]
    public void Load_Fails_WhenTaskHasNoAssignment()
    {
        var ex = LoadFails(d => d.Step("review").Remove("assign"));

        AssertNames(ex, "review", "task has no assignment rule");
    }

    [Fact]
    public void Load_Fails_WhenAssignmentNamesNeitherRoleNorPerson()
    {
        var ex = LoadFails(d => d.Step("review")["assign"] = new JsonObject { ["scope"] = "subjectGroup" });

        AssertNames(ex, "review", "task has no assignment rule: 'assign' names neither a role nor a person");
    }

    [Fact]
    public void Load_Fails_WhenActionHasNoTransition()
    {
        var ex = LoadFails(d => d.Step("review")["actions"]!["reject"]!.AsObject().Remove("to"));

        AssertNames(ex, "review", "action 'reject' has no transition ('to')");
    }

    [Fact]
    public void Load_Fails_WhenTaskHasNoActions()
    {
        var ex = LoadFails(d => d.Step("amendment")["actions"] = new JsonObject());

        AssertNames(ex, "amendment", "task has no actions");
    }

    [Fact]
    public void Load_Fails_WhenActionNameUnknown()
    {
        var ex = LoadFails(d => d.Step("review")["actions"]!["shrug"] = new JsonObject { ["to"] = "rejected" });

        AssertNames(ex, "review", "unknown action 'shrug'");
    }

    [Fact]
    public void Load_Fails_WhenDueHasNoOnDue()
    {
        var ex = LoadFails(d => d.Step("review").Remove("onDue"));

        AssertNames(ex, "review", "due/dueAt is set but onDue");
    }

    [Fact]
    public void Load_Fails_WhenEndHasNoOutcome()
    {
        var ex = LoadFails(d => d.Step("approved").Remove("outcome"));

        AssertNames(ex, "approved", "end step has no outcome");
    }

    [Fact]
    public void Load_Fails_WhenSchemaViolated()
    {
        var ex = LoadFails(d => d.Step("waitSeat")["timeout"] = "90 days");

        AssertNames(ex, "waitSeat", "schema:");
        Assert.Contains("/steps/waitSeat/timeout", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Fails_WhenStepKindUnknown()
    {
        var ex = LoadFails(d => d.Step("check")["kind"] = "magic");

        AssertNames(ex, "check", "schema:");
    }

    [Fact]
    public void Load_Fails_WithOneProblem_WhenStepHasNoKind()
    {
        var ex = LoadFails(d => d.Step("approved").Remove("kind"));

        var problem = Assert.Single(ex.Problems);
        Assert.Equal("approved", problem.Step);
        Assert.Contains("\"kind\"", problem.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Fails_WhenStepHasAMisspelledProperty()
    {
        var ex = LoadFails(d => d.Step("review")["onDeu"] = "escalate");

        AssertNames(ex, "review", "schema: unknown property 'onDeu'");
    }

    [Fact]
    public void Load_Fails_WhenJsonIsMalformed()
    {
        var ex = Assert.Throws<DesignValidationException>(() => DesignLoader.Load("{ \"name\": ", File, TestDesigns.Catalog));

        Assert.StartsWith($"Invalid workflow design {File}: not valid JSON", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ReportsEveryProblem_NotJustTheFirst()
    {
        var ex = LoadFails(d =>
        {
            d.Step("check")["activity"] = "test.nonexistent";
            d.Step("amendment").Remove("assign");
            d.Step("confirm")["actions"]!["decline"]!["to"] = "nowhere";
        });

        Assert.Equal(3, ex.Problems.Count);
        Assert.Contains("3 problems", ex.Message, StringComparison.Ordinal);
        Assert.Equal(["amendment", "check", "confirm"], ex.Problems.Select(p => p.Step).Order(StringComparer.Ordinal));
        TestContext.Current.SendDiagnosticMessage(ex.Message);
    }
}

/// <summary>The optional design-level <c>onWithdraw</c> activity (used by the penalty dispute to put its violation back).</summary>
public class DesignLoaderOnWithdrawTests
{
    [Fact]
    public void Load_ReadsOnWithdraw_WhenItNamesAKnownActivity()
    {
        var activity = TestDesigns.Catalog.Names.First();
        var design = DesignLoader.Load(TestDesigns.AllKindsWith(d => d["onWithdraw"] = activity), "hook.json", TestDesigns.Catalog);

        Assert.Equal(activity, design.OnWithdraw);
        Assert.Null(TestDesigns.AllKinds.OnWithdraw);
    }

    [Fact]
    public void Load_Fails_WhenOnWithdrawNamesAnUnknownActivity()
    {
        var ex = Assert.Throws<DesignValidationException>(() =>
            DesignLoader.Load(TestDesigns.AllKindsWith(d => d["onWithdraw"] = "test.nonexistent"), "hook.json", TestDesigns.Catalog));

        Assert.Contains(ex.Problems, p => p.FileName == "hook.json" && p.Step is null && p.Problem.Contains("onWithdraw names unknown activity 'test.nonexistent'", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_Fails_WhenOnWithdrawIsNotAString()
    {
        var ex = Assert.Throws<DesignValidationException>(() =>
            DesignLoader.Load(TestDesigns.AllKindsWith(d => d["onWithdraw"] = 3), "hook.json", TestDesigns.Catalog));

        Assert.Contains(ex.Problems, p => p.Problem.Contains("schema", StringComparison.Ordinal));
    }
}
