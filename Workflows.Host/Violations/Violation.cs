using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Workflows.Definitions.Ledger;
using Workflows.Definitions.Violations;
using Workflows.Host.Data;
using Workflows.Host.Organization;
using Workflows.Definitions.Disputes;

namespace Workflows.Host.Violations;

/// <summary>
/// A recorded violation (违纪违规, docs/domain.md §Violations and the rule catalog). Records are never deleted; every change of status or
/// amount goes through a guarded method that appends a <see cref="ViolationChange"/>, so the record's
/// history is complete by construction.
/// </summary>
public sealed class Violation : IVersioned
{
    private readonly List<ViolationChange> changes = [];

    private Violation()
    {
    }

    public string Id { get; private init; } = Guid.NewGuid().ToString();

    public string EmployeeId { get; private init; } = "";

    public string RuleCode { get; private init; } = "";

    public DateOnly OccurredOn { get; private init; }

    public string Description { get; private init; } = "";

    public decimal PenaltyAmount { get; private set; }

    public ViolationStatus Status { get; private set; }

    public string RecordedBy { get; private init; } = "";

    public DateTimeOffset RecordedAt { get; private init; }

    /// <summary>The dispute instance opened on this violation, kept after it ends: one dispute per violation,
    /// also when it was withdrawn (which puts the status back to Active).</summary>
    public string? DisputeInstanceId { get; private set; }

    /// <summary>How many changes were appended; numbers the next one without loading the log.</summary>
    public int ChangeCount { get; private set; }

    public long Version { get; set; }

    /// <summary>
    /// The month whose closed statement holds this penalty (<c>yyyy-MM</c>), set by the month close in the transaction that
    /// writes that line; null while the penalty is in an open month, or never carried (waived). The ledger's open items are
    /// the rows where it is null, read through a small partial index instead of comparing every violation ever recorded
    /// with every closed line (ADR 0017).
    /// </summary>
    public string? ClosedIn { get; internal set; }

    /// <summary>The change log; only what was appended in this unit of work unless loaded with Include.</summary>
    public IReadOnlyList<ViolationChange> Changes => changes;

    public bool HasBeenDisputed => DisputeInstanceId is not null;

    /// <summary>A new Active record; the amount is the validated one (the override or the rule's default).</summary>
    public static Violation Record(string employeeId, ViolationValidation.Valid valid, DateOnly occurredOn, string description,
        string recordedBy, DateTimeOffset now)
    {
        var violation = new Violation
        {
            EmployeeId = employeeId,
            RuleCode = valid.Rule.Code,
            OccurredOn = occurredOn,
            Description = description,
            PenaltyAmount = valid.PenaltyAmount,
            Status = ViolationStatus.Active,
            RecordedBy = recordedBy,
            RecordedAt = now,
        };
        violation.Append(ViolationChangeKind.Created, recordedBy, now, null, ViolationStatus.Active, null, valid.PenaltyAmount, null);
        return violation;
    }

    /// <summary>Active → UnderDispute, called by the dispute workflow when an employee opens a dispute.</summary>
    /// <returns>Null when done, otherwise why not (the caller answers 422).</returns>
    public string? OpenDispute(string instanceId, string actorId, DateTimeOffset now)
    {
        if (Status != ViolationStatus.Active || HasBeenDisputed)
        {
            return HasBeenDisputed
                ? "The violation has already been disputed: one dispute per violation / 每条违纪只能申诉一次"
                : $"Only an active violation can be disputed; this one is {Status} / 只有生效中的违纪可以申诉";
        }

        DisputeInstanceId = instanceId;
        ChangeStatus(ViolationChangeKind.DisputeOpened, ViolationStatus.UnderDispute, PenaltyAmount, actorId, now, instanceId);
        return null;
    }

    /// <summary>UnderDispute → Active when the employee withdraws (or the dispute expires) undecided.
    /// <see cref="DisputeInstanceId"/> stays: the one dispute has been used.</summary>
    public string? WithdrawDispute(string instanceId, string actorId, DateTimeOffset now)
    {
        if (Status != ViolationStatus.UnderDispute || DisputeInstanceId != instanceId)
        {
            return $"The violation is not under dispute by {instanceId} / 该违纪不在此申诉中";
        }

        ChangeStatus(ViolationChangeKind.DisputeWithdrawn, ViolationStatus.Active, PenaltyAmount, actorId, now, instanceId);
        return null;
    }

    /// <summary>
    /// Applies the supervisor's decision (uphold, reduce, waive) through the core's
    /// <see cref="DisputeDecision.Resolve"/>. <paramref name="monthClosed"/> says whether the penalty is already in
    /// a closed statement (<c>LedgerService.IsPenaltyInClosedMonthAsync</c>); the returned resolution's
    /// <c>AdjustmentAmount</c> is then what the ledger must post (<c>LedgerService.PostDisputeEffect</c>).
    /// </summary>
    public DisputeResolution Decide(DisputeDecision decision, bool monthClosed, string actorId, DateTimeOffset now, string reference, MoneyBounds? bounds = null)
    {
        var resolution = decision.Resolve(Status, PenaltyAmount, monthClosed, bounds);
        if (resolution is DisputeResolution.Resolved resolved)
        {
            ChangeStatus(ViolationChangeKind.Decided, resolved.NewStatus, resolved.NewAmount, actorId, now, reference);
        }

        return resolution;
    }

    private void ChangeStatus(ViolationChangeKind kind, ViolationStatus status, decimal amount, string actorId, DateTimeOffset now, string? reference)
    {
        var (oldStatus, oldAmount) = (Status, PenaltyAmount);
        Status = status;
        PenaltyAmount = amount;
        Append(kind, actorId, now, oldStatus, status, oldAmount, amount, reference);
    }

    private void Append(ViolationChangeKind kind, string actorId, DateTimeOffset now, ViolationStatus? fromStatus, ViolationStatus toStatus,
        decimal? fromAmount, decimal toAmount, string? reference)
    {
        ChangeCount++;
        changes.Add(new ViolationChange
        {
            ViolationId = Id,
            Seq = ChangeCount,
            Kind = kind,
            At = now,
            ActorId = actorId,
            FromStatus = fromStatus,
            ToStatus = toStatus,
            FromAmount = fromAmount,
            ToAmount = toAmount,
            Reference = reference,
        });
    }
}

public enum ViolationChangeKind
{
    Created,
    DisputeOpened,
    DisputeWithdrawn,
    Decided,
}

/// <summary>One entry of a violation's append-only history: who changed what, when, and on what authority
/// (<see cref="Reference"/>: the dispute instance id).</summary>
public sealed class ViolationChange
{
    public string ViolationId { get; init; } = "";

    public int Seq { get; init; }

    public ViolationChangeKind Kind { get; init; }

    public DateTimeOffset At { get; init; }

    public string ActorId { get; init; } = "";

    public ViolationStatus? FromStatus { get; init; }

    public ViolationStatus ToStatus { get; init; }

    public decimal? FromAmount { get; init; }

    public decimal ToAmount { get; init; }

    public string? Reference { get; init; }
}

internal sealed class ViolationConfiguration : IEntityTypeConfiguration<Violation>
{
    public void Configure(EntityTypeBuilder<Violation> v)
    {
        v.ToTable("Violations");
        v.Property(x => x.Id).HasMaxLength(36);
        v.Property(x => x.EmployeeId).HasMaxLength(450);
        v.Property(x => x.RuleCode).HasMaxLength(10);
        v.Property(x => x.Description).HasMaxLength(ViolationLimits.DescriptionLength);
        v.Property(x => x.PenaltyAmount).HasPrecision(12, 2);
        v.Property(x => x.Status).HasConversion<string>().HasMaxLength(20);
        v.Property(x => x.RecordedBy).HasMaxLength(450);
        v.Property(x => x.DisputeInstanceId).HasMaxLength(36);
        v.Property(x => x.Version).IsConcurrencyToken();
        v.HasOne<Employee>().WithMany().HasForeignKey(x => x.EmployeeId).OnDelete(DeleteBehavior.Restrict);
        v.HasOne<Employee>().WithMany().HasForeignKey(x => x.RecordedBy).OnDelete(DeleteBehavior.Restrict);
        v.HasMany(x => x.Changes).WithOne().HasForeignKey(c => c.ViolationId).OnDelete(DeleteBehavior.Restrict);
        v.Navigation(x => x.Changes).HasField("changes").UsePropertyAccessMode(PropertyAccessMode.Field);
        // Eligibility and statements read "all of one employee's violations by date".
        v.HasIndex(x => new { x.EmployeeId, x.OccurredOn });
        // The violations report counts a range of dates by employee, rule, status and amount: this index alone answers it
        // (ADR 0017); as its first column is the date, it also serves every read by date.
        v.HasIndex(x => new { x.OccurredOn, x.Status, x.EmployeeId, x.RuleCode, x.PenaltyAmount });
        v.Property(x => x.ClosedIn).HasMaxLength(7);
        // The ledger's open items (ClosedIn): only the open months' violations are in it. By date, which follows the order
        // violations are recorded in, so PostgreSQL reads their rows in table order.
        v.HasIndex(x => x.OccurredOn).HasFilter("\"ClosedIn\" IS NULL").HasDatabaseName("IX_Violations_Open");
    }
}

internal sealed class ViolationChangeConfiguration : IEntityTypeConfiguration<ViolationChange>
{
    public void Configure(EntityTypeBuilder<ViolationChange> c)
    {
        c.ToTable("ViolationChanges");
        c.HasKey(x => new { x.ViolationId, x.Seq });
        c.Property(x => x.ViolationId).HasMaxLength(36);
        c.Property(x => x.Kind).HasConversion<string>().HasMaxLength(20);
        c.Property(x => x.ActorId).HasMaxLength(450);
        c.Property(x => x.FromStatus).HasConversion<string>().HasMaxLength(20);
        c.Property(x => x.ToStatus).HasConversion<string>().HasMaxLength(20);
        c.Property(x => x.FromAmount).HasPrecision(12, 2);
        c.Property(x => x.ToAmount).HasPrecision(12, 2);
        c.Property(x => x.Reference).HasMaxLength(100);
    }
}

public static class ViolationLimits
{
    public const int DescriptionLength = Definitions.TextLimits.Text;
}
