using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Workflows.Host.Runtime.Store.Sqlite;

/// <summary>
/// The SQLite store's fixed statements, prepared once per native connection handle and reused for every step.
/// Microsoft.Data.Sqlite prepares a command's statements again on every execution once its connection has been closed,
/// and preparing is a large share of a short write (ADR 0007). The store runs its steps on one connection it keeps
/// open (<see cref="SqliteStepStore"/>), so its statements stay prepared; they run inside whatever transaction that
/// connection has open, so they commit or roll back with EF Core's own writes on it.
/// </summary>
internal sealed class SqlitePrepared
{
    /// <summary>Enough for every shape the runner writes; a shape beyond it is prepared and finalized per use.</summary>
    private const int MaxStatements = 256;

    /// <summary>SQLITE_STMTSTATUS_REPREPARE.</summary>
    private const int StatusReprepare = 5;

    private static readonly ConditionalWeakTable<sqlite3, SqlitePrepared> ByHandle = [];

    private readonly sqlite3 handle;
    private readonly Dictionary<string, sqlite3_stmt> statements = new(StringComparer.Ordinal);

    private SqlitePrepared(sqlite3 handle) => this.handle = handle;

    /// <summary>The statements of the open connection's native handle.</summary>
    public static SqlitePrepared Of(SqliteConnection connection) =>
        connection.Handle is { } handle
            ? ByHandle.GetValue(handle, h => new SqlitePrepared(h))
            : throw new InvalidOperationException("The SQLite connection is not open.");

    /// <summary>Runs a statement that returns no rows and answers how many rows it changed.</summary>
    public int Execute(string sql, IReadOnlyList<object?> values)
    {
        var (statement, cached) = Statement(sql);
        try
        {
            Bind(statement, values);
            var rc = raw.sqlite3_step(statement);
            if (rc is not raw.SQLITE_DONE and not raw.SQLITE_ROW)
            {
                SqliteException.ThrowExceptionForRC(rc, handle);
            }

            return raw.sqlite3_changes(handle);
        }
        finally
        {
            Release(statement, cached);
        }
    }

    /// <summary>Runs a query and hands its first row to <paramref name="read"/>; default when there is no row.</summary>
    public T? QueryFirst<T>(string sql, IReadOnlyList<object?> values, Func<Row, T> read) =>
        Query(sql, values, read, limit: 1) is [var first] ? first : default;

    /// <summary>Runs a query and reads every row with <paramref name="read"/>.</summary>
    public List<T> QueryAll<T>(string sql, IReadOnlyList<object?> values, Func<Row, T> read) => Query(sql, values, read, limit: int.MaxValue);

    private List<T> Query<T>(string sql, IReadOnlyList<object?> values, Func<Row, T> read, int limit)
    {
        var (statement, cached) = Statement(sql);
        try
        {
            Bind(statement, values);
            var rows = new List<T>(Math.Min(limit, 4));
            while (rows.Count < limit)
            {
                var rc = raw.sqlite3_step(statement);
                if (rc == raw.SQLITE_DONE)
                {
                    break;
                }

                if (rc != raw.SQLITE_ROW)
                {
                    SqliteException.ThrowExceptionForRC(rc, handle);
                }

                rows.Add(read(new Row(statement)));
            }

            return rows;
        }
        finally
        {
            Release(statement, cached);
        }
    }

    /// <summary>
    /// How many times SQLite had to prepare a kept statement again since it was first prepared (it does so when the
    /// handle's schema or function definitions change); null when the statement is not kept. For tests and diagnosis.
    /// </summary>
    public int? Reprepared(string sql) =>
        statements.TryGetValue(sql, out var statement) ? raw.sqlite3_stmt_status(statement, StatusReprepare, 0) : null;

    private (sqlite3_stmt Statement, bool Cached) Statement(string sql)
    {
        if (statements.TryGetValue(sql, out var statement))
        {
            return (statement, true);
        }

        var cache = statements.Count < MaxStatements;
        var rc = raw.sqlite3_prepare_v3(handle, sql, cache ? raw.SQLITE_PREPARE_PERSISTENT : 0u, out statement, out var tail);
        if (rc != raw.SQLITE_OK || statement is null)
        {
            statement?.Dispose();
            SqliteException.ThrowExceptionForRC(rc, handle);
            throw new ArgumentException("Not a statement: " + sql, nameof(sql));
        }

        if (!string.IsNullOrWhiteSpace(tail))
        {
            statement.Dispose();
            throw new ArgumentException("One statement at a time: " + sql, nameof(sql));
        }

        if (cache)
        {
            statements[sql] = statement;
        }

        return (statement, cache);
    }

    private static void Release(sqlite3_stmt statement, bool cached)
    {
        if (!cached)
        {
            statement.Dispose();
            return;
        }

        raw.sqlite3_reset(statement);
        raw.sqlite3_clear_bindings(statement);
    }

    /// <summary>
    /// Binds values by position. Nulls are left alone: every parameter is null after <see cref="Release"/>
    /// (<c>sqlite3_clear_bindings</c>) and in a newly prepared statement. Text goes in as the UTF-16 it is, which SQLite
    /// converts natively, instead of SQLitePCL's managed UTF-8 copy of each string.
    /// </summary>
    private void Bind(sqlite3_stmt statement, IReadOnlyList<object?> values)
    {
        for (var i = 0; i < values.Count; i++)
        {
            var index = i + 1;
            var rc = values[i] switch
            {
                null or DBNull => raw.SQLITE_OK,
                string text => raw.sqlite3_bind_text16(statement, index, text.AsSpan()),
                long number => raw.sqlite3_bind_int64(statement, index, number),
                int number => raw.sqlite3_bind_int64(statement, index, number),
                bool flag => raw.sqlite3_bind_int64(statement, index, flag ? 1 : 0),
                double real => raw.sqlite3_bind_double(statement, index, real),
                byte[] bytes => raw.sqlite3_bind_blob(statement, index, bytes),
                var other => throw new ArgumentException($"No SQLite binding for a {other.GetType().Name} value.", nameof(values)),
            };
            if (rc != raw.SQLITE_OK)
            {
                SqliteException.ThrowExceptionForRC(rc, handle);
            }
        }
    }

    /// <summary>The current row of a query, read by column position.</summary>
    public readonly struct Row(sqlite3_stmt statement)
    {
        public bool IsNull(int column) => raw.sqlite3_column_type(statement, column) == raw.SQLITE_NULL;

        public long Int64(int column) => raw.sqlite3_column_int64(statement, column);

        public string? Text(int column) => IsNull(column) ? null : raw.sqlite3_column_text(statement, column).utf8_to_string();

        public double Double(int column) => raw.sqlite3_column_double(statement, column);

        public byte[]? Blob(int column) => IsNull(column) ? null : raw.sqlite3_column_blob(statement, column).ToArray();

        /// <summary>The column as the provider stored it: null, a long, a double, a string or bytes.</summary>
        public object? Value(int column) => raw.sqlite3_column_type(statement, column) switch
        {
            raw.SQLITE_NULL => null,
            raw.SQLITE_INTEGER => raw.sqlite3_column_int64(statement, column),
            raw.SQLITE_FLOAT => raw.sqlite3_column_double(statement, column),
            raw.SQLITE_BLOB => raw.sqlite3_column_blob(statement, column).ToArray(),
            _ => raw.sqlite3_column_text(statement, column).utf8_to_string(),
        };
    }
}
