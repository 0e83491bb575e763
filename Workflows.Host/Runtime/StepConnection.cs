using System.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Workflows.Host.Data;
using Workflows.Host.Platform;

namespace Workflows.Host.Runtime;

/// <summary>
/// The one connection a runner step reads, writes and commits on. On SQLite it is opened and closed directly rather
/// than through EF Core: EF Core's open and close raise its connection events (an event object each, the interceptors'
/// calls, the logger's checks), which the bench measured at about a twentieth of a completion. EF Core counts a
/// connection it did not open as the caller's: its own operations inside the step (an activity's SaveChanges, an
/// ExecuteUpdate) run on it and leave it open. What the interceptor does at EF Core's open (<see cref="SqlitePragmas"/>)
/// is done here the same way. On PostgreSQL, and when the connection is already open, EF Core opens it as before.
/// </summary>
internal readonly struct StepConnection
{
    private readonly WorkflowDbContext db;

    /// <summary>The connection opened here, directly; null when EF Core opened it.</summary>
    private readonly SqliteConnection? direct;

    private StepConnection(WorkflowDbContext db, SqliteConnection? direct)
    {
        this.db = db;
        this.direct = direct;
    }

    public static async Task<StepConnection> OpenAsync(WorkflowDbContext db, CancellationToken ct)
    {
        if (SqlitePrepared.ConnectionOf(db) is { State: ConnectionState.Closed } sqlite)
        {
            SqlitePragmas.Opening(sqlite);
            sqlite.Open();
            SqlitePragmas.Opened(sqlite);
            return new StepConnection(db, sqlite);
        }

        await db.Database.OpenConnectionAsync(ct);
        return new StepConnection(db, null);
    }

    public async Task CloseAsync()
    {
        if (direct is not null)
        {
            direct.Close();
        }
        else
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
