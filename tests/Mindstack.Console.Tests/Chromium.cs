using Microsoft.Playwright;

namespace Mindstack.Console.Tests;

/// <summary>
/// Debian's headless Chromium (<c>chromium-headless-shell</c>, which <c>./test.sh</c> installs),
/// driven by Playwright through <c>ExecutablePath</c>: Playwright cannot download its own browsers here.
/// <c>MINDSTACK_CHROMIUM</c> names another binary.
/// </summary>
public static class Chromium
{
    public static string? ExecutablePath { get; } = Find();

    public const string Missing =
        "chromium-headless-shell is not installed (apt-get install --no-install-recommends chromium-headless-shell); the browser tests need it";

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("MINDSTACK_CHROMIUM") is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : null;
        }
        string[] candidates = ["/usr/bin/chromium-headless-shell", "/usr/lib/chromium/headless_shell", "/usr/bin/chromium"];
        return candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>Where screenshots go: <c>MINDSTACK_ARTIFACTS</c>, else <c>console-screenshots</c> beside the test binary.</summary>
    public static string ScreenshotFolder { get; } = Path.Combine(
        Environment.GetEnvironmentVariable("MINDSTACK_ARTIFACTS") is { Length: > 0 } artefacts ? artefacts : AppContext.BaseDirectory,
        "console-screenshots");
}

/// <summary>A test that needs the browser: skipped, with the reason, when the binary is absent.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (Chromium.ExecutablePath is null)
        {
            Skip = Chromium.Missing;
        }
    }
}

/// <summary>One browser for a test class; each test opens its own context (its own cookies).</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>
    /// How long any browser action, navigation or expectation may take. Playwright's own defaults
    /// (5 s for an expectation) are too short on a loaded CI machine, where one page can take
    /// seconds: every wait is for a condition, so a long limit costs nothing when things go well.
    /// </summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private IPlaywright? _playwright;

    public IBrowser? Browser { get; private set; }

    public async Task InitializeAsync()
    {
        if (Chromium.ExecutablePath is not { } path)
        {
            return;
        }
        Assertions.SetDefaultExpectTimeout((float)Patience.TotalMilliseconds);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = path,
            Headless = true,
            // Containers run as root without user namespaces: Chromium's sandbox cannot start there.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }

    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser!.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout((float)Patience.TotalMilliseconds);
        context.SetDefaultNavigationTimeout((float)Patience.TotalMilliseconds);
        return await context.NewPageAsync();
    }

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Chromium.ScreenshotFolder);
        var provider = TestDatabase.UsePostgres ? "postgres" : "sqlite";
        await page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = Path.Combine(Chromium.ScreenshotFolder, $"{name}-{provider}.png"),
            FullPage = true,
        });
    }
}
