using System.Collections.Immutable;
using System.Text.Json;

namespace Workflows.Definitions.Engine;

/// <summary>
/// The approval actions every design's approver steps offer (docs/domain.md §Approval actions): 转交 transfer, 加签
/// add a signer before or after the approver, 退回 return to the applicant or to an earlier step, the applicant's
/// resubmission, 催办 remind and 抄送 copy. Each is an input like a decision: it is checked against the state and
/// answered with commands, and separation of duties holds on every path (nobody excluded from a step gets it).
/// </summary>
public static partial class WorkflowEngine
{
    /// <summary>The acting role recorded for a colleague added to a step.</summary>
    public const string SignerRole = "Signer";

    /// <summary>The acting role of the applicant answering a return.</summary>
    public const string ApplicantRole = "Applicant";

    private const string GenericRejectAction = "reject";

    /// <summary>A task is due this many working days (Monday to Friday, in the offset of <c>now</c>) after it opens.</summary>
    public static DateTimeOffset AddWorkingDays(DateTimeOffset from, int days)
    {
        var at = from;
        while (days > 0)
        {
            at = at.AddDays(1);
            if (at.DayOfWeek is not DayOfWeek.Saturday and not DayOfWeek.Sunday)
            {
                days--;
            }
        }

        return at;
    }

    /// <summary>Whether a colleague may be added to this step: an approver's step with a reject route for the colleague's refusal.</summary>
    public static bool OffersAddSigner(TaskStep task) => task.OffersAddSigner && task.Actions.ContainsKey(GenericRejectAction);

    /// <summary>The people who may never act on a step of this instance (the subject, the nominator, the recorder, …).</summary>
    public static ImmutableArray<string> Excluded(WorkflowDesign design, InstanceState state, string step) =>
        design.Steps.TryGetValue(step, out var found) && found is TaskStep task ? ExcludedPersons(task, state) : [state.SubjectId];

    private static EngineResult Transfer(WorkflowDesign design, InstanceState state, TaskTransferred input, DateTimeOffset now)
    {
        if (CheckCurrent(design, state, input.Step, input.Visit) is { } rejected)
        {
            return rejected;
        }

        if (design.Step(input.Step) is not TaskStep task || input.Slot is not null || !task.OffersTransfer)
        {
            return new Rejected(RejectionCode.ActionNotOffered, $"Step '{input.Step}' offers no transfer.");
        }

        if (state.Signers.Any(s => s.Position == SignerPosition.Before))
        {
            return new Rejected(RejectionCode.WaitingForSigner, $"Task '{task.Id}' waits for the colleague added before its approver.");
        }

        if (input.ToId == input.ActorId || input.ToId == input.OnBehalfOf || ExcludedPersons(task, state).Contains(input.ToId))
        {
            return new Rejected(RejectionCode.PersonExcluded, $"'{input.ToId}' may not be given task '{task.Id}'.");
        }

        var run = new Run(design, state, now);
        run.History(HistoryKinds.TaskTransferred, task.Id, input.ActorId, input.ActingRole ?? task.RoleLabel, GenericActions.Transfer, input.Comment,
            WorkflowVariables.Of(("from", input.OnBehalfOf ?? input.ActorId), ("to", input.ToId)), input.OnBehalfOf);
        run.Command(new ReassignTask(task.Id, input.Visit, null, [input.ToId]) { ByActorId = input.ActorId });
        return run.Done();
    }

    private static EngineResult AddSigner(WorkflowDesign design, InstanceState state, SignerAdded input, DateTimeOffset now)
    {
        if (CheckCurrent(design, state, input.Step, input.Visit) is { } rejected)
        {
            return rejected;
        }

        if (design.Step(input.Step) is not TaskStep task || !OffersAddSigner(task))
        {
            return new Rejected(RejectionCode.ActionNotOffered, $"Step '{input.Step}' offers no added signer.");
        }

        if (state.Signers.Any(s => s.Position == SignerPosition.Before) || state.Held is not null)
        {
            return new Rejected(RejectionCode.WaitingForSigner, $"Task '{task.Id}' already waits for an added colleague.");
        }

        if (input.SignerId == input.ActorId || input.SignerId == input.OnBehalfOf || ExcludedPersons(task, state).Contains(input.SignerId)
            || state.Signers.Any(s => s.PersonId == input.SignerId))
        {
            return new Rejected(RejectionCode.PersonExcluded, $"'{input.SignerId}' may not be added to task '{task.Id}'.");
        }

        var run = new Run(design, state with { Signers = state.Signers.Add(new AddedSigner(input.SignerId, input.Position, input.ActorId)) }, now);
        run.History(HistoryKinds.SignerAdded, task.Id, input.ActorId, input.ActingRole ?? task.RoleLabel, GenericActions.AddSigner, input.Comment,
            WorkflowVariables.Of(("signer", input.SignerId), ("position", input.Position == SignerPosition.Before ? "before" : "after")), input.OnBehalfOf);
        if (input.Position == SignerPosition.After)
        {
            return run.Done();
        }

        run.Command(new HoldTask(task.Id, input.Visit));
        return run.OpenSignerTask(task, input.Visit, input.SignerId, input.ActorId);
    }

    /// <summary>An added colleague decides: approving hands the step back (or on); refusing is the step's refusal.</summary>
    private static EngineResult DecideAsSigner(WorkflowDesign design, InstanceState state, TaskStep task, TaskCompleted input, DateTimeOffset now)
    {
        var signer = state.Signers.FirstOrDefault(s => s.Position == SignerPosition.Before)
            ?? (state.Held is not null ? state.Signers.FirstOrDefault(s => s.Position == SignerPosition.After) : null);
        if (signer is null || signer.PersonId != (input.OnBehalfOf ?? input.ActorId))
        {
            return new Rejected(RejectionCode.NotCurrentStep, $"Nobody added to '{task.Id}' is waited for from '{input.ActorId}'.");
        }

        if (input.Action is not ("approve" or GenericRejectAction))
        {
            return new Rejected(RejectionCode.UnknownAction, $"An added colleague approves or rejects; '{input.Action}' is not offered.");
        }

        if (input.Action == GenericRejectAction && string.IsNullOrWhiteSpace(input.Comment))
        {
            return new Rejected(RejectionCode.CommentRequired, $"'reject' on task '{task.Id}' requires a comment.");
        }

        var data = input.Data ?? WorkflowVariables.Empty;
        var run = new Run(design, state with { ConsecutiveAutoSteps = 0 }, now);
        run.History(HistoryKinds.TaskCompleted, task.Id, input.ActorId, SignerRole, input.Action, input.Comment,
            data.SetItem("slot", WorkflowVariables.Value(TaskSlots.Signer)), input.OnBehalfOf);
        if (input.Action == GenericRejectAction)
        {
            // Either's refusal is the step's: the step's own reject route, with every task of the step closed.
            run.LeaveCurrentStep($"rejected by the added colleague {input.ActorId}");
            return run.Enter(task.Actions[GenericRejectAction].To);
        }

        var remaining = state.Signers.Remove(signer);
        run.State = run.State with { Signers = remaining };
        if (signer.Position == SignerPosition.Before)
        {
            run.Command(new ResumeTask(task.Id, input.Visit));
            return run.Done();
        }

        if (remaining.FirstOrDefault(s => s.Position == SignerPosition.After) is { } next)
        {
            return run.OpenSignerTask(task, input.Visit, next.PersonId, next.AddedBy);
        }

        // The last colleague added after the approver approved: the approver's decision is carried out now.
        var held = state.Held!;
        var action = task.Actions[held.Action];
        run.State = run.State with
        {
            Held = null,
            Variables = run.State.Variables.SetItems(held.Data)
                .SetItem(WorkflowVariables.DecisionPrefix + task.Id, Decision(held.Action, held.ActorId, held.ActingRole, held.Comment, now, held.Data)),
        };
        run.LeaveCurrentStep($"{held.Action} by {held.ActorId}, countersigned");
        return run.Enter(action.To);
    }

    /// <summary>退回: to the applicant for amendment, or (with <c>data.toStep</c>) to an earlier human step.</summary>
    private static EngineResult Return(WorkflowDesign design, InstanceState state, TaskStep task, TaskCompleted input, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(input.Comment))
        {
            return new Rejected(RejectionCode.CommentRequired, $"'return' on task '{task.Id}' requires a comment.");
        }

        var data = input.Data ?? WorkflowVariables.Empty;
        var toStep = data.GetString("toStep");
        var actingRole = input.ActingRole ?? task.RoleLabel;
        if (toStep is not null)
        {
            var earlier = state.HumanSteps.IndexOf(toStep);
            if (earlier < 0 || earlier >= state.HumanSteps.IndexOf(task.Id) || design.Steps.GetValueOrDefault(toStep) is not TaskStep)
            {
                return new Rejected(RejectionCode.UnknownReturnStep, $"'{toStep}' is not an earlier human step of this instance.");
            }

            var back = new Run(design, state with { ConsecutiveAutoSteps = 0 }, now);
            back.History(HistoryKinds.TaskReturned, task.Id, input.ActorId, actingRole, GenericActions.Return, input.Comment, data, input.OnBehalfOf);
            back.LeaveCurrentStep($"returned to {toStep} by {input.ActorId}");
            return back.Enter(toStep);
        }

        var run = new Run(design, state with { ConsecutiveAutoSteps = 0 }, now);
        run.History(HistoryKinds.TaskReturned, task.Id, input.ActorId, actingRole, GenericActions.Return, input.Comment, data, input.OnBehalfOf);
        run.LeaveCurrentStep($"returned to the applicant by {input.ActorId}");
        run.State = run.State with { Returned = new ReturnToApplicant(task.Id, input.ActorId, input.Comment) };
        run.Command(new CreateTask(TaskSlots.AmendStep, input.Visit, "修改后重新提交 / Amend and resubmit", ApplicantRole,
            new AssignmentRule(null, null, WorkflowVariables.StartedBy), state.StartedBy,
            [new TaskAction(TaskAction.Resubmit, task.Id, false, []), new TaskAction(GenericActions.Withdraw, task.Id, false, [])], [], null));
        run.History(HistoryKinds.TaskCreated, TaskSlots.AmendStep, actingRole: ApplicantRole, data: WorkflowVariables.Empty
            .Add("assigneeId", WorkflowVariables.Value(state.StartedBy))
            .Add("returnedFrom", WorkflowVariables.Value(task.Id)));
        return run.Done();
    }

    /// <summary>The applicant answers a return: resubmit (the form's free-text fields may change) or withdraw.</summary>
    private static EngineResult Amend(WorkflowDesign design, InstanceState state, TaskCompleted input, DateTimeOffset now)
    {
        if (!state.IsRunning || input.Visit != state.StepVisit)
        {
            return new Rejected(RejectionCode.StaleVisit, "This amendment is over.");
        }

        var returned = state.Returned!;
        var data = input.Data ?? WorkflowVariables.Empty;
        var run = new Run(design, state with { Returned = null, ConsecutiveAutoSteps = 0 }, now);
        switch (input.Action)
        {
            case GenericActions.Withdraw:
                run.History(HistoryKinds.InstanceWithdrawn, TaskSlots.AmendStep, input.ActorId, ApplicantRole, GenericActions.Withdraw, input.Comment);
                return run.End(InstanceStatus.Cancelled, "Withdrawn");
            case TaskAction.Resubmit:
                var wrong = data.Keys.Where(k => !WorkflowVariables.FreeTextFields.Contains(k)).Order(StringComparer.Ordinal).ToList();
                if (wrong.Count > 0)
                {
                    return new Rejected(RejectionCode.ProtectedVariable, $"A resubmission may change {string.Join(", ", WorkflowVariables.FreeTextFields.Order(StringComparer.Ordinal))} only, not {string.Join(", ", wrong)}.");
                }

                run.State = run.State with
                {
                    Form = run.State.Form.SetItems(data),
                    ResumeAt = design.ResubmitCheck is null ? null : returned.Step,
                };
                run.History(HistoryKinds.InstanceResubmitted, TaskSlots.AmendStep, input.ActorId, ApplicantRole, TaskAction.Resubmit, input.Comment, data);
                return run.Enter(design.ResubmitCheck ?? returned.Step);
            default:
                return new Rejected(RejectionCode.UnknownAction, $"An amendment is resubmitted or withdrawn; '{input.Action}' is not offered.");
        }
    }

    /// <summary>催办: at most once every 24 hours for the same visit of a step.</summary>
    private static EngineResult Remind(WorkflowDesign design, InstanceState state, Reminded input, DateTimeOffset now)
    {
        if (!state.IsRunning)
        {
            return NotRunning(state);
        }

        if (state.RemindedAt is { } last && last.AddHours(24) > now)
        {
            return new Rejected(RejectionCode.TooSoon, $"Reminded at {last:O}; the next reminder can be sent 24 hours later.") { RetryAt = last.AddHours(24) };
        }

        var run = new Run(design, state with { RemindedAt = now }, now);
        run.History(HistoryKinds.InstanceReminded, state.CurrentStep, input.ActorId, "Starter", "remind");
        run.Command(new RemindTasks("reminded", input.ActorId));
        return run.Done();
    }

    /// <summary>抄送: the people copied may read the instance from now on.</summary>
    private static EngineResult Copy(WorkflowDesign design, InstanceState state, Copied input, DateTimeOffset now)
    {
        var run = new Run(design, state, now);
        run.History(HistoryKinds.InstanceCopied, state.CurrentStep, input.ActorId, input.ActingRole, "cc", input.Comment, WorkflowVariables.Of(("to", input.PersonIds)));
        run.Command(new CopyTo([], input.PersonIds, input.ActorId, input.Comment));
        return run.Done();
    }
}
