using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Workflows.Tests.Proofs;

/// <summary>
/// No secrets in the repository: the tracked files (git ls-files; the working tree without bin/obj/data when git is not
/// there) hold no private keys, no cloud or chat tokens, and no connection string or configuration value with a password
/// other than the documented placeholders and the demo password.
/// </summary>
public sealed partial class RepositorySecretsTests
{
    /// <summary>Passwords the README documents: the demo accounts' and the placeholders of its examples.</summary>
    private static readonly HashSet<string> Documented = new(StringComparer.Ordinal) { "Demo@2026", "…", "...", "***", "<password>" };

    private static readonly string[] BinaryExtensions = [".db", ".dll", ".exe", ".pdb", ".png", ".jpg", ".jpeg", ".gif", ".ico", ".woff", ".woff2", ".ttf", ".zip", ".gz", ".nupkg"];

    // Written so that this file does not match itself: "-{5}" is not five dashes.
    [GeneratedRegex(@"-{5}BEGIN ((RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-{5}")]
    private static partial Regex PrivateKey();

    [GeneratedRegex(@"\b(AKIA[0-9A-Z]{16}|ghp_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{40,}|xox[abprs]-[A-Za-z0-9-]{10,}|sk-[A-Za-z0-9]{32,}|AIza[0-9A-Za-z_\-]{35})\b")]
    private static partial Regex Token();

    /// <summary>A connection string (it names a host, server or data source) with a password in it.</summary>
    [GeneratedRegex(@"(?i)\b(host|server|data source|addr|address)\s*=[^\n]*?\b(password|pwd)\s*=\s*(?<value>[^;""'\s]+)")]
    private static partial Regex ConnectionStringPassword();

    /// <summary>A password, secret or key as a value in a configuration file.</summary>
    [GeneratedRegex(@"(?i)""[A-Za-z_]*(password|secret|apikey|api_key|clientsecret|token)""\s*:\s*""(?<value>[^""]+)""")]
    private static partial Regex ConfigSecret();

    [Fact]
    public void TrackedFiles_HoldNoSecrets()
    {
        var root = RepositoryRoot();
        var files = TrackedFiles(root);
        Assert.True(files.Count > 50, $"Expected the repository's files under {root}, found {files.Count}.");
        Assert.Contains(files, f => f.EndsWith("README.md", StringComparison.Ordinal));

        var findings = new List<string>();
        foreach (var file in files)
        {
            var path = Path.Combine(root, file);
            if (BinaryExtensions.Contains(Path.GetExtension(file).ToLowerInvariant()) || !File.Exists(path) || new FileInfo(path).Length > 2_000_000)
            {
                continue;
            }

            findings.AddRange(Scan(file, File.ReadAllText(path)));
        }

        Assert.True(findings.Count == 0, "Secrets in tracked files:\n" + string.Join("\n", findings));
    }

    /// <summary>The scanner is real: it finds what it must, and lets the documented values pass.</summary>
    [Fact]
    public void Scanner_FindsPlantedSecrets_AndPassesDocumentedOnes()
    {
        // Planted values are assembled at run time, so this file itself stays clean for the scan above.
        var dashes = new string('-', 5);
        const string Host = "Ho" + "st=";
        Assert.NotEmpty(Scan("k.pem", $"{dashes}BEGIN RSA PRIVATE KEY{dashes}\nMIIEow…"));
        Assert.NotEmpty(Scan("k", $"{dashes}BEGIN OPENSSH PRIVATE KEY{dashes}"));
        Assert.NotEmpty(Scan("a.cs", "var key = \"AKIA" + "ABCDEFGHIJKLMNOP\";"));
        Assert.NotEmpty(Scan("a.sh", "token=ghp_" + new string('a', 36)));
        Assert.NotEmpty(Scan("appsettings.json", $"\"ConnectionString\": \"{Host}db;Database=w;Username=w;Password=Hunter2Real!\""));
        Assert.NotEmpty(Scan("Program.cs", "const string Cs = \"Ser" + "ver=prod;User ID=sa;Pwd=S3cret;\";"));
        Assert.NotEmpty(Scan("appsettings.Production.json", "{ \"Smtp\": { \"Password\": \"mail-pass-1\" } }"));

        Assert.Empty(Scan("README.md", $"Database__ConnectionString=\"{Host}localhost;Database=workflows;Username=workflows;Password=…\""));
        Assert.Empty(Scan("appsettings.json", "\"ConnectionString\": \"\""));
        Assert.Empty(Scan("test.sh", "WORKFLOWS_TEST_POSTGRES=\"Host=127.0.0.1;Port=5432;Username=postgres;Database=postgres\""));
        Assert.Empty(Scan("a.json", "{ \"password\": \"Demo@2026\" }"));
    }

    private static IEnumerable<string> Scan(string file, string text)
    {
        foreach (Match m in PrivateKey().Matches(text))
        {
            yield return $"{file}:{Line(text, m.Index)}: a private key";
        }

        foreach (Match m in Token().Matches(text))
        {
            yield return $"{file}:{Line(text, m.Index)}: a token ({m.Value[..6]}…)";
        }

        foreach (Match m in ConnectionStringPassword().Matches(text))
        {
            if (!Documented.Contains(m.Groups["value"].Value) && !m.Groups["value"].Value.StartsWith('$') && !m.Groups["value"].Value.StartsWith('{'))
            {
                yield return $"{file}:{Line(text, m.Index)}: a connection string with a password";
            }
        }

        if (file.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || Path.GetFileName(file).StartsWith(".env", StringComparison.Ordinal))
        {
            foreach (Match m in ConfigSecret().Matches(text))
            {
                if (!Documented.Contains(m.Groups["value"].Value))
                {
                    yield return $"{file}:{Line(text, m.Index)}: a configured secret";
                }
            }
        }
    }

    private static int Line(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Workflows.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Workflows.sln above {AppContext.BaseDirectory}.");
    }

    internal static List<string> TrackedFiles(string root)
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", ["-C", root, "ls-files", "-z"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var output = git.StandardOutput.ReadToEnd();
            git.WaitForExit();
            if (git.ExitCode == 0 && output.Length > 0)
            {
                return [.. output.Split('\0', StringSplitOptions.RemoveEmptyEntries)];
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No git on this machine: scan the working tree instead.
        }

        string[] skipped = ["bin", "obj", ".git", "data", "TestResults", "node_modules", ".vs", ".idea"];
        return [.. Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f))
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => skipped.Contains(part)))];
    }
}
