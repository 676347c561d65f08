using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mindstack.MindSwarm.Auth;
using Mindstack.MindSwarm.Outside;
using Mindstack.Platform.Http;

namespace Mindstack.MindSwarm.Sandbox;

/// <summary>
/// <c>Mindstack:MindSwarm:Sandbox:*</c>: a Piston-compatible code runner — <c>BaseUrl</c> (the
/// sandbox is off without it; <c>/api/v2/execute</c> is appended), <c>ApiKey</c> (sent as
/// <c>Authorization</c> when set), <c>RunTimeout</c> (per program, default 3 s) and <c>Timeout</c>
/// (the whole call). User code never runs on this machine.
/// </summary>
public sealed class SandboxOptions
{
    public const string Section = "Mindstack:MindSwarm:Sandbox";

    public string? BaseUrl { get; set; }
    public string? ApiKey { get; set; }
    public TimeSpan RunTimeout { get; set; } = TimeSpan.FromSeconds(3);
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    internal bool Configured => !string.IsNullOrWhiteSpace(BaseUrl);
}

internal sealed class SandboxOptionsValidator : IValidateOptions<SandboxOptions>
{
    public ValidateOptionsResult Validate(string? name, SandboxOptions options)
    {
        var failures = new List<string>();
        if (OutsideService.CheckUrl(SandboxOptions.Section + ":BaseUrl", options.BaseUrl) is { } bad)
        {
            failures.Add(bad);
        }
        if (options.RunTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{SandboxOptions.Section}:RunTimeout must be more than zero");
        }
        if (options.Timeout <= TimeSpan.Zero)
        {
            failures.Add($"{SandboxOptions.Section}:Timeout must be more than zero");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

internal sealed record SandboxRequest(string? Code, string? Language, string? Stdin);

/// <summary>What the program did: its output streams, exit code and (compiled languages) the compiler's output.</summary>
internal sealed record SandboxResult(string Language, string? Version, string Output, string Stdout, string Stderr, int? ExitCode,
    string? Signal, string? CompileOutput, bool Success);

/// <summary>The document's code sandbox: the languages it names, run by the configured sandbox service only.</summary>
internal sealed class CodeSandbox(IHttpClientFactory http, IOptions<SandboxOptions> options)
{
    public const string HttpClientName = "mindswarm-sandbox";
    public const int MaxCodeLength = 20_000;
    private const int MaxOutput = 64 * 1024;

    /// <summary>The document's languages, each with the name Piston knows it by.</summary>
    public static readonly IReadOnlyDictionary<string, string> Languages = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["node"] = "javascript",
        ["python"] = "python",
        ["typescript"] = "typescript",
        ["bash"] = "bash",
        ["ruby"] = "ruby",
        ["go"] = "go",
        ["rust"] = "rust",
        ["php"] = "php",
        ["java"] = "java",
        ["c"] = "c",
        ["cpp"] = "c++",
    };

    public async Task<SandboxResult> RunAsync(SandboxRequest request, CancellationToken ct)
    {
        var language = (request.Language ?? "").Trim().ToLowerInvariant();
        var code = request.Code ?? "";
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(code))
        {
            errors.Add(new FieldError("code", "code is required"));
        }
        else if (code.Length > MaxCodeLength)
        {
            errors.Add(new FieldError("code", $"code may be at most {MaxCodeLength} characters"));
        }
        if (!Languages.TryGetValue(language, out var runtime))
        {
            errors.Add(new FieldError("language", "language must be one of " + string.Join(", ", Languages.Keys)));
        }
        if (errors.Count > 0)
        {
            throw Problem.Invalid(errors);
        }
        var settings = options.Value;
        if (!settings.Configured)
        {
            throw OutsideService.NotConfigured("The code sandbox", SandboxOptions.Section + ":BaseUrl");
        }
        using var client = http.CreateClient(HttpClientName);
        client.Timeout = settings.Timeout;
        var runMs = (int)settings.RunTimeout.TotalMilliseconds;
        using var message = new HttpRequestMessage(HttpMethod.Post, OutsideService.Join(settings.BaseUrl!, "api/v2/execute"))
        {
            Content = JsonContent.Create(new
            {
                language = runtime,
                version = "*",
                files = new[] { new { content = code } },
                stdin = request.Stdin ?? "",
                run_timeout = runMs,
                compile_timeout = Math.Max(runMs, 10_000),
            }),
        };
        if (!string.IsNullOrWhiteSpace(settings.ApiKey))
        {
            message.Headers.TryAddWithoutValidation("Authorization", settings.ApiKey);
        }
        var root = await OutsideService.ReadJsonAsync(client, message, "The code sandbox failed: it answered",
            "The code sandbox could not be reached or answered badly", ct);
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("run", out var run) || run.ValueKind != JsonValueKind.Object)
        {
            throw OutsideService.Failed("The code sandbox answered without a run result");
        }
        var compile = root.TryGetProperty("compile", out var c) && c.ValueKind == JsonValueKind.Object ? c : (JsonElement?)null;
        var exit = run.TryGetProperty("code", out var codeElement) && codeElement.ValueKind == JsonValueKind.Number ? codeElement.GetInt32() : (int?)null;
        var compileExit = compile is { } ce && ce.TryGetProperty("code", out var cc) && cc.ValueKind == JsonValueKind.Number ? cc.GetInt32() : 0;
        return new SandboxResult(
            language,
            Text(root, "version"),
            Text(run, "output") ?? "",
            Text(run, "stdout") ?? "",
            Text(run, "stderr") ?? "",
            exit,
            Text(run, "signal"),
            compile is { } co ? Text(co, "output") : null,
            exit == 0 && compileExit == 0);
    }

    private static string? Text(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.String)
        {
            return null;
        }
        var text = v.GetString()!;
        return text.Length > MaxOutput ? text[..MaxOutput] : text;
    }
}

/// <summary>Section 2: <c>POST /api/posts/sandbox</c>.</summary>
internal static class SandboxEndpoints
{
    public static IServiceCollection AddMindSwarmSandbox(this IServiceCollection services)
    {
        services.AddOptions<SandboxOptions>().BindConfiguration(SandboxOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SandboxOptions>, SandboxOptionsValidator>());
        services.AddHttpClient(CodeSandbox.HttpClientName);
        services.TryAddScoped<CodeSandbox>();
        return services;
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapPost("/posts/sandbox", Run).RequireVerifiedEmail()
            .WithSummary("Run code (node, python, typescript, bash, ruby, go, rust, php, java, c, cpp) in the configured sandbox")
            .ProducesEnvelope<SandboxResult>();

    private static async Task<IResult> Run(Body<SandboxRequest> body, CodeSandbox sandbox, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await sandbox.RunAsync(body.Value, ct));
}
