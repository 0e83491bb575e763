using Microsoft.EntityFrameworkCore;

namespace Workflows.Host.Data;

/// <summary>
/// Database errors that mean "someone else got there first": a stale concurrency token, or a unique key taken by a
/// concurrent change (two steps of one instance both appending history seq n+1). Both providers' codes are named here,
/// once, for every caller that turns such a race into a 409.
/// </summary>
public static class DbErrors
{
    public static bool IsConflict(DbUpdateException ex) =>
        ex is DbUpdateConcurrencyException || IsUniqueViolation(ex);

    public static bool IsUniqueViolation(DbUpdateException ex) =>
        ex.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation }
        || ex.InnerException is Microsoft.Data.Sqlite.SqliteException { SqliteExtendedErrorCode: 2067 or 1555 };
}
