using System.Data.Common;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Workflows.Tests.Web;

/// <summary>
/// Counts the SQL commands EF Core sends to one test database while it is listening, through EF's diagnostic
/// events (the host's DbContext options are built by the host; this needs no change there). Other test classes
/// run in parallel against their own databases, so commands are matched by the database they go to.
/// </summary>
public sealed class CommandCounter : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private readonly string connectionString;
    private readonly List<IDisposable> subscriptions = [];
    private readonly IDisposable all;
    private int count;

    public CommandCounter(string connectionString)
    {
        this.connectionString = connectionString;
        all = DiagnosticListener.AllListeners.Subscribe(this);
    }

    public bool Listening { get; set; }

    public int Count => Volatile.Read(ref count);

    public void Reset() => Interlocked.Exchange(ref count, 0);

    public void OnNext(DiagnosticListener value)
    {
        if (value.Name == DbLoggerCategory.Name)
        {
            lock (subscriptions)
            {
                subscriptions.Add(value.Subscribe(this));
            }
        }
    }

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (Listening && value.Key == RelationalEventId.CommandExecuting.Name && value.Value is CommandEventData data && Ours(data.Command.Connection))
        {
            Interlocked.Increment(ref count);
        }
    }

    /// <summary>SQLite names its database by file (DataSource), PostgreSQL by name; either is unique to the test class.</summary>
    private bool Ours(DbConnection? connection)
    {
        var key = connection is Microsoft.Data.Sqlite.SqliteConnection ? connection.DataSource : connection?.Database;
        return !string.IsNullOrEmpty(key) && connectionString.Contains(key, StringComparison.Ordinal);
    }

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    public void Dispose()
    {
        all.Dispose();
        lock (subscriptions)
        {
            subscriptions.ForEach(s => s.Dispose());
        }
    }
}
