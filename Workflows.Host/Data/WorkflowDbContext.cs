using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Host.Organization;

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

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<Employee>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(100).IsRequired();
            e.Property(x => x.Rank).HasConversion<string>().HasMaxLength(20);
            e.Property(x => x.GroupId).HasMaxLength(36);
            e.HasOne<Group>().WithMany().HasForeignKey(x => x.GroupId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(x => x.GroupId);
        });

        builder.Entity<Group>(g =>
        {
            g.ToTable("Groups");
            g.Property(x => x.Id).HasMaxLength(36);
            g.Property(x => x.Name).HasMaxLength(100).IsRequired();
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
    }

    /// <summary>Quotes a column for a filtered index the way the provider wants it.</summary>
    protected abstract string Filter(string column, string condition);

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
        foreach (var entry in ChangeTracker.Entries<IVersioned>())
        {
            if (entry.State == EntityState.Modified)
            {
                entry.Entity.Version++;
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
    /// SQLite has no timestamp type: instants are stored as a sortable 64-bit number (UTC ticks and
    /// offset), so due-timer and inbox queries can compare and order them in SQL.
    /// </summary>
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<Microsoft.EntityFrameworkCore.Storage.ValueConversion.DateTimeOffsetToBinaryConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<Microsoft.EntityFrameworkCore.Storage.ValueConversion.DateTimeOffsetToBinaryConverter>();
    }

    protected override string Filter(string column, string condition) => $"\"{column}\" {condition}";
}

public sealed class PostgresWorkflowDbContext(DbContextOptions<PostgresWorkflowDbContext> options) : WorkflowDbContext(options)
{
    protected override string Filter(string column, string condition) => $"\"{column}\" {condition}";
}
