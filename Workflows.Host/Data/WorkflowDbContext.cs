using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Host.Organization;
using Workflows.Host.Runtime;

namespace Workflows.Host.Data;

/// <summary>
/// The one database of the product: Identity, the org, and (later) workflow instances, tasks,
/// timers and history. Provider-specific subclasses exist only so each provider has its own
/// migration set; the model is the same.
/// </summary>
public abstract class WorkflowDbContext(DbContextOptions options)
    : IdentityDbContext<Employee, IdentityRole, string>(options), IDataProtectionKeyContext
{
    /// <summary>Keys that protect cookies and bearer tokens: shared by every node, kept across restarts.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<Group> Groups => Set<Group>();

    public DbSet<Seat> Seats => Set<Seat>();

    public DbSet<DesignVersion> DesignVersions => Set<DesignVersion>();

    public DbSet<WorkflowInstance> Instances => Set<WorkflowInstance>();

    public DbSet<WorkflowTask> Tasks => Set<WorkflowTask>();

    public DbSet<TaskCandidate> TaskCandidates => Set<TaskCandidate>();

    public DbSet<WorkflowTimer> Timers => Set<WorkflowTimer>();

    public DbSet<HistoryEntry> History => Set<HistoryEntry>();

    public DbSet<Incident> Incidents => Set<Incident>();

    public DbSet<PendingSignal> Signals => Set<PendingSignal>();

    public DbSet<InstanceCopy> Copies => Set<InstanceCopy>();

    public DbSet<Delegation> Delegations => Set<Delegation>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<Employee>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(TextLimits.DisplayName).IsRequired();
            e.Property(x => x.Rank).HasConversion<string>().HasMaxLength(20);
            e.Property(x => x.GroupId).HasMaxLength(36);
            e.Property(x => x.Language).HasMaxLength(10);
            e.HasOne<Group>().WithMany().HasForeignKey(x => x.GroupId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(x => x.GroupId);
            // Who holds a rank: task assignment and escalation ask it whenever a task goes to a rank (AssignmentResolver).
            e.HasIndex(x => x.Rank);
        });

        builder.Entity<Group>(g =>
        {
            g.ToTable("Groups");
            g.Property(x => x.Id).HasMaxLength(36);
            g.Property(x => x.Name).HasMaxLength(TextLimits.DisplayName).IsRequired();
            g.HasIndex(x => x.Name).IsUnique();
        });

        builder.Entity<Seat>(s =>
        {
            s.ToTable("Seats");
            s.Property(x => x.Id).HasMaxLength(36);
            s.Property(x => x.Rank).HasConversion<string>().HasMaxLength(20);
            s.Property(x => x.GroupId).HasMaxLength(36);
            s.Property(x => x.HolderId).HasMaxLength(450);
            s.Property(x => x.Version).IsConcurrencyToken();
            s.HasOne<Group>().WithMany().HasForeignKey(x => x.GroupId).OnDelete(DeleteBehavior.Restrict);
            s.HasOne<Employee>().WithMany().HasForeignKey(x => x.HolderId).OnDelete(DeleteBehavior.Restrict);
            // A person holds at most one seat; the database, not the code, is the last word on it.
            s.HasIndex(x => x.HolderId).IsUnique().HasFilter(Filter("HolderId", "IS NOT NULL"));
            // Each group has exactly one leader seat.
            s.HasIndex(x => x.GroupId).IsUnique().HasFilter(Filter("Rank", "= 'GroupLeader'")).HasDatabaseName("IX_Seats_GroupLeaderSeat");
            s.HasIndex(x => new { x.Rank, x.HolderId });
        });

        ConfigureRuntime(builder);

        // Feature folders keep their own IEntityTypeConfiguration<T> classes beside their entities.
        builder.ApplyConfigurationsFromAssembly(typeof(WorkflowDbContext).Assembly);
    }

    private static void ConfigureRuntime(ModelBuilder builder)
    {
        builder.Entity<DesignVersion>(d =>
        {
            d.ToTable("DesignVersions");
            d.HasKey(x => new { x.Name, x.Version });
            d.Property(x => x.Name).HasMaxLength(100);
            d.Property(x => x.Type).HasMaxLength(40);
            d.Property(x => x.Hash).HasMaxLength(64);
        });

        builder.Entity<WorkflowInstance>(i =>
        {
            i.ToTable("Instances");
            i.Property(x => x.Id).HasMaxLength(36);
            i.Property(x => x.Type).HasMaxLength(40);
            i.Property(x => x.DesignName).HasMaxLength(100);
            i.Property(x => x.Status).HasConversion<string>().HasMaxLength(20);
            i.Property(x => x.Outcome).HasMaxLength(20);
            i.Property(x => x.SubjectId).HasMaxLength(450);
            i.Property(x => x.StartedBy).HasMaxLength(450);
            i.Property(x => x.CurrentStep).HasMaxLength(100);
            i.Property(x => x.WaitingFor).HasMaxLength(100);
            i.Property(x => x.Version).IsConcurrencyToken();
            i.HasIndex(x => x.Number).IsUnique();
            // Newest first, as a search page is sorted (start descending, then id), with the id in the entry: a page of a
            // type/status/date search is read from the index alone, however deep (ADR 0019); the count reads the same range.
            i.HasIndex(x => new { x.Type, x.Status, x.StartedAt, x.Id }).IsDescending(false, false, true, false);
            i.HasIndex(x => new { x.SubjectId, x.Status });
            i.HasIndex(x => x.StartedBy);
            // A search page first picks its 50 ids by start time, then reads those rows: for the instances an actor touched
            // (thousands), id and start come from this index alone (ADR 0015).
            i.HasIndex(x => new { x.Id, x.StartedAt });
            i.HasIndex(x => x.StartedAt);
            i.HasIndex(x => x.WaitingFor).HasFilter(Filter("WaitingFor", "IS NOT NULL"));
            i.Property(x => x.RunningKey).HasMaxLength(200);
            // One running instance per key and type (ADR 0011): the index holds only running rows with a key, so a finished
            // instance frees its key and instances without one are not in it.
            i.HasIndex(x => new { x.Type, x.RunningKey }).IsUnique().HasDatabaseName(RunningKeyIndex)
                .HasFilter(Filter("RunningKey", "IS NOT NULL") + " AND " + Filter("Status", "= 'Running'"));
        });

        builder.Entity<WorkflowTask>(t =>
        {
            t.ToTable("Tasks");
            t.Property(x => x.Id).HasMaxLength(36);
            t.Property(x => x.InstanceId).HasMaxLength(36);
            t.Property(x => x.Type).HasMaxLength(40);
            t.Property(x => x.Step).HasMaxLength(100);
            t.Property(x => x.Slot).HasMaxLength(20);
            t.Property(x => x.Title).HasMaxLength(200);
            t.Property(x => x.ActingRole).HasMaxLength(40);
            t.Property(x => x.RequiredRole).HasMaxLength(40);
            t.Property(x => x.Status).HasConversion<string>().HasMaxLength(20);
            t.Property(x => x.AssigneeId).HasMaxLength(450);
            t.Property(x => x.SubjectId).HasMaxLength(450);
            t.Property(x => x.CompletedBy).HasMaxLength(450);
            t.Property(x => x.Action).HasMaxLength(20);
            t.Property(x => x.Version).IsConcurrencyToken();
            t.HasOne<WorkflowInstance>().WithMany().HasForeignKey(x => x.InstanceId).OnDelete(DeleteBehavior.Restrict);
            t.HasIndex(x => new { x.InstanceId, x.Status });
            // The cycle-times report reads a range of creation times and only these columns: the index alone answers it.
            t.HasIndex(x => new { x.CreatedAt, x.Type, x.Step, x.Status, x.CompletedAt, x.DueAt });
        });

        builder.Entity<TaskCandidate>(c =>
        {
            c.ToTable("TaskCandidates");
            // Inbox: WHERE EmployeeId = @me → TaskId; the primary key is the index.
            c.HasKey(x => new { x.EmployeeId, x.TaskId });
            c.Property(x => x.TaskId).HasMaxLength(36);
            c.Property(x => x.EmployeeId).HasMaxLength(450);
            c.HasOne<WorkflowTask>().WithMany().HasForeignKey(x => x.TaskId).OnDelete(DeleteBehavior.Cascade);
            c.HasIndex(x => x.TaskId);
            // The inbox: the caller's rows of tasks not yet ended, and only those (a supervisor was asked thousands of times).
            c.Property(x => x.Closed).HasDefaultValue(false);
            c.HasIndex(x => new { x.EmployeeId, x.TaskId }, "IX_TaskCandidates_Open").HasFilter("NOT \"Closed\"");
        });

        builder.Entity<WorkflowTimer>(t =>
        {
            t.ToTable("Timers");
            t.Property(x => x.Id).HasMaxLength(36);
            t.Property(x => x.InstanceId).HasMaxLength(36);
            t.Property(x => x.Step).HasMaxLength(100);
            t.Property(x => x.Kind).HasMaxLength(20);
            t.HasOne<WorkflowInstance>().WithMany().HasForeignKey(x => x.InstanceId).OnDelete(DeleteBehavior.Restrict);
            t.HasIndex(x => new { x.FiredAt, x.CancelledAt, x.DueAt });
            t.HasIndex(x => x.InstanceId);
        });

        builder.Entity<HistoryEntry>(h =>
        {
            h.ToTable("History");
            h.HasKey(x => new { x.InstanceId, x.Seq });
            h.Property(x => x.InstanceId).HasMaxLength(36);
            h.Property(x => x.Kind).HasMaxLength(40);
            h.Property(x => x.Step).HasMaxLength(100);
            h.Property(x => x.ActorId).HasMaxLength(450);
            h.Property(x => x.ActingRole).HasMaxLength(40);
            h.Property(x => x.OnBehalfOf).HasMaxLength(450);
            h.Property(x => x.Action).HasMaxLength(20);
            h.Property(x => x.Comment).HasMaxLength(4000);
            h.HasOne<WorkflowInstance>().WithMany().HasForeignKey(x => x.InstanceId).OnDelete(DeleteBehavior.Restrict);
            // Few indexes on purpose: every index is written by every step (see the bench); searches go through instances.
            // Only rows with an actor: two of the three rows a step appends are the engine's own (step.entered,
            // task.created), and leaving them out spares a page per step. Searches by actor imply ActorId IS NOT NULL.
            // The instance id rides along so a search by actor reads the index alone (ADR 0015).
            h.HasIndex(x => new { x.ActorId, x.At, x.InstanceId }).HasFilter(Filter("ActorId", "IS NOT NULL"));
            // The applications report counts each application's returns: only the return rows are in this index, so a step
            // that returns nothing writes nothing to it. The report's query repeats the condition word for word, which is
            // what lets SQLite use a partial index (ADR 0015).
            h.HasIndex(x => x.InstanceId).HasFilter(ReturnsFilter).HasDatabaseName("IX_History_Returns");
        });

        builder.Entity<Incident>(i =>
        {
            i.ToTable("Incidents");
            i.Property(x => x.Id).HasMaxLength(36);
            i.Property(x => x.InstanceId).HasMaxLength(36);
            i.Property(x => x.Step).HasMaxLength(100);
            i.Property(x => x.Operation).HasMaxLength(100);
            i.HasOne<WorkflowInstance>().WithMany().HasForeignKey(x => x.InstanceId).OnDelete(DeleteBehavior.Restrict);
            i.HasIndex(x => new { x.InstanceId, x.ResolvedAt });
        });

        builder.Entity<InstanceCopy>(c =>
        {
            c.ToTable("InstanceCopies");
            // 抄送我的: WHERE EmployeeId = @me; the primary key is the index.
            c.HasKey(x => new { x.EmployeeId, x.InstanceId });
            c.Property(x => x.InstanceId).HasMaxLength(36);
            c.Property(x => x.EmployeeId).HasMaxLength(450);
            c.Property(x => x.CopiedBy).HasMaxLength(450);
            c.HasOne<WorkflowInstance>().WithMany().HasForeignKey(x => x.InstanceId).OnDelete(DeleteBehavior.Restrict);
            c.HasIndex(x => x.InstanceId);
        });

        builder.Entity<Delegation>(d =>
        {
            d.ToTable("Delegations");
            // One delegate per employee at a time.
            d.HasKey(x => x.EmployeeId);
            d.Property(x => x.EmployeeId).HasMaxLength(450);
            d.Property(x => x.DelegateId).HasMaxLength(450);
            d.Property(x => x.SetBy).HasMaxLength(450);
            d.HasOne<Employee>().WithMany().HasForeignKey(x => x.EmployeeId).OnDelete(DeleteBehavior.Cascade);
            d.HasOne<Employee>().WithMany().HasForeignKey(x => x.DelegateId).OnDelete(DeleteBehavior.Restrict);
            d.HasIndex(x => x.DelegateId);
        });

        builder.Entity<PendingSignal>(p =>
        {
            p.ToTable("Signals");
            p.Property(x => x.Id).HasMaxLength(36);
            p.Property(x => x.Name).HasMaxLength(100);
            p.Property(x => x.SubjectId).HasMaxLength(450);
            p.HasIndex(x => new { x.DeliveredAt, x.RaisedAt });
        });

        // The ledger report sums the closed months by month, kind and amount: this index alone answers it (ADR 0015).
        builder.Entity<Ledger.ClosedStatementLine>().HasIndex(x => new { x.Month, x.Kind, x.Amount });
    }

    /// <summary>The rows of <c>IX_History_Returns</c>: a return decision (or the engine's own return entry).</summary>
    public const string ReturnsFilter = "\"Kind\" = 'task.returned' OR \"Action\" = 'return'";

    /// <summary>A filtered index's condition; both providers quote identifiers with double quotes.</summary>
    private static string Filter(string column, string condition) => $"\"{column}\" {condition}";

    /// <summary>The unique index of <see cref="WorkflowInstance.RunningKey"/>; a violation of it names the running instance's key.</summary>
    public const string RunningKeyIndex = "IX_Instances_RunningKey";

    /// <summary>The next application reference number (<see cref="WorkflowInstance.Number"/>), inside the start's transaction.</summary>
    public abstract Task<long> NextInstanceNumberAsync(CancellationToken ct);

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        BumpVersions();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        BumpVersions();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    /// <summary>Rows with a version are optimistic-concurrency guarded: every update moves the token.</summary>
    private void BumpVersions()
    {
        if (ChangeTracker.Entries<HistoryEntry>().Any(e => e.State is EntityState.Modified or EntityState.Deleted))
        {
            throw new InvalidOperationException("History is append-only: entries are never updated or deleted.");
        }

        foreach (var entry in ChangeTracker.Entries<IVersioned>())
        {
            if (entry.State == EntityState.Modified)
            {
                // Through the entry, so the change counts even when automatic change detection is off.
                var version = entry.Property(e => e.Version);
                version.CurrentValue = version.OriginalValue + 1;
            }
        }
    }
}

public interface IVersioned
{
    long Version { get; set; }
}

public sealed class SqliteWorkflowDbContext(DbContextOptions<SqliteWorkflowDbContext> options) : WorkflowDbContext(options)
{
    /// <summary>
    /// SQLite has one writer at a time and a start runs inside its write transaction, so the highest number plus one
    /// cannot be taken twice (the unique index would refuse it if it were).
    /// </summary>
    public override async Task<long> NextInstanceNumberAsync(CancellationToken ct) =>
        await Database.SqlQueryRaw<long>("SELECT COALESCE(MAX(\"Number\"), 0) + 1 AS \"Value\" FROM \"Instances\"").SingleAsync(ct);

    /// <summary>
    /// SQLite has no timestamp type: instants are stored as a sortable 64-bit number (UTC ticks and
    /// offset), so due-timer and inbox queries can compare and order them in SQL.
    /// </summary>
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<Microsoft.EntityFrameworkCore.Storage.ValueConversion.DateTimeOffsetToBinaryConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<Microsoft.EntityFrameworkCore.Storage.ValueConversion.DateTimeOffsetToBinaryConverter>();
    }
}

/// <summary>PostgreSQL's own migration set; the model is the base class's, plus the sequence of reference numbers.</summary>
public sealed class PostgresWorkflowDbContext(DbContextOptions<PostgresWorkflowDbContext> options) : WorkflowDbContext(options)
{
    public const string InstanceNumbers = "InstanceNumbers";

    /// <summary>A sequence: concurrent starts (several writers) each get their own number without waiting for one another.</summary>
    public override async Task<long> NextInstanceNumberAsync(CancellationToken ct) =>
        await Database.SqlQueryRaw<long>($"SELECT nextval('\"{InstanceNumbers}\"') AS \"Value\"").SingleAsync(ct);

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.HasSequence<long>(InstanceNumbers);
    }
}
