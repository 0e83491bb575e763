using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Workflows.Definitions;
using Workflows.Host.Data;

namespace Workflows.Host.Runtime.Store.EfCore;

/// <summary>
/// The step store in plain EF Core: an EF Core transaction, the task load and the org lookups as queries compiled once
/// per model, the runner's rows tracked by the change tracker and written with the activities' rows in one batched
/// <c>SaveChanges</c>, whose concurrency tokens (<see cref="IVersioned"/>) guard every loaded row. PostgreSQL's store;
/// provider-neutral, so the runtime's tests also run it on SQLite.
/// </summary>
public sealed class EfCoreStepStore : IStepStore
{
    public async Task<StoreStep> BeginAsync(WorkflowDbContext db, CancellationToken ct) =>
        new EfCoreStep(db, await db.Database.BeginTransactionAsync(ct));

    /// <summary>Nothing to do: PostgreSQL's autovacuum analyzes the tables; on SQLite this store serves only the tests' second lane.</summary>
    public Task KeepStatisticsAsync(CancellationToken ct) => Task.CompletedTask;

    public async Task<List<string>> HoldersAsync(WorkflowDbContext db, Holders lookup, string argument, CancellationToken ct)
    {
        var compiled = Compiled.For(db);
        var query = lookup switch
        {
            Holders.Role => compiled.HoldersOfRole(db, argument),
            Holders.Seat => compiled.HoldersOfSeat(db, Enum.Parse<Rank>(argument)),
            Holders.LeaderOfGroup => compiled.LeaderOfGroup(db, argument),
            Holders.LeaderOfGroupOf => compiled.LeaderOfGroupOf(db, argument),
            _ => throw new ArgumentOutOfRangeException(nameof(lookup), lookup, "Unknown lookup."),
        };
        var ids = new List<string>();
        await foreach (var id in query.WithCancellation(ct))
        {
            ids.Add(id);
        }

        return ids;
    }

    public async Task<List<Contact>> ContactsAsync(WorkflowDbContext db, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var contacts = new List<Contact>(ids.Count);
        var unique = ids.Distinct(StringComparer.Ordinal).ToArray();
        // A parameter per id, six at a time: a collection parameter would have its SQL generated again at every call.
        for (var start = 0; start < unique.Length; start += 6)
        {
            string? At(int i) => start + i < unique.Length ? unique[start + i] : null;
            await foreach (var contact in Compiled.For(db).Contacts(db, At(0), At(1), At(2), At(3), At(4), At(5)).WithCancellation(ct))
            {
                contacts.Add(contact);
            }
        }

        return contacts;
    }

    private sealed class EfCoreStep(WorkflowDbContext db, IDbContextTransaction transaction) : StoreStep
    {
        public override async Task<TaskForCompletion?> LoadTaskAsync(string taskId, string actorId, CancellationToken ct)
        {
            var loaded = await Compiled.For(db).TaskForCompletion(db, taskId, actorId);
            if (loaded is not null)
            {
                db.Attach(loaded.Task);
                db.Attach(loaded.Instance);
            }

            return loaded;
        }

        public override async Task<WorkflowInstance?> LoadInstanceAsync(string instanceId, CancellationToken ct) =>
            await db.Instances.SingleOrDefaultAsync(i => i.Id == instanceId, ct);

        public override void Add(object row) => db.Add(row);

        public override Task CancelTimersAsync(string instanceId, DateTimeOffset now, CancellationToken ct) =>
            db.Timers.Where(t => t.InstanceId == instanceId && t.FiredAt == null && t.CancelledAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.CancelledAt, now), ct);

        public override Task CloseCandidatesAsync(string taskId, CancellationToken ct) =>
            db.TaskCandidates.Where(c => c.TaskId == taskId && !c.Closed).ExecuteUpdateAsync(s => s.SetProperty(c => c.Closed, true), ct);

        public override void RemoveAdded(Predicate<object> match)
        {
            foreach (var entry in db.ChangeTracker.Entries().Where(e => e.State == EntityState.Added && match(e.Entity)).ToList())
            {
                entry.State = EntityState.Detached;
            }
        }

        public override async Task CommitAsync(CancellationToken ct)
        {
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }

        public override ValueTask DisposeAsync() => transaction.DisposeAsync();
    }

    /// <summary>The store's queries, compiled once per model (each provider's context has its own): they run in every step.</summary>
    private sealed class Compiled
    {
        private static readonly ConcurrentDictionary<Type, Compiled> ByContext = new();

        public static Compiled For(WorkflowDbContext db) => ByContext.GetOrAdd(db.GetType(), _ => new Compiled());

        public Func<WorkflowDbContext, string, string, Task<TaskForCompletion?>> TaskForCompletion { get; } = EF.CompileAsyncQuery(
            (WorkflowDbContext db, string taskId, string actorId) =>
                (from t in db.Tasks.AsNoTracking()
                 join i in db.Instances.AsNoTracking() on t.InstanceId equals i.Id
                 where t.Id == taskId
                 select new TaskForCompletion(t, i, db.TaskCandidates.Any(c => c.TaskId == t.Id && c.EmployeeId == actorId)))
                .FirstOrDefault());

        public Func<WorkflowDbContext, string?, string?, string?, string?, string?, string?, IAsyncEnumerable<Contact>> Contacts { get; } = EF.CompileAsyncQuery(
            (WorkflowDbContext db, string? a, string? b, string? c, string? d, string? e, string? f) =>
                db.Users.AsNoTracking()
                    .Where(u => u.Id == a || u.Id == b || u.Id == c || u.Id == d || u.Id == e || u.Id == f)
                    .Select(u => new Contact(u.Id, u.Name, u.Email, u.Language, u.EmailOff, u.DigestOff)));

        public Func<WorkflowDbContext, string, IAsyncEnumerable<string>> HoldersOfRole { get; } = EF.CompileAsyncQuery(
            (WorkflowDbContext db, string role) => from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id where r.Name == role select ur.UserId);

        public Func<WorkflowDbContext, Rank, IAsyncEnumerable<string>> HoldersOfSeat { get; } = EF.CompileAsyncQuery(
            (WorkflowDbContext db, Rank rank) => db.Seats.Where(s => s.Rank == rank && s.HolderId != null).Select(s => s.HolderId!));

        public Func<WorkflowDbContext, string, IAsyncEnumerable<string>> LeaderOfGroup { get; } = EF.CompileAsyncQuery(
            (WorkflowDbContext db, string groupId) => db.Seats.Where(s => s.Rank == Rank.GroupLeader && s.GroupId == groupId && s.HolderId != null).Select(s => s.HolderId!));

        public Func<WorkflowDbContext, string, IAsyncEnumerable<string>> LeaderOfGroupOf { get; } = EF.CompileAsyncQuery(
            (WorkflowDbContext db, string employeeId) => db.Seats
                .Where(s => s.Rank == Rank.GroupLeader && s.HolderId != null && s.GroupId == db.Users.Where(u => u.Id == employeeId).Select(u => u.GroupId).FirstOrDefault())
                .Select(s => s.HolderId!));
    }
}
