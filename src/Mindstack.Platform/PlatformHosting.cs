using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mindstack.Platform.Http;

namespace Mindstack.Platform;

/// <summary>
/// How a host of the platform listens and logs, whatever modules it composes: the server uses it,
/// and so can a host of sample modules (the platform's own tests).
/// </summary>
public static class PlatformHosting
{
    private const string ReloadSetting = "hostBuilder:reloadConfigOnChange";

    /// <summary>
    /// The host's arguments with the content root's <c>appsettings*.json</c> read once, at the start,
    /// instead of watched for changes: the watch covers the whole working folder recursively (the
    /// data folder under it), so each write of the SQLite database or its log woke the watcher
    /// (about 4 % of a posting server's CPU), and setting it up walked every folder under the
    /// working folder at the start. Nothing here reads settings again after the start. An operator
    /// who names <c>hostBuilder:reloadConfigOnChange</c> (an argument, or the variable
    /// <c>DOTNET_hostBuilder__reloadConfigOnChange</c>) keeps what they chose.
    /// </summary>
    public static string[] WithSettingsReadOnce(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (Environment.GetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange") is not null
            || args.Any(a => a.Contains("reloadConfigOnChange", StringComparison.OrdinalIgnoreCase)))
        {
            return args;
        }
        return [.. args, $"--{ReloadSetting}=false"];
    }

    /// <summary>The shipped settings, the URLs, extra API ports, console logs (text or JSON) and graceful shutdown.</summary>
    public static WebApplicationBuilder ConfigureMindstackHost(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        AddShippedSettings(builder);
        var urls = (configuration["urls"] is { Length: > 0 } configured ? configured : "http://localhost:8080")
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ToList();
        // An API given its own port is served there at the root, on the main URL's host.
        var first = urls[0];
        var portColon = first.LastIndexOf(':');
        var host = portColon > first.IndexOf("://", StringComparison.Ordinal) + 2 ? first[..portColon] : first;
        foreach (var api in configuration.GetSection("Mindstack:Apis").GetChildren())
        {
            if (ApiRegistry.PortFor(configuration, api.Key) is { } port)
            {
                urls.Add($"{host}:{port}");
            }
        }
        builder.WebHost.UseUrls([.. urls]);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            // Longer than the APIs take, so the pipeline refuses an over-long URL in the API's shape.
            k.Limits.MaxRequestLineSize = RequestLine.ServerMaxBytes;
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));

        builder.Logging.ClearProviders();
        if (LogFormat(builder) == "json")
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.UseUtcTimestamp = true;
                o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
                o.UseUtcTimestamp = false;
            });
        }
        return builder;
    }

    /// <summary>
    /// <c>Mindstack:Logging:Format</c>: <c>text</c> (one readable line per entry, the default in
    /// Development) or <c>json</c> (one JSON object per line, the default elsewhere, for log collectors).
    /// </summary>
    private static string LogFormat(WebApplicationBuilder builder)
    {
        const string key = "Mindstack:Logging:Format";
        var configured = builder.Configuration[key];
        if (string.IsNullOrWhiteSpace(configured))
        {
            return builder.Environment.IsDevelopment() ? "text" : "json";
        }
        var format = configured.Trim().ToLowerInvariant();
        return format is "text" or "json" ? format
            : throw new InvalidOperationException($"{key} must be text or json, not '{configured}'");
    }

    /// <summary>
    /// The content root is the working folder, so a published server started from another folder
    /// would miss the <c>appsettings.json</c> it ships with (and log every SQL command). Read the one
    /// beside the binary first, under everything else (the content root's file, variables, arguments).
    /// </summary>
    private static void AddShippedSettings(WebApplicationBuilder builder)
    {
        var binary = Path.GetFullPath(AppContext.BaseDirectory);
        var contentRoot = Path.GetFullPath(builder.Environment.ContentRootPath);
        if (string.Equals(binary.TrimEnd(Path.DirectorySeparatorChar), contentRoot.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal)
            || !File.Exists(Path.Combine(binary, "appsettings.json")))
        {
            return;
        }
        // The environment's file over the shipped defaults, both under everything else.
        string[] files = ["appsettings.json", $"appsettings.{builder.Environment.EnvironmentName}.json"];
        for (var i = 0; i < files.Length; i++)
        {
            builder.Configuration.Sources.Insert(i, new JsonConfigurationSource
            {
                Path = files[i],
                Optional = true,
                ReloadOnChange = false,
                FileProvider = new PhysicalFileProvider(binary),
            });
        }
    }
}
