using System.Diagnostics;

namespace Mindstack.Platform.Tests.Accounts;

/// <summary>otplib (the stock TOTP library) run by node: what an authenticator app would compute.</summary>
internal static class Otplib
{
    internal static async Task<string> Node(params string[] args)
    {
        var js = Path.Combine(ChildProcess.RepositoryRoot(), "tests", "js");
        var info = new ProcessStartInfo("node") { WorkingDirectory = js, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("totp.js");
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"node totp.js failed (run `npm ci` in tests/js): {error}");
        return output.Trim();
    }
}
