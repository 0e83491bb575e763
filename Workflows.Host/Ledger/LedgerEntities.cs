using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Workflows.Definitions.Ledger;
using Workflows.Host.Organization;
using Workflows.Host.Violations;

namespace Workflows.Host.Ledger;

/// <summary>A reward (奖励) recorded by the supervisor or the manager (docs/domain.md §The ledger and month close). Never changed once written.</summary>
public sealed class Reward
{
    public string Id { get; init; } = Guid.NewGuid().ToString();

    public string EmployeeId { get; init; } = "";

    public decimal Amount { get; init; }

    public string Reason { get; init; } = "";

    public DateOnly AwardedOn { get; init; }

    public string AwardedBy { get; init; } = "";

    public DateTimeOffset AwardedAt { get; init; }
}

/// <summary>
/// A correction posted to a month's statement: a dispute decided after the violation's penalty was already in
/// a closed statement (<see cref="LedgerService.PostDisputeEffect"/>). Signed: negative refunds.
/// </summary>
public sealed class LedgerAdjustment
{
    public string Id { get; init; } = Guid.NewGuid().ToString();

    public string EmployeeId { get; init; } = "";

    /// <summary>The month (<c>yyyy-MM</c>) it is posted to: the first open month when it was written.</summary>
    public string PostedTo { get; init; } = "";

    public string? ViolationId { get; init; }

    public decimal Amount { get; init; }

    public string Note { get; init; } = "";

    /// <summary>What caused it, e.g. the dispute instance id.</summary>
    public string Reference { get; init; } = "";

    public string CreatedBy { get; init; } = "";

    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A closed month. The primary key is the month, so two concurrent closes cannot both write one.</summary>
public sealed class MonthClosing
{
    /// <summary><c>yyyy-MM</c>: sorts like the months it names.</summary>
    public string Month { get; init; } = "";

    public DateTimeOffset ClosedAt { get; init; }

    /// <summary>The HR employee's id, or <see cref="LedgerService.SystemActor"/> for the recurring job.</summary>
    public string ClosedBy { get; init; } = "";

    /// <summary>
    /// The month's fund, summed from its lines when it was closed (a closed month never changes), so the fund over the
    /// months is one row per month and not every line ever closed. Null for a month closed before these sums were kept
    /// on SQLite (PostgreSQL's migration sums them): the ledger report then adds up that month's lines.
    /// </summary>
    public decimal? Penalties { get; set; }

    /// <inheritdoc cref="Penalties"/>
    public decimal? Rewards { get; set; }

    /// <inheritdoc cref="Penalties"/>
    public decimal? Adjustments { get; set; }
}

/// <summary>
/// A line of a closed statement, stored at close and never changed: a closed month is read from these rows,
/// never recalculated. Every ledger item (penalty, reward, adjustment) is snapshotted at most once — the unique
/// (Kind, SourceId) index is what guarantees it.
/// </summary>
public sealed class ClosedStatementLine
{
    public long Id { get; init; }

    public string Month { get; init; } = "";

    public string EmployeeId { get; init; } = "";

    public int Seq { get; init; }

    public StatementLineKind Kind { get; init; }

    public string? ViolationId { get; init; }

    /// <summary>The violation, reward or adjustment the line came from.</summary>
    public string SourceId { get; init; } = "";

    public decimal Amount { get; init; }

    public string Note { get; init; } = "";
}

internal sealed class RewardConfiguration : IEntityTypeConfiguration<Reward>
{
    public void Configure(EntityTypeBuilder<Reward> r)
    {
        r.ToTable("Rewards");
        r.Property(x => x.Id).HasMaxLength(36);
        r.Property(x => x.EmployeeId).HasMaxLength(450);
        r.Property(x => x.Amount).HasPrecision(12, 2);
        r.Property(x => x.Reason).HasMaxLength(Definitions.TextLimits.Text);
        r.Property(x => x.AwardedBy).HasMaxLength(450);
        r.HasOne<Employee>().WithMany().HasForeignKey(x => x.EmployeeId).OnDelete(DeleteBehavior.Restrict);
        r.HasOne<Employee>().WithMany().HasForeignKey(x => x.AwardedBy).OnDelete(DeleteBehavior.Restrict);
        r.HasIndex(x => new { x.EmployeeId, x.AwardedOn });
    }
}

internal sealed class LedgerAdjustmentConfiguration : IEntityTypeConfiguration<LedgerAdjustment>
{
    public void Configure(EntityTypeBuilder<LedgerAdjustment> a)
    {
        a.ToTable("LedgerAdjustments");
        a.Property(x => x.Id).HasMaxLength(36);
        a.Property(x => x.EmployeeId).HasMaxLength(450);
        a.Property(x => x.PostedTo).HasMaxLength(7);
        a.Property(x => x.ViolationId).HasMaxLength(36);
        a.Property(x => x.Amount).HasPrecision(12, 2);
        a.Property(x => x.Note).HasMaxLength(LedgerLimits.TextLength);
        a.Property(x => x.Reference).HasMaxLength(100);
        a.Property(x => x.CreatedBy).HasMaxLength(450);
        a.HasOne<Employee>().WithMany().HasForeignKey(x => x.EmployeeId).OnDelete(DeleteBehavior.Restrict);
        a.HasOne<Violation>().WithMany().HasForeignKey(x => x.ViolationId).OnDelete(DeleteBehavior.Restrict);
        a.HasIndex(x => new { x.EmployeeId, x.PostedTo });
        a.HasIndex(x => x.ViolationId);
    }
}

internal sealed class MonthClosingConfiguration : IEntityTypeConfiguration<MonthClosing>
{
    public void Configure(EntityTypeBuilder<MonthClosing> m)
    {
        m.ToTable("MonthClosings");
        m.HasKey(x => x.Month);
        m.Property(x => x.Month).HasMaxLength(7);
        m.Property(x => x.ClosedBy).HasMaxLength(450);
        m.Property(x => x.Penalties).HasPrecision(18, 2);
        m.Property(x => x.Rewards).HasPrecision(18, 2);
        m.Property(x => x.Adjustments).HasPrecision(18, 2);
    }
}

internal sealed class ClosedStatementLineConfiguration : IEntityTypeConfiguration<ClosedStatementLine>
{
    public void Configure(EntityTypeBuilder<ClosedStatementLine> l)
    {
        l.ToTable("ClosedStatementLines");
        l.Property(x => x.Id).ValueGeneratedOnAdd();
        l.Property(x => x.Month).HasMaxLength(7);
        l.Property(x => x.EmployeeId).HasMaxLength(450);
        l.Property(x => x.Kind).HasConversion<string>().HasMaxLength(20);
        l.Property(x => x.ViolationId).HasMaxLength(36);
        l.Property(x => x.SourceId).HasMaxLength(36);
        l.Property(x => x.Amount).HasPrecision(12, 2);
        l.Property(x => x.Note).HasMaxLength(LedgerLimits.TextLength);
        l.HasOne<MonthClosing>().WithMany().HasForeignKey(x => x.Month).OnDelete(DeleteBehavior.Restrict);
        l.HasOne<Employee>().WithMany().HasForeignKey(x => x.EmployeeId).OnDelete(DeleteBehavior.Restrict);
        l.HasIndex(x => new { x.Kind, x.SourceId }).IsUnique();
        l.HasIndex(x => new { x.Month, x.EmployeeId, x.Seq });
        l.HasIndex(x => new { x.EmployeeId, x.Month });
    }
}

public static class LedgerLimits
{
    public const int TextLength = 500;
}
