using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Workflows.Definitions.Roster;
using Workflows.Host.Data;
using Workflows.Host.Organization;

namespace Workflows.Host.Roster;

/// <summary>
/// A shift of a group's roster (docs/domain.md §Shift swaps and coverage). The coverage rules live in <see cref="CoverageCheck"/>;
/// this row only stores what they decide. <see cref="Version"/> is the concurrency token: every change
/// of the shift's people moves it, so two concurrent changes of one shift cannot both commit.
/// </summary>
public sealed class Shift : IVersioned
{
    private readonly List<ShiftAssignment> assignments = [];

    private Shift()
    {
    }

    public string Id { get; private set; } = Guid.NewGuid().ToString();

    public string GroupId { get; private set; } = "";

    public DateOnly Date { get; private set; }

    /// <summary>Local wall-clock time in the department's zone.</summary>
    public TimeOnly Start { get; private set; }

    /// <summary>Local wall-clock time; at or before <see cref="Start"/> means the shift ends the next day.</summary>
    public TimeOnly End { get; private set; }

    public int MinStaff { get; private set; }

    public string CreatedBy { get; private set; } = "";

    public DateTimeOffset CreatedAt { get; private set; }

    public long Version { get; set; }

    public IReadOnlyCollection<ShiftAssignment> Assignments => assignments;

    public static Shift Create(string groupId, DateOnly date, TimeOnly start, TimeOnly end, int minStaff, string createdBy, DateTimeOffset createdAt)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minStaff);
        return new Shift { GroupId = groupId, Date = date, Start = start, End = end, MinStaff = minStaff, CreatedBy = createdBy, CreatedAt = createdAt };
    }

    /// <summary>The shift as the pure coverage rules see it; assignees in a stable (ordinal) order.</summary>
    public ShiftSlot ToSlot() =>
        new(Id, GroupId, Date, Start, End, MinStaff, [.. assignments.Select(a => a.EmployeeId).Order(StringComparer.Ordinal)]);

    /// <summary>
    /// Makes the stored people those of <paramref name="decided"/>, a slot a coverage or assignment check
    /// returned as Ok. Taking the check's answer (rather than "add X, remove Y") keeps the rules in one place.
    /// </summary>
    public void TakeAssigneesOf(ShiftSlot decided)
    {
        if (!string.Equals(decided.Id, Id, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The slot is shift {decided.Id}, not {Id}.", nameof(decided));
        }

        assignments.RemoveAll(a => !decided.IsAssigned(a.EmployeeId));
        foreach (var employeeId in decided.AssigneeIds.Where(e => assignments.TrueForAll(a => !string.Equals(a.EmployeeId, e, StringComparison.Ordinal))))
        {
            assignments.Add(new ShiftAssignment(Id, employeeId));
        }
    }
}

/// <summary>One person on one shift. The pair is the key: nobody is on the same shift twice.</summary>
public sealed class ShiftAssignment(string shiftId, string employeeId)
{
    public string ShiftId { get; private set; } = shiftId;

    public string EmployeeId { get; private set; } = employeeId;
}

internal sealed class ShiftConfiguration : IEntityTypeConfiguration<Shift>
{
    public void Configure(EntityTypeBuilder<Shift> b)
    {
        b.ToTable("Shifts");
        b.Property(x => x.Id).HasMaxLength(36);
        b.Property(x => x.GroupId).HasMaxLength(36).IsRequired();
        b.Property(x => x.CreatedBy).HasMaxLength(450).IsRequired();
        // DateOnly/TimeOnly map natively on both providers: SQLite as ISO text ("2026-03-02", "22:00:00"),
        // which compares and sorts correctly; PostgreSQL as date and time without time zone.
        b.Property(x => x.Date);
        b.Property(x => x.Start);
        b.Property(x => x.End);
        b.Property(x => x.Version).IsConcurrencyToken();
        b.HasOne<Group>().WithMany().HasForeignKey(x => x.GroupId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Employee>().WithMany().HasForeignKey(x => x.CreatedBy).OnDelete(DeleteBehavior.Restrict);
        // An assignment belongs to its shift: dropping one from the collection deletes the row.
        b.HasMany(x => x.Assignments).WithOne().HasForeignKey(x => x.ShiftId).OnDelete(DeleteBehavior.Cascade);
        b.Navigation(x => x.Assignments).UsePropertyAccessMode(PropertyAccessMode.Field);
        // The roster page and GET /api/shifts read by group and date range.
        b.HasIndex(x => new { x.GroupId, x.Date });
        b.HasIndex(x => x.Date);
    }
}

internal sealed class ShiftAssignmentConfiguration : IEntityTypeConfiguration<ShiftAssignment>
{
    public void Configure(EntityTypeBuilder<ShiftAssignment> b)
    {
        b.ToTable("ShiftAssignments");
        b.HasKey(x => new { x.ShiftId, x.EmployeeId });
        b.Property(x => x.ShiftId).HasMaxLength(36);
        b.Property(x => x.EmployeeId).HasMaxLength(450);
        b.HasOne<Employee>().WithMany().HasForeignKey(x => x.EmployeeId).OnDelete(DeleteBehavior.Restrict);
        // "Someone's shifts" (overlap checks, the employeeId filter) is a lookup by person.
        b.HasIndex(x => x.EmployeeId);
    }
}
