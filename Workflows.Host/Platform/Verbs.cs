using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Host.Data;
using Workflows.Host.Organization;

namespace Workflows.Host.Platform;

/// <summary>
/// Command-line verbs of the host: <c>migrate</c>, <c>seed-demo</c>, <c>create-hr</c>, <c>import-org</c>,
/// <c>backup</c> (and <c>bench</c>, in Bench/). Each builds the same host (configuration, database) and exits.
/// </summary>
public static class Verbs
{
    private static readonly string[] Known = ["migrate", "seed-demo", "bench", "create-hr", "import-org", "backup"];

    /// <summary>The variable <c>create-hr</c> reads the password from (else standard input): never the command line.</summary>
    public const string PasswordVariable = "WORKFLOWS_PASSWORD";

    /// <summary>
    /// Splits the verb and its own arguments from the rest, which configure the host (<c>--Database:Provider=…</c>).
    /// A verb's own arguments are its options (<c>--user NAME</c>, <c>--dry-run</c>) and its positional ones (a path).
    /// </summary>
    public static (string? Verb, string[] VerbArgs, string[] HostArgs) Split(string[] args)
    {
        if (args.Length == 0 || !Known.Contains(args[0], StringComparer.Ordinal))
        {
            return (null, [], args);
        }

        var verb = args[0];
        if (verb is "migrate" or "seed-demo" or "bench")
        {
            return (verb, args[1..], args[1..]);
        }

        var own = new List<string>();
        var host = new List<string>();
        for (var i = 1; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg is "--user" or "--name" && i + 1 < args.Length)
            {
                own.Add(arg);
                own.Add(args[++i]);
            }
            else if (arg is "--dry-run" || !arg.StartsWith('-'))
            {
                own.Add(arg);
            }
            else
            {
                host.Add(arg);
            }
        }

        return (verb, [.. own], [.. host]);
    }

    public static async Task<int> RunAsync(string verb, string[] verbArgs, WebApplication app)
    {
        switch (verb)
        {
            case "migrate":
                await DatabaseSetup.MigrateAsync(app.Services);
                Console.WriteLine($"Migrations applied ({app.Services.GetRequiredService<DatabaseInfo>().Provider}).");
                return 0;
            case "seed-demo":
                await DatabaseSetup.MigrateAsync(app.Services);
                await using (var scope = app.Services.CreateAsyncScope())
                {
                    var seeded = await scope.ServiceProvider.GetRequiredService<DemoSeed>().SeedDemoAsync();
                    Console.WriteLine(seeded ? "Demo department seeded." : "The database is not empty; nothing seeded.");
                }

                return 0;
            case "create-hr":
                return await CreateHrAsync(verbArgs, app.Services, Console.In, Console.Out, Console.Error);
            case "import-org":
                return await ImportOrgAsync(verbArgs, app.Services, Console.Out, Console.Error);
            case "backup":
                return await BackupAsync(verbArgs, app.Services, Console.Out, Console.Error);
            default:
                Console.Error.WriteLine($"Unknown verb '{verb}'. Known: {string.Join(", ", Known)}.");
                return 2;
        }
    }

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static string[] Positional(string[] args)
    {
        var result = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--user" or "--name")
            {
                i++;
            }
            else if (!args[i].StartsWith('-'))
            {
                result.Add(args[i]);
            }
        }

        return [.. result];
    }

    /// <summary>
    /// The first HR account of an empty department, on any provider: the password comes from
    /// <see cref="PasswordVariable"/> or the first line of standard input, so it is in no shell history or process list.
    /// Refused (exit 1) when an HR account exists: after that, HR creates accounts.
    /// </summary>
    public static async Task<int> CreateHrAsync(string[] args, IServiceProvider services, TextReader input, TextWriter output, TextWriter error)
    {
        var userName = Option(args, "--user")?.Trim();
        var name = Option(args, "--name")?.Trim();
        if (string.IsNullOrEmpty(userName) || string.IsNullOrEmpty(name))
        {
            await error.WriteLineAsync($"Usage: create-hr --user NAME --name NAME (the password from {PasswordVariable} or standard input).");
            return 2;
        }

        var password = Environment.GetEnvironmentVariable(PasswordVariable);
        if (string.IsNullOrEmpty(password))
        {
            if (!Console.IsInputRedirected && ReferenceEquals(input, Console.In))
            {
                await output.WriteAsync("Password: ");
                password = ReadHidden();
            }
            else
            {
                password = (await input.ReadLineAsync())?.TrimEnd('\r');
            }
        }

        if (string.IsNullOrEmpty(password))
        {
            await error.WriteLineAsync($"No password: set {PasswordVariable} or write it on standard input.");
            return 2;
        }

        await DatabaseSetup.MigrateAsync(services);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WorkflowDbContext>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<Employee>>();
        await scope.ServiceProvider.GetRequiredService<DemoSeed>().EnsureRolesAsync();
        var hrHolders = await users.GetUsersInRoleAsync(CompanyRoles.HR);
        if (hrHolders.Count > 0)
        {
            await error.WriteLineAsync($"Refused: an HR account exists already ({string.Join(", ", hrHolders.Select(u => u.UserName))}). HR creates further accounts.");
            return 1;
        }

        await using var tx = await db.Database.BeginTransactionAsync();
        var employee = new Employee { UserName = userName, Name = name };
        var created = await users.CreateAsync(employee, password);
        if (!created.Succeeded)
        {
            await error.WriteLineAsync("Refused: " + string.Join(" ", created.Errors.Select(e => e.Description)));
            return 1;
        }

        var added = await users.AddToRoleAsync(employee, CompanyRoles.HR);
        if (!added.Succeeded)
        {
            await error.WriteLineAsync("Refused: " + string.Join(" ", added.Errors.Select(e => e.Description)));
            return 1;
        }

        await tx.CommitAsync();
        await output.WriteLineAsync($"HR account '{userName}' ({name}) created. Sign in with it at /Account/Login or POST /api/auth/login.");
        return 0;
    }

    private static string ReadHidden()
    {
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.WriteLine();
                return text.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }
    }

    /// <summary><c>import-org FILE [--dry-run]</c>: what <c>POST /api/org/import</c> does. Exit 1 when a line is wrong (nothing written).</summary>
    public static async Task<int> ImportOrgAsync(string[] args, IServiceProvider services, TextWriter output, TextWriter error)
    {
        var paths = Positional(args);
        if (paths.Length != 1)
        {
            await error.WriteLineAsync("Usage: import-org FILE [--dry-run] (CSV or .xlsx with the columns userName,name,rank,group,roles,email).");
            return 2;
        }

        if (!File.Exists(paths[0]))
        {
            await error.WriteLineAsync($"There is no file '{paths[0]}'.");
            return 2;
        }

        var dryRun = args.Contains("--dry-run", StringComparer.Ordinal);
        var content = await File.ReadAllBytesAsync(paths[0]);
        await DatabaseSetup.MigrateAsync(services);
        await using var scope = services.CreateAsyncScope();
        ImportResult result;
        try
        {
            result = await scope.ServiceProvider.GetRequiredService<OrgImport>().ImportAsync(content, dryRun, CancellationToken.None);
        }
        catch (ImportFormatException ex)
        {
            await error.WriteLineAsync(ex.Message);
            return 1;
        }

        if (result.Errors.Count > 0)
        {
            foreach (var e in result.Errors)
            {
                await error.WriteLineAsync($"line {e.Line}, {e.Field}: {e.Message}");
            }

            await error.WriteLineAsync($"{result.Errors.Select(e => e.Line).Distinct().Count()} line(s) with errors; nothing imported.");
            return 1;
        }

        await output.WriteLineAsync((dryRun
                ? $"Dry run (nothing written): {result.Created} to create, {result.Updated} to update, {result.Unchanged} unchanged"
                : $"Imported: {result.Created} created, {result.Updated} updated, {result.Unchanged} unchanged")
            + (result.GroupsCreated.Count > 0 ? $"; new groups: {string.Join(", ", result.GroupsCreated)}." : "."));
        if (result.TemporaryPasswords.Count > 0)
        {
            await output.WriteLineAsync("Temporary passwords (changed at the first sign-in; shown only now):");
            await output.WriteLineAsync("userName,password");
            foreach (var p in result.TemporaryPasswords)
            {
                await output.WriteLineAsync($"{p.UserName},{p.Password}");
            }
        }

        return 0;
    }

    /// <summary><c>backup PATH</c>: a consistent copy of the SQLite database, safe while the host runs (<see cref="Backup"/>).</summary>
    public static async Task<int> BackupAsync(string[] args, IServiceProvider services, TextWriter output, TextWriter error)
    {
        var paths = Positional(args);
        if (paths.Length != 1)
        {
            await error.WriteLineAsync("Usage: backup PATH (a new file).");
            return 2;
        }

        var database = services.GetRequiredService<DatabaseInfo>();
        if (database.Provider != DatabaseProvider.Sqlite)
        {
            await error.WriteLineAsync("The backup verb copies the embedded SQLite database. On PostgreSQL use pg_dump "
                + "(pg_dump --format=custom --file=workflows.dump DBNAME; restore with pg_restore; see the README, \"Backups\").");
            return 2;
        }

        try
        {
            var copied = Backup.CopySqlite(database.ConnectionString, paths[0]);
            await output.WriteLineAsync($"Backed up to {copied.Path} ({copied.Bytes:N0} bytes, integrity checked).");
            return 0;
        }
        catch (BackupException ex)
        {
            await error.WriteLineAsync(ex.Message);
            return 1;
        }
    }
}
