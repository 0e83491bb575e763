using System.Collections.Immutable;
using System.Text.Json;
using Json.Schema;

namespace Workflows.Definitions.Engine;

/// <summary>
/// Turns a design file into a <see cref="WorkflowDesign"/>: first the JSON Schema (shape and types), then the
/// meaning (activities, transitions, reachability, assignments). Every problem is collected before throwing.
/// </summary>
public static class DesignLoader
{
    // Built once: JsonSchema.Net keeps built schemas in a registry, and building is the expensive part.
    private static readonly Lazy<JsonSchema> Schema = new(LoadSchema);

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        // Designs are written by hand; comments help explain why a step exists.
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <exception cref="DesignValidationException">The design is not valid; the message names file, step and problem.</exception>
    public static WorkflowDesign Load(string json, string fileName, ActivityCatalog catalog)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw new DesignValidationException([new DesignProblem(fileName, null, $"not valid JSON: {ex.Message}")]);
        }

        using (document)
        {
            var root = document.RootElement;
            var schemaProblems = CheckSchema(root, fileName);
            if (schemaProblems.Count > 0)
            {
                // The semantic checks assume the shape is right; reporting them too would only add noise.
                throw new DesignValidationException(schemaProblems);
            }

            var reader = new DesignReader(fileName, catalog);
            var design = reader.Read(root);
            return reader.Problems.Count > 0 ? throw new DesignValidationException(reader.Problems) : design;
        }
    }

    private static JsonSchema LoadSchema()
    {
        using var stream = typeof(DesignLoader).Assembly.GetManifestResourceStream("Workflows.Definitions.Engine.design.schema.json")
            ?? throw new InvalidOperationException("The design schema is not embedded in Workflows.Definitions.");
        using var reader = new StreamReader(stream);
        return JsonSchema.FromText(reader.ReadToEnd());
    }

    private static List<DesignProblem> CheckSchema(JsonElement root, string fileName)
    {
        var results = Schema.Value.Evaluate(root, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return [];
        }

        return (results.Details ?? [])
            // A failing "if" only means "this branch does not apply"; its errors are not the author's problem.
            .Where(d => d.Errors is { Count: > 0 } && !d.EvaluationPath.ToString().Contains("/if", StringComparison.Ordinal))
            .SelectMany(d => d.Errors!.Select(e => (Location: d.InstanceLocation.ToString(), Keyword: e.Key, Message: e.Value)))
            // if/then and $ref wrappers repeat their children's errors; keep the specific ones.
            .Where(e => e.Keyword is not ("if" or "then" or "allOf" or "$ref"))
            .Distinct()
            .Select(e => new DesignProblem(fileName, StepOf(e.Location), $"schema: {Explain(e.Location, e.Message)} (at '{(e.Location.Length == 0 ? "/" : e.Location)}')"))
            .DefaultIfEmpty(new DesignProblem(fileName, null, "schema: the design does not match design.schema.json"))
            .ToList();
    }

    // additionalProperties: false reports "fails against the false schema", which says nothing about a typo.
    private static string Explain(string location, string message) =>
        message.Contains("false schema", StringComparison.Ordinal)
            ? $"unknown property '{location[(location.LastIndexOf('/') + 1)..]}'"
            : message;

    /// <summary>"/steps/register/actions/x" → "register".</summary>
    private static string? StepOf(string pointer)
    {
        var segments = pointer.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments.Length >= 2 && segments[0] == "steps"
            ? segments[1].Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)
            : null;
    }

    /// <summary>Reads a schema-valid design, noting semantic problems as it goes.</summary>
    private sealed class DesignReader(string fileName, ActivityCatalog catalog)
    {
        public List<DesignProblem> Problems { get; } = [];

        public WorkflowDesign Read(JsonElement root)
        {
            var steps = ImmutableDictionary.CreateBuilder<string, StepDesign>(StringComparer.Ordinal);
            foreach (var property in root.GetProperty("steps").EnumerateObject())
            {
                if (steps.ContainsKey(property.Name))
                {
                    Problem(property.Name, "the step is defined twice");
                    continue;
                }

                steps[property.Name] = ReadStep(property.Name, property.Value);
            }

            var design = new WorkflowDesign(
                Name: root.GetProperty("name").GetString()!,
                Version: root.GetProperty("version").GetInt32(),
                Type: root.GetProperty("type").GetString()!,
                Title: root.GetProperty("title").GetString()!,
                Start: root.GetProperty("start").GetString()!,
                Steps: steps.ToImmutable(),
                FileName: fileName)
            {
                OnWithdraw = String(root, "onWithdraw"),
                ResubmitCheck = String(root, "resubmitCheck"),
                CopyTo = root.TryGetProperty("cc", out var cc) ? [.. cc.EnumerateArray().Select(r => ReadRule("cc", r))] : [],
            };
            if (design.OnWithdraw is { } hook && !catalog.TryGetOutcomes(hook, out _))
            {
                Problems.Add(new DesignProblem(fileName, null, $"onWithdraw names unknown activity '{hook}' (known: {List(catalog.Names)})"));
            }

            if (design.ResubmitCheck is { } check && design.Steps.GetValueOrDefault(check) is not AutoStep)
            {
                Problems.Add(new DesignProblem(fileName, null, $"resubmitCheck names '{check}', which is not an auto step of this design"));
            }

            if (design.Steps.ContainsKey(TaskSlots.AmendStep))
            {
                Problem(TaskSlots.AmendStep, $"'{TaskSlots.AmendStep}' is the step id of the applicant's task after a return; name the step otherwise");
            }

            CheckGraph(design);
            return design;
        }

        private StepDesign ReadStep(string id, JsonElement step) => String(step, "kind") switch
        {
            "auto" => ReadAuto(id, step),
            "task" => ReadTask(id, step),
            "wait" => ReadWait(id, step),
            _ => ReadEnd(id, step),
        };

        private AutoStep ReadAuto(string id, JsonElement step)
        {
            var activity = String(step, "activity")!;
            var transitions = step.GetProperty("transitions").EnumerateObject()
                .ToImmutableDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);

            if (!catalog.TryGetOutcomes(activity, out var outcomes))
            {
                Problem(id, $"unknown activity '{activity}' (known: {List(catalog.Names)})");
            }
            else
            {
                foreach (var outcome in outcomes.Where(o => !transitions.ContainsKey(o)))
                {
                    Problem(id, $"outcome '{outcome}' of activity '{activity}' has no transition");
                }

                foreach (var outcome in transitions.Keys.Where(o => !outcomes.Contains(o)).Order(StringComparer.Ordinal))
                {
                    Problem(id, $"transition '{outcome}' is not an outcome of activity '{activity}' (outcomes: {List(outcomes)})");
                }
            }

            return new AutoStep(id, activity, transitions);
        }

        private TaskStep ReadTask(string id, JsonElement step)
        {
            var assign = ReadAssignment(id, step);
            var due = String(step, "due");
            var dueAt = String(step, "dueAt");
            var onDue = String(step, "onDue");
            IsoDuration? dueDuration = null;
            if (due is not null && !IsoDuration.TryParse(due, out dueDuration))
            {
                Problem(id, $"due '{due}' is not an ISO-8601 duration");
            }

            if (due is not null && dueAt is not null)
            {
                Problem(id, "due and dueAt are both set; use one");
            }

            if ((due ?? dueAt) is not null && onDue is null)
            {
                Problem(id, "due/dueAt is set but onDue (the step to go to when it falls due) is missing");
            }

            if (onDue is not null && (due ?? dueAt) is null)
            {
                Problem(id, "onDue is set but neither due nor dueAt is");
            }

            var actions = ImmutableDictionary.CreateBuilder<string, TaskAction>(StringComparer.Ordinal);
            if (step.TryGetProperty("actions", out var actionsElement))
            {
                foreach (var action in actionsElement.EnumerateObject())
                {
                    if (!TaskAction.KnownNames.Contains(action.Name))
                    {
                        Problem(id, $"unknown action '{action.Name}' (allowed: {List(TaskAction.KnownNames.Order(StringComparer.Ordinal))})");
                    }

                    var to = String(action.Value, "to");
                    if (to is null)
                    {
                        Problem(id, $"action '{action.Name}' has no transition ('to')");
                    }

                    actions[action.Name] = new TaskAction(
                        action.Name,
                        to ?? "",
                        action.Value.TryGetProperty("commentRequired", out var c) && c.GetBoolean(),
                        Strings(action.Value, "requires"));
                }
            }

            if (actions.Count == 0)
            {
                Problem(id, "task has no actions");
            }

            return new TaskStep(
                id,
                String(step, "title")!,
                String(step, "role") ?? assign.Role ?? "Person",
                assign,
                Strings(step, "exclude"),
                dueDuration,
                dueAt,
                onDue,
                actions.ToImmutable())
            {
                Off = [.. Strings(step, "off")],
            };
        }

        private AssignmentRule ReadAssignment(string id, JsonElement step)
        {
            if (!step.TryGetProperty("assign", out var assign))
            {
                Problem(id, "task has no assignment rule ('assign')");
                return new AssignmentRule(null, null, null);
            }

            return ReadRule(id, assign);
        }

        private AssignmentRule ReadRule(string id, JsonElement assign)
        {
            var rule = new AssignmentRule(String(assign, "role"), String(assign, "scope"), String(assign, "person"));
            switch (rule)
            {
                case { Role: null, Person: null }:
                    Problem(id, "task has no assignment rule: 'assign' names neither a role nor a person");
                    break;
                case { Role: not null, Person: not null }:
                    Problem(id, "assignment rule names both a role and a person; use one");
                    break;
                case { Person: not null, Scope: not null }:
                    Problem(id, "assignment rule has a scope but no role; scopes apply to roles");
                    break;
            }

            return rule;
        }

        private WaitStep ReadWait(string id, JsonElement step)
        {
            var timeout = String(step, "timeout");
            var timeoutAt = String(step, "timeoutAt");
            var onTimeout = String(step, "onTimeout");
            IsoDuration? duration = null;
            if (timeout is not null && !IsoDuration.TryParse(timeout, out duration))
            {
                Problem(id, $"timeout '{timeout}' is not an ISO-8601 duration");
            }

            if (timeout is not null && timeoutAt is not null)
            {
                Problem(id, "both timeout and timeoutAt are set; use one");
            }

            if ((timeout ?? timeoutAt) is not null && onTimeout is null)
            {
                Problem(id, "timeout is set but onTimeout is missing");
            }

            if (onTimeout is not null && timeout is null && timeoutAt is null)
            {
                Problem(id, "onTimeout is set but timeout is missing");
            }

            return new WaitStep(id, String(step, "signal")!, String(step, "onSignal")!, duration, onTimeout) { TimeoutAt = timeoutAt };
        }

        private EndStep ReadEnd(string id, JsonElement step)
        {
            var outcome = String(step, "outcome");
            if (outcome is null)
            {
                Problem(id, "end step has no outcome");
            }

            var status = String(step, "status") == "Cancelled" ? InstanceStatus.Cancelled : InstanceStatus.Completed;
            return new EndStep(id, outcome ?? "", status);
        }

        private void CheckGraph(WorkflowDesign design)
        {
            if (!design.Steps.ContainsKey(design.Start))
            {
                Problems.Add(new DesignProblem(fileName, null, $"start goes to missing step '{design.Start}'"));
            }

            foreach (var step in design.Steps.Values.OrderBy(s => s.Id, StringComparer.Ordinal))
            {
                foreach (var (via, target) in step.Transitions.Where(t => t.Target.Length > 0 && !design.Steps.ContainsKey(t.Target)))
                {
                    Problem(step.Id, $"{via} goes to missing step '{target}'");
                }
            }

            var reached = new HashSet<string>(StringComparer.Ordinal);
            var pending = new Queue<string>([design.Start]);
            while (pending.TryDequeue(out var id))
            {
                if (design.Steps.TryGetValue(id, out var step) && reached.Add(id))
                {
                    foreach (var (_, target) in step.Transitions)
                    {
                        pending.Enqueue(target);
                    }
                }
            }

            foreach (var id in design.Steps.Keys.Where(id => !reached.Contains(id)).Order(StringComparer.Ordinal))
            {
                Problem(id, $"step is not reachable from the start step '{design.Start}'");
            }
        }

        private void Problem(string step, string problem) => Problems.Add(new DesignProblem(fileName, step, problem));

        private static string? String(JsonElement element, string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        private static ImmutableArray<string> Strings(JsonElement element, string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
                ? [.. value.EnumerateArray().Select(v => v.GetString()!)]
                : [];

        private static string List(IEnumerable<string> names) => names.Any() ? string.Join(", ", names) : "none";
    }
}
