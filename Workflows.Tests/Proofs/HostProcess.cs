using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Workflows.Tests.Proofs;

/// <summary>
/// The built host (<c>Workflows.Host.dll</c> of the same configuration as these tests) as a real child process,
/// configured through environment variables and listening on a free loopback port. <see cref="Kill"/> is a
/// <c>kill -9</c> of the whole process tree: no shutdown hook, no flush, no goodbye.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Dictionary<string, string> environment;
    private readonly Queue<string> lastLines = new();
    private readonly Lock gate = new();
    private Process? process;
    private int errorLines;

    public HostProcess(string name, IReadOnlyDictionary<string, string> settings)
    {
        Name = name;
        Port = FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{Port}");
        environment = new Dictionary<string, string>(settings, StringComparer.Ordinal)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["Urls"] = BaseAddress.ToString().TrimEnd('/'),
            ["ASPNETCORE_URLS"] = BaseAddress.ToString().TrimEnd('/'),
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__Console__FormatterName"] = "simple",
        };
    }

    public string Name { get; }

    public int Port { get; }

    public Uri BaseAddress { get; }

    /// <summary>How often this host was started (1 after the first start).</summary>
    public int Starts { get; private set; }

    /// <summary>Log lines at error level or above ("fail:"/"crit:") since the first start, failed SQL statements aside.</summary>
    public int ErrorLines => Volatile.Read(ref errorLines);

    /// <summary>The host's build output, next to this test assembly's (same configuration, same target framework).</summary>
    public static string HostAssembly
    {
        get
        {
            // …/Workflows.Tests/bin/{Configuration}/{tfm}/ → …/Workflows.Host/bin/{Configuration}/{tfm}/Workflows.Host.dll
            var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var tfm = testBin.Name;
            var configuration = testBin.Parent!.Name;
            var root = testBin.Parent!.Parent!.Parent!.Parent!.FullName;
            var path = Path.Combine(root, "Workflows.Host", "bin", configuration, tfm, "Workflows.Host.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"Build the host first: {path} is missing.", path);
        }
    }

    /// <summary>Starts the process and waits until <c>/health</c> answers 200.</summary>
    public async Task StartAsync(TimeSpan timeout)
    {
        if (process is { HasExited: false })
        {
            throw new InvalidOperationException($"{Name} is running already.");
        }

        var dll = HostAssembly;
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Starts++;

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {process.ExitCode} while starting.{Environment.NewLine}{Tail()}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(BaseAddress, "/health"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening but busy starting.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{Name} did not become healthy within {timeout}.{Environment.NewLine}{Tail()}");
    }

    /// <summary><c>kill -9</c>: the process tree dies at once, mid-request and mid-transaction.</summary>
    public void Kill()
    {
        if (process is null)
        {
            return;
        }

        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Gone already.
        }

        process.WaitForExit();
        process.Dispose();
        process = null;
    }

    /// <summary>The last 300 lines the host wrote (standard output and error).</summary>
    public IReadOnlyList<string> Lines()
    {
        lock (gate)
        {
            return [.. lastLines];
        }
    }

    /// <summary>The last lines the host wrote, for failure messages.</summary>
    public string Tail()
    {
        lock (gate)
        {
            return $"--- last output of {Name} ---{Environment.NewLine}{string.Join(Environment.NewLine, lastLines)}";
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        // A failed SQL statement is logged by EF Core at error level even when the code expects and handles it
        // (a lost race on a unique key or a version check, answered 409 or "already closed"); what was not handled shows as a 5xx.
        if ((line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal))
            && !line.Contains("Microsoft.EntityFrameworkCore.Database.Command[", StringComparison.Ordinal)
            && !line.Contains("Microsoft.EntityFrameworkCore.Update[", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref errorLines);
        }

        lock (gate)
        {
            lastLines.Enqueue(line);
            while (lastLines.Count > 300)
            {
                lastLines.Dequeue();
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        return ValueTask.CompletedTask;
    }
}
