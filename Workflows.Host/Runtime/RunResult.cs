using Workflows.Definitions.Engine;

namespace Workflows.Host.Runtime;

/// <summary>What a runner call came to: the instance as it now is, or a refusal with its HTTP status.</summary>
public abstract record RunResult
{
    private RunResult()
    {
    }

    public sealed record Ok(WorkflowInstance Instance) : RunResult;

    /// <param name="Code">Why, as a stable word the web pages translate (<see cref="RefusalCodes"/> or the engine's
    /// <see cref="RejectionCode"/>); <paramref name="Detail"/> is the English sentence the API answers with.</param>
    public sealed record Refused(int Status, string Detail, IReadOnlyDictionary<string, string[]>? Errors = null, string? Code = null) : RunResult
    {
        /// <summary>For a 429: when the same request will be accepted (the API's <c>Retry-After</c>).</summary>
        public DateTimeOffset? RetryAt { get; init; }
    }

    public static Refused NotFound(string detail, string code) => new(StatusCodes.Status404NotFound, detail, Code: code);

    public static Refused Forbidden(string detail, string code) => new(StatusCodes.Status403Forbidden, detail, Code: code);

    public static Refused Conflict(string detail, string code) => new(StatusCodes.Status409Conflict, detail, Code: code);

    /// <summary>The engine's refusal as the API answers it.</summary>
    public static Refused Of(Rejected rejected) => rejected.Code switch
    {
        RejectionCode.MissingData => new Refused(StatusOf(rejected.Code), rejected.Message,
            rejected.MissingFields.ToDictionary(f => "data." + f, f => new[] { $"'{f}' is required for this action." }), rejected.Code.ToString()),
        RejectionCode.CommentRequired => new Refused(StatusOf(rejected.Code), rejected.Message,
            new Dictionary<string, string[]> { ["comment"] = ["A comment is required for this action."] }, rejected.Code.ToString()),
        _ => new Refused(StatusOf(rejected.Code), rejected.Message, Code: rejected.Code.ToString()) { RetryAt = rejected.RetryAt },
    };

    /// <summary>
    /// The HTTP status of an engine refusal. An activity outcome the design has no transition for is the host's own
    /// mismatch, answered as a conflict to the caller (the step is rolled back) rather than a server error.
    /// </summary>
    public static int StatusOf(RejectionCode code) => code switch
    {
        RejectionCode.NotRunning or RejectionCode.NotCurrentStep or RejectionCode.StaleVisit or RejectionCode.SignalNotAwaited => StatusCodes.Status409Conflict,
        RejectionCode.ActorExcluded => StatusCodes.Status403Forbidden,
        RejectionCode.UnknownOutcome or RejectionCode.WaitingForSigner => StatusCodes.Status409Conflict,
        RejectionCode.TooSoon => StatusCodes.Status429TooManyRequests,
        _ => StatusCodes.Status422UnprocessableEntity,
    };
}

/// <summary>
/// The runner's own reasons for refusing (beside the engine's <see cref="RejectionCode"/>): stable words carried on
/// <see cref="RunResult.Refused.Code"/> so the pages can say them in the reader's language (resource entries
/// <c>Refusal.{code}</c>), while the API keeps answering with the English detail.
/// </summary>
public static class RefusalCodes
{
    public const string InstanceNotFound = nameof(InstanceNotFound);
    public const string TaskNotFound = nameof(TaskNotFound);
    public const string OwnApplication = nameof(OwnApplication);
    public const string NotYourTask = nameof(NotYourTask);
    public const string TaskClosed = nameof(TaskClosed);
    public const string ClaimedByOther = nameof(ClaimedByOther);
    public const string RoleNoLongerHeld = nameof(RoleNoLongerHeld);
    public const string TaskTaken = nameof(TaskTaken);
    public const string NotClaimed = nameof(NotClaimed);
    public const string NotStarter = nameof(NotStarter);
    public const string NothingToRun = nameof(NothingToRun);
    public const string ConcurrentChange = nameof(ConcurrentChange);
    public const string StepFailed = nameof(StepFailed);
    public const string UnknownColleague = nameof(UnknownColleague);
}

/// <summary>What a task offers, stored on the task for the inbox.</summary>
public sealed record TaskActionInfo(string Name, bool CommentRequired, string[] Requires);

/// <summary>An activity threw: the step is rolled back and recorded as an incident.</summary>
public sealed class ActivityFailedException(string step, Exception inner)
    : Exception($"Activity at step '{step}' failed: {inner.Message}", inner)
{
    public string Step { get; } = step;
}
