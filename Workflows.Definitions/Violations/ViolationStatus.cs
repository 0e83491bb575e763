namespace Workflows.Definitions.Violations;

/// <summary>
/// Where a violation record stands (docs/domain.md §Violations and the rule catalog):
/// <c>Active</c> → (dispute opened) <c>UnderDispute</c> → <c>Upheld</c> | <c>Reduced</c> | <c>Waived</c>.
/// </summary>
public enum ViolationStatus
{
    Active,
    UnderDispute,
    Upheld,
    Reduced,
    Waived,
}

/// <summary>The rules attached to <see cref="ViolationStatus"/>.</summary>
public static class ViolationStatusRules
{
    /// <summary>
    /// Whether a violation in this status counts against a clean record and is charged in the ledger
    /// (docs/domain.md §Clean-record windows). Only a waiver takes it off the record; a violation under dispute still counts
    /// until the dispute is decided.
    /// </summary>
    public static bool Counts(this ViolationStatus status) => status switch
    {
        ViolationStatus.Active or ViolationStatus.UnderDispute or ViolationStatus.Upheld or ViolationStatus.Reduced => true,
        ViolationStatus.Waived => false,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown violation status."),
    };

    /// <summary>Whether the dispute on a violation in this status has been decided.</summary>
    public static bool IsDecided(this ViolationStatus status) =>
        status is ViolationStatus.Upheld or ViolationStatus.Reduced or ViolationStatus.Waived;
}
