using Microsoft.Data.Sqlite;

namespace Workflows.Host.Platform;

public sealed class BackupException(string message) : Exception(message);

/// <summary>
/// A consistent copy of the SQLite database while the host keeps writing: SQLite's online backup API
/// (<see cref="SqliteConnection.BackupDatabase(SqliteConnection)"/>) copies every page in one pass under a read
/// transaction, so the copy holds exactly the transactions committed when it began (WAL lets the host go on writing
/// meanwhile). The copy is written beside the target and renamed only once it passed an integrity check, so a file with
/// the target's name is always a whole backup.
/// </summary>
public static class Backup
{
    public static (string Path, long Bytes) CopySqlite(string connectionString, string path)
    {
        var target = System.IO.Path.GetFullPath(path);
        if (File.Exists(target))
        {
            throw new BackupException($"'{target}' exists already; a backup never overwrites a file. Name a new one.");
        }

        var folder = System.IO.Path.GetDirectoryName(target)!;
        if (!Directory.Exists(folder))
        {
            throw new BackupException($"The folder '{folder}' does not exist.");
        }

        var partial = target + ".partial";
        File.Delete(partial);
        var sourceBuilder = new SqliteConnectionStringBuilder(connectionString) { Mode = SqliteOpenMode.ReadWrite, Pooling = false };
        if (!File.Exists(sourceBuilder.DataSource))
        {
            throw new BackupException($"There is no database at '{sourceBuilder.DataSource}'.");
        }

        try
        {
            using (var source = new SqliteConnection(sourceBuilder.ToString()))
            using (var copy = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = partial, Pooling = false }.ToString()))
            {
                source.Open();
                copy.Open();
                source.BackupDatabase(copy);
                // The copy is a plain file, not a WAL database: it is restored by copying it back, nothing beside it.
                using var command = copy.CreateCommand();
                command.CommandText = "PRAGMA journal_mode=DELETE; PRAGMA integrity_check;";
                using var reader = command.ExecuteReader();
                reader.NextResult();
                var verdict = reader.Read() ? reader.GetString(0) : "no answer";
                if (verdict != "ok")
                {
                    throw new BackupException($"The copy failed SQLite's integrity check: {verdict}.");
                }
            }

            File.Move(partial, target);
            return (target, new FileInfo(target).Length);
        }
        catch (SqliteException ex)
        {
            File.Delete(partial);
            throw new BackupException($"The backup failed: {ex.Message}");
        }
    }
}
