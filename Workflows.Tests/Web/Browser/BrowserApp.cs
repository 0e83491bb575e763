using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Web.Browser;

/// <summary>
/// The real host on a loopback port (Kestrel, a free port chosen by the OS) over its own SQLite database, with the
/// fake clock of every other test, and one headless Debian Chromium driven by Playwright. Playwright never downloads a
/// browser here: it launches <see cref="ChromiumPath"/>. Without it the tests skip, except under <c>CI=true</c>, where
/// they fail (./test.sh installs the <c>chromium</c> package when it is missing).
/// </summary>
public sealed class BrowserApp : WorkflowsApp
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? playwright;

    public BrowserApp()
        : base(Lane.Sqlite) => UseKestrel(0);

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where the host listens, e.g. http://127.0.0.1:41234.</summary>
    public Uri Address { get; private set; } = null!;

    public override async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            return;
        }

        await base.InitializeAsync();
        Address = new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>Called first in every browser test: skips without Chromium, fails without it under CI.</summary>
    public static void EnsureChromium()
    {
        if (File.Exists(ChromiumPath))
        {
            return;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"CI=true but {ChromiumPath} is missing: run the tests with ./test.sh, which installs Debian's chromium.");
        }

        Assert.Skip($"Browser tests: {ChromiumPath} is missing. Run ./test.sh (it installs Debian's chromium) or apt-get install chromium.");
    }

    protected override void StartHost() => StartServer();

    public override async ValueTask DisposeAsync()
    {
        if (playwright is not null)
        {
            await Browser.DisposeAsync();
            playwright.Dispose();
        }

        await base.DisposeAsync();
    }
}
