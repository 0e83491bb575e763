namespace Workflows.Host.Runtime;

/// <summary>
/// The runner's own reasons for refusing (beside the engine's <see cref="Workflows.Definitions.Engine.RejectionCode"/>):
/// stable words carried on <see cref="RunResult.Refused.Code"/> so the pages can say them in the reader's language
/// (resource entries <c>Refusal.{code}</c>), while the API keeps answering with the English detail.
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
}
