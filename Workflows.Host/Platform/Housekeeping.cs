using Hangfire;
using Microsoft.EntityFrameworkCore;
using Workflows.Host.Auth;
using Workflows.Host.Data;

namespace Workflows.Host.Platform;

/// <summary>
/// Forgets what has outlived its use, hourly: idempotency records older than their 24 hours (a repeat after that is a
/// new request anyway, <see cref="Idempotency.Lifetime"/>) and revoked sessions whose tokens have expired. Each is one
/// conditional delete: running it twice, or on two nodes at once, deletes nothing more. Then the database's planner
/// statistics are brought up to date (<see cref="Runtime.Store.IStepStore.KeepStatisticsAsync"/>).
/// </summary>
public sealed class Housekeeping(WorkflowDbContext db, Runtime.Store.IStepStore store, TimeProvider time, ILogger<Housekeeping> logger)
{
    public const string JobId = "housekeeping";

    /// <returns>How many rows were deleted.</returns>
    public async Task<int> PurgeAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var keysBefore = now - Idempotency.Lifetime;
        var keys = await db.Set<IdempotencyRecord>().Where(r => r.CreatedAt < keysBefore).ExecuteDeleteAsync(ct);
        var sessions = await db.Set<RevokedSession>().Where(r => r.ExpiresAt < now).ExecuteDeleteAsync(ct);
        if (keys + sessions > 0)
        {
            logger.LogInformation("Housekeeping: forgot {Keys} idempotency records and {Sessions} expired revoked sessions.", keys, sessions);
        }

        await store.KeepStatisticsAsync(ct);
        return keys + sessions;
    }

    public static void RegisterRecurring(IRecurringJobManager recurring) =>
        recurring.AddOrUpdate<Housekeeping>(JobId, j => j.PurgeAsync(CancellationToken.None), Cron.Hourly());
}
