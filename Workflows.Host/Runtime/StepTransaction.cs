using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using SQLitePCL;
using Workflows.Host.Data;

namespace Workflows.Host.Runtime;

/// <summary>
/// The write transaction of one runner step. On PostgreSQL it is EF Core's. On SQLite it is <c>BEGIN IMMEDIATE</c> …
/// <c>COMMIT</c> run as statements kept on the connection (<see cref="SqlitePrepared"/>): Microsoft.Data.Sqlite prepares
/// both again for every transaction and EF Core adds its own bookkeeping around them, together about 10 µs of a step of
/// about 300 µs in the bench (ADR 0007). EF Core does not see this transaction, so while it is open the context
/// does not start one of its own (<see cref="AutoTransactionBehavior.Never"/>): the activities' <c>SaveChanges</c> and
/// the runner's <c>ExecuteUpdate</c> run inside it, on the same connection, which stays open until it ends. Disposing
/// without a commit rolls back, as EF Core's transaction does.
/// </summary>
internal sealed class StepTransaction : IAsyncDisposable
{
    private readonly WorkflowDbContext db;
    private readonly IDbContextTransaction? ef;
    private readonly SqliteConnection? sqlite;
    private readonly AutoTransactionBehavior behavior;
    private bool open = true;

    private StepTransaction(WorkflowDbContext db, IDbContextTransaction? ef, SqliteConnection? sqlite)
    {
        this.db = db;
        this.ef = ef;
        this.sqlite = sqlite;
        behavior = db.Database.AutoTransactionBehavior;
    }

    public static async Task<StepTransaction> BeginAsync(WorkflowDbContext db, CancellationToken ct)
    {
        if (SqlitePrepared.ConnectionOf(db) is not { } sqlite)
        {
            return new StepTransaction(db, await db.Database.BeginTransactionAsync(ct), null);
        }

        await db.Database.OpenConnectionAsync(ct);
        var transaction = new StepTransaction(db, null, sqlite);
        try
        {
            SqlitePrepared.Of(sqlite).Execute("BEGIN IMMEDIATE", []);
        }
        catch
        {
            transaction.open = false;
            await db.Database.CloseConnectionAsync();
            throw;
        }

        db.Database.AutoTransactionBehavior = AutoTransactionBehavior.Never;
        return transaction;
    }

    public async Task CommitAsync(CancellationToken ct)
    {
        if (ef is not null)
        {
            await ef.CommitAsync(ct);
            return;
        }

        SqlitePrepared.Of(sqlite!).Execute("COMMIT", []);
        await EndAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (ef is not null)
        {
            await ef.DisposeAsync();
            return;
        }

        if (!open)
        {
            return;
        }

        try
        {
            // A failed statement may already have ended the transaction (SQLite rolls back on some errors).
            if (sqlite!.Handle is { } handle && raw.sqlite3_get_autocommit(handle) == 0)
            {
                SqlitePrepared.Of(sqlite).Execute("ROLLBACK", []);
            }
        }
        finally
        {
            await EndAsync();
        }
    }

    private async Task EndAsync()
    {
        open = false;
        db.Database.AutoTransactionBehavior = behavior;
        await db.Database.CloseConnectionAsync();
    }
}
