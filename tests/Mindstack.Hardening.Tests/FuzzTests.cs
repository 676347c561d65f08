using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Mindstack.Hardening.Tests;

/// <summary>
/// Walks every operation of every served OpenAPI document and sends it what an attacker or a
/// broken client would: malformed JSON, wrong types, missing and extra fields, empty and huge
/// strings, deep nesting, NUL, lone surrogates, right-to-left overrides, emoji, negative, huge and
/// fractional numbers, bad ids and traversal, huge queries, every method. Every answer must be
/// below 500, every refusal in the owning API's error shape with no stack trace, and a refused
/// request must leave every stored row as it was. An API joins by publishing its document.
/// </summary>
public sealed class FuzzTests(HardeningFactory factory, ITestOutputHelper output) : IClassFixture<HardeningFactory>
{
    public static TheoryData<string> Apis => new(OpenApiWalk.Apis);

    // A NUL in the path is refused by the HTTP server before any of ours runs (the in-process test
    // host cannot even carry it); the published-server tests send that one.
    private static readonly string[] BadIds =
    [
        "0", "-1", "99999999999999999999999999", "abc", "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "%EF%BF%BF",
        "%F0%9F%98%80", "%ED%A0%80", new string('a', 600), "'%20OR%201=1--",
    ];

    private static readonly string[] BadQueryValues =
    [
        "", "-1", "0", "1.5", "1e309", "99999999999999999999999999", "abc", "%00", "%ED%A0%80", "%E2%80%AEevil",
        "9999-12-31", "0001-01-01", "2026-13-45", "true", "%5B%5D", new string('9', 4000),
    ];

    /// <summary>Values put in place of each body property (as raw JSON).</summary>
    private static readonly string[] BadBodyValues =
    [
        "null", "true", "0", "-1", "1.5", "1e308", "-1e308", "99999999999999999999999999", "\"\"",
        "\"\\u0000\"", "\"\\ud800\"", "\"\\udfff tail\"", "\"\\u202Eevil\"", "\"😀👍🏽\"", "\"../../etc/passwd\"",
        "\"" + new string('x', 100_000) + "\"", "[]", "{}", "[1,2,3]", "{\"$ne\":null}", "\"2026-02-30\"", "\"-1\"",
    ];

    /// <summary>Whole bodies that are wrong as a whole.</summary>
    private static readonly string[] BadBodies =
    [
        "", "{", "{\"a\":", "}", "[]", "null", "0", "\"text\"", "{\"a\":1,\"a\":2}", "{'single':'quotes'}",
        new string('[', 2000) + new string(']', 2000),
        string.Concat(Enumerable.Repeat("{\"a\":", 2000)) + "1" + new string('}', 2000),
        "{\"x\":\"\\ud800\"}", "\uFEFF{}", "{\"x\":\"" + new string('y', 900_000) + "\"}",
        "{\"x\":\"" + new string('y', 1_100_000) + "\"}",
    ];

    [Theory]
    [MemberData(nameof(Apis))]
    public async Task EveryOperation_BadInput_RefusedInOwnShapeNothingStored(string api)
    {
        using var client = factory.CreateClient();
        var walk = await OpenApiWalk.LoadAsync(client, api);
        var operations = walk.Operations(api);
        var callers = await factory.NewCallersAsync();
        var problems = new List<string>();
        var sent = 0;

        // Reads first, as a client would: lazily made rows (a wallet on first look) exist before
        // any refused write is judged.
        foreach (var operation in operations.Where(o => o.Method == HttpMethod.Get && !o.Path.Contains('{')))
        {
            using var _ = await factory.SendAsync(client, HttpMethod.Get, operation.Path, callers);
        }

        var statuses = new SortedDictionary<int, int>();
        var refusedBases = new List<string>();
        var judge = new StoredStateJudge(factory, client, api, problems);
        foreach (var operation in operations)
        {
            // Signing out ends the caller's session: each such case gets a fresh caller, and so
            // does whatever follows. A write whose base body is accepted will often store, rightly:
            // its cases are judged one at a time.
            var signsOut = operation.Path.Contains("logout", StringComparison.Ordinal);
            var alone = signsOut;
            if (BaseBody(walk, operation) is { } valid && !operation.Path.Contains('{'))
            {
                await judge.SettleAndForgetAsync();
                using var probe = await factory.SendAsync(client, operation.Method, operation.Path, callers,
                    new StringContent(valid, Encoding.UTF8, "application/json"));
                if ((int)probe.StatusCode >= 400)
                {
                    refusedBases.Add($"{operation} {(int)probe.StatusCode}");
                }
                else
                {
                    alone = true;
                }
            }
            foreach (var (method, path, body) in Cases(walk, operation))
            {
                if (signsOut)
                {
                    await judge.SettleAndForgetAsync();
                    callers = await factory.NewCallersAsync();
                }
                sent++;
                var status = await judge.SendAsync(new Sent(method, path, body, callers), alone);
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                // A write that stored once will likely store again: judge the rest of its operation one by one.
                alone |= status < 400 && StoredStateJudge.IsWrite(method);
            }
            if (signsOut)
            {
                await judge.SettleAndForgetAsync();
                callers = await factory.NewCallersAsync();
            }
        }
        await judge.SettleAndForgetAsync();

        output.WriteLine($"{api}: {operations.Count} operations, {sent} requests, {problems.Count} problems; statuses "
            + string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}")));
        output.WriteLine($"stored state read {judge.Reads} times ({judge.ReadTime.Elapsed.TotalSeconds:F1} s), {judge.Resent} requests sent again alone");
        output.WriteLine("base bodies refused (their deeper fields are reached less): " + string.Join("; ", refusedBases));
        Assert.True(problems.Count == 0, $"{problems.Count} of {sent} requests misbehaved:\n" + string.Join('\n', problems.Take(40)));
    }

    private sealed record Sent(HttpMethod Method, string Path, string? Body, Callers Callers, int Status = 0)
    {
        public string Describe(string problem) => $"{Method} {Shorten(Path)} body={Shorten(Body)} → {problem}";
    }

    /// <summary>
    /// Judges that a refused write stores nothing, a run of writes at a time: every stored row is
    /// read before and after a run of up to <see cref="RunLength"/> refused writes, and only a run
    /// whose rows changed is sent again, each write alone between two reads, to name the one that
    /// stored. Reading every row of every table is most of what the walk costs; once a run instead
    /// of twice a write keeps it short. A request that may rightly store (a read, an accepted
    /// write) ends the run before it or, when that is only known from its answer, with it.
    /// </summary>
    private sealed class StoredStateJudge(HardeningFactory factory, HttpClient client, string api, List<string> problems)
    {
        private const int RunLength = 48;
        private readonly List<Sent> _run = [];
        private IReadOnlyDictionary<string, string>? _known;

        public int Reads { get; private set; }
        public int Resent { get; private set; }
        public Stopwatch ReadTime { get; } = new();

        public static bool IsWrite(HttpMethod method) => method != HttpMethod.Get && method != HttpMethod.Head && method != HttpMethod.Options;

        /// <summary>Sends one case, records what is wrong with its answer, and returns its status.</summary>
        public async Task<int> SendAsync(Sent sent, bool alone)
        {
            if (!IsWrite(sent.Method))
            {
                // A read may store (a wallet made on first look): the writes before it are judged first.
                await SettleAndForgetAsync();
                var (readStatus, readProblem) = await SendOnceAsync(sent);
                if (readProblem is not null)
                {
                    problems.Add(sent.Describe(readProblem));
                }
                return readStatus;
            }
            _known ??= await ReadAsync();
            var (status, problem) = await SendOnceAsync(sent);
            if (problem is not null)
            {
                problems.Add(sent.Describe(problem));
            }
            if (status < 400 || problem is not null)
            {
                // It may rightly have stored (or is wrong already): the run before it is judged with it.
                await SettleAsync(sent);
                _known = null;
                return status;
            }
            _run.Add(sent with { Status = status });
            if (alone || _run.Count >= RunLength)
            {
                await SettleAsync(null);
            }
            return status;
        }

        /// <summary>Judges the run so far; then something else may write (new callers, a probe).</summary>
        public async Task SettleAndForgetAsync()
        {
            await SettleAsync(null);
            _known = null;
        }

        /// <summary>
        /// Reads the rows after the run (and <paramref name="storer"/>, sent last, which may store)
        /// and, when they changed, finds which refused write of the run stored.
        /// </summary>
        private async Task SettleAsync(Sent? storer)
        {
            if (_run.Count == 0)
            {
                return;
            }
            var run = _run.ToList();
            _run.Clear();
            var after = await ReadAsync();
            var changed = Changed(_known!, after);
            _known = after;
            if (changed.Count == 0)
            {
                return;
            }
            if (run.Count == 1 && storer is null)
            {
                problems.Add(run[0].Describe($"{run[0].Status} but changed {string.Join(", ", changed)}"));
                return;
            }
            _known = null;
            var found = false;
            foreach (var again in run)
            {
                Resent++;
                var before = await ReadAsync();
                var (status, problem) = await SendOnceAsync(again);
                if (status >= 400 && problem is null && Changed(before, await ReadAsync()) is { Count: > 0 } stored)
                {
                    problems.Add(again.Describe($"{status} but changed {string.Join(", ", stored)} (sent again alone: its run changed {string.Join(", ", changed)})"));
                    found = true;
                }
                else if (problem is not null)
                {
                    problems.Add(again.Describe(problem + " (sent again alone)"));
                }
            }
            if (!found && storer is null)
            {
                problems.Add($"a run of {run.Count} refused writes changed {string.Join(", ", changed)}, and none did when sent again alone; "
                    + $"from {run[0].Describe(run[0].Status.ToString(System.Globalization.CultureInfo.InvariantCulture))} "
                    + $"to {run[^1].Describe(run[^1].Status.ToString(System.Globalization.CultureInfo.InvariantCulture))}");
            }
        }

        private async Task<(int Status, string? Problem)> SendOnceAsync(Sent sent)
        {
            using var content = sent.Body is null ? null : new StringContent(sent.Body, Encoding.UTF8, "application/json");
            using var response = await factory.SendAsync(client, sent.Method, sent.Path, sent.Callers, content);
            return ((int)response.StatusCode, await JudgeAsync(api, sent.Method, response));
        }

        private async Task<IReadOnlyDictionary<string, string>> ReadAsync()
        {
            Reads++;
            ReadTime.Start();
            try
            {
                return await factory.StoredStateAsync();
            }
            finally
            {
                ReadTime.Stop();
            }
        }

        private static List<string> Changed(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after) =>
            [.. after.Where(t => !before.TryGetValue(t.Key, out var was) || was != t.Value).Select(t => t.Key)
                .Concat(before.Keys.Where(k => !after.ContainsKey(k)))];
    }

    private static IEnumerable<(HttpMethod Method, string Path, string? Body)> Cases(OpenApiWalk walk, Operation operation)
    {
        var path = FillPath(operation.Path, "1");
        var baseText = BaseBody(walk, operation);
        var baseBody = baseText is null ? null : JsonNode.Parse(baseText);

        // Every method on the path, bodiless (reads first: a read may rightly store, so the writes
        // after it make one run for the stored-state judge).
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head, HttpMethod.Options, HttpMethod.Post, HttpMethod.Put, HttpMethod.Patch, HttpMethod.Delete })
        {
            yield return (method, path, null);
        }

        // Bad ids in each path parameter.
        foreach (var parameter in operation.Parameters.Where(p => p.In == "path"))
        {
            foreach (var id in BadIds)
            {
                yield return (operation.Method, FillPath(operation.Path, "1", parameter.Name, id), baseText);
            }
        }

        // Bad values in each query parameter, and a huge unknown one.
        foreach (var parameter in operation.Parameters.Where(p => p.In == "query"))
        {
            foreach (var value in BadQueryValues)
            {
                yield return (operation.Method, $"{path}?{parameter.Name}={value}", baseText);
            }
            yield return (operation.Method, $"{path}?{parameter.Name}=1&{parameter.Name}=2", baseText);
        }
        yield return (operation.Method, $"{path}?zz={new string('q', 6000)}", baseText);

        if (baseBody is null)
        {
            yield break;
        }
        foreach (var body in BadBodies)
        {
            yield return (operation.Method, path, body);
        }
        if (baseBody is JsonObject shape)
        {
            yield return (operation.Method, path, WithProperty(shape, "zz_unknown_field", "1"));
            foreach (var name in shape.Select(p => p.Key).ToList())
            {
                var missing = (JsonObject)shape.DeepClone();
                missing.Remove(name);
                yield return (operation.Method, path, missing.ToJsonString());
                foreach (var value in BadBodyValues)
                {
                    yield return (operation.Method, path, WithProperty(shape, name, value));
                }
                // One level down too (metadata, parameters): the first member, or a new one.
                if (shape[name] is JsonObject inner)
                {
                    var member = inner.Select(p => p.Key).FirstOrDefault() ?? "k";
                    foreach (var value in BadBodyValues)
                    {
                        yield return (operation.Method, path, WithProperty(shape, name, WithProperty(inner, member, value)));
                    }
                }
            }
        }
    }

    /// <summary>
    /// Bodies the documents' own examples give, where a schema alone cannot make a valid one
    /// (lengths, enums in prose): mutations of a valid body reach the deeper rules.
    /// </summary>
    private static readonly Dictionary<string, string> KnownGoodBodies = new(StringComparer.Ordinal)
    {
        ["POST /mindpeeker/v1/sessions"] = """{"cue":"Describe the location of the missing aircraft in the Pacific Ocean","session_type":"remote_viewing","parameters":{"duration":1800,"confidence_threshold":0.7,"analysis_types":["visual"],"priority":"normal"},"metadata":{"case_id":"CASE_12345","tags":["aviation"]}}""",
        ["PUT /mindpeeker/v1/sessions/{session_id}"] = """{"parameters":{"duration":3600},"metadata":{"case_id":"CASE_12345","tags":["aviation"]}}""",
        ["POST /mindpeeker/v1/auth/register"] = """{"email":"fuzz-register@example.com","username":"fuzzregister","password":"securePassword123","marketing_consent":true}""",
        ["PUT /mindpeeker/v1/users/me"] = """{"username":"fuzzrenamed","preferences":{"notifications":false,"theme":"light","language":"es"}}""",
        ["POST /mindpeeker/v1/billing/credits/purchase"] = """{"credit_package":"professional_500","payment_method_id":"pm_card_visa","quantity":1}""",
        ["POST /mindpeeker/v1/webhooks"] = """{"url":"https://example.com/hook","events":["session.completed"],"secret":"whsec_0123456789abcdef"}""",
        ["POST /mindra/v1/orchestrate"] = """{"query":"Analyze the sentiment of recent customer reviews","selectionCriteria":{"maxAgents":2}}""",
        ["POST /mindra/v1/wallet/topup"] = """{"amount":25,"paymentMethodId":"pm_card_visa"}""",
        ["POST /pluginmind/process"] = """{"input_type":"chat","user_input":"Summarise the benefits of unit testing in two sentences."}""",
        ["POST /pluginmind/analyze"] = """{"input_type":"chat","user_input":"Summarise the benefits of unit testing in two sentences."}""",
        ["POST /pluginmind/analyze-async"] = """{"input_type":"chat","user_input":"Summarise the benefits of unit testing in two sentences."}""",
    };

    private static string? BaseBody(OpenApiWalk walk, Operation operation) =>
        operation.BodySchema is null ? null
        : KnownGoodBodies.TryGetValue(operation.ToString(), out var known) ? known
        : (walk.Sample(operation.BodySchema) ?? new JsonObject()).ToJsonString();

    /// <summary>The body with one property's value replaced by raw JSON text (which may hold escapes JsonNode would refuse).</summary>
    private static string WithProperty(JsonObject shape, string name, string rawValue)
    {
        var copy = (JsonObject)shape.DeepClone();
        const string Marker = "\"__fuzz_marker__\"";
        copy[name] = "__fuzz_marker__";
        return copy.ToJsonString().Replace(Marker, rawValue, StringComparison.Ordinal);
    }

    private static string FillPath(string template, string fill, string? name = null, string? value = null)
    {
        var builder = new StringBuilder();
        var i = 0;
        while (i < template.Length)
        {
            var open = template.IndexOf('{', i);
            if (open < 0)
            {
                builder.Append(template, i, template.Length - i);
                break;
            }
            var close = template.IndexOf('}', open);
            builder.Append(template, i, open - i);
            var parameter = template[(open + 1)..close];
            builder.Append(parameter == name ? value : fill);
            i = close + 1;
        }
        return builder.ToString();
    }

    /// <summary>Null when the answer is acceptable; otherwise what is wrong with it.</summary>
    private static async Task<string?> JudgeAsync(string api, HttpMethod method, HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        // An outside service the operator did not configure is a 503 by design (in the API's shape, naming the setting).
        var notConfigured = status == 503 && (method == HttpMethod.Head || text.Contains("not configured", StringComparison.Ordinal));
        if (status >= 500 && !notConfigured)
        {
            return $"{status} {Shorten(text)}";
        }
        if (text.Contains("   at ", StringComparison.Ordinal) || text.Contains("Exception", StringComparison.Ordinal))
        {
            return $"{status} leaks a stack trace or exception: {Shorten(text)}";
        }
        if (status < 400 || method == HttpMethod.Head)
        {
            return null;
        }
        try
        {
            return ErrorShape.Check(api, JsonDocument.Parse(text).RootElement) is { } wrong ? $"{status} not in {api}'s shape ({wrong}): {Shorten(text)}" : null;
        }
        catch (JsonException)
        {
            return $"{status} body is not JSON: {Shorten(text)}";
        }
    }

    private static string Shorten(string? text) =>
        text is null ? "∅" : text.Length <= 120 ? text : text[..100] + $"…({text.Length} chars)";
}

/// <summary>Each API's error envelope, as its document gives it.</summary>
public static class ErrorShape
{
    /// <summary>Null when <paramref name="body"/> is an error in the API's shape; otherwise why not.</summary>
    public static string? Check(string api, JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return "not an object";
        }
        return api switch
        {
            "mindpeeker" => Is(body, "success", JsonValueKind.False) && body.TryGetProperty("error", out var e)
                && Is(e, "code", JsonValueKind.String) && Is(e, "message", JsonValueKind.String) ? null : "{success:false, error:{code, message}}",
            "mindra" => Is(body, "error", JsonValueKind.String) && Is(body, "message", JsonValueKind.String) ? null : "{error, message}",
            "pluginmind" => body.TryGetProperty("error", out var p) && Is(p, "code", JsonValueKind.String) && Is(p, "message", JsonValueKind.String)
                ? null : "{error:{code, message}}",
            "mindswarm" => Is(body, "success", JsonValueKind.False) && Is(body, "error", JsonValueKind.String) ? null : "{success:false, error}",
            "mindmesh" => Is(body, "detail", JsonValueKind.String) ? null : "{detail}",
            _ => "unknown API",
        };
    }

    private static bool Is(JsonElement element, string name, JsonValueKind kind) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == kind;
}
