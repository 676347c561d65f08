using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Mindstack.Platform.Http;
using Mindstack.Platform.Realtime;
using Mindstack.Platform.Realtime.Json;
using Mindstack.Platform.Realtime.SocketIo;

namespace Mindstack.Platform.Tests.Realtime;

/// <summary>
/// Test tokens: <c>user:&lt;id&gt;</c> is accepted as subject <c>&lt;id&gt;</c> joining
/// <c>account:&lt;id&gt;</c>; anything else is refused with "Invalid token".
/// </summary>
public sealed class TestRealtimeAuthenticator : IRealtimeAuthenticator
{
    public const string Refusal = "Invalid token";

    public static string TokenFor(string subject) => "user:" + subject;

    public ValueTask<RealtimeAuthResult> AuthenticateAsync(RealtimeAuthRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(request.Token is { } token && token.StartsWith("user:", StringComparison.Ordinal) && token.Length > 5
            ? RealtimeAuthResult.Success(new RealtimeCaller(token[5..], ["account:" + token[5..]])
            {
                Attributes = new Dictionary<string, string> { ["api"] = request.Api },
            })
            : RealtimeAuthResult.Refuse(Refusal));
}

/// <summary>Test-only realtime mounts, as a module would map them.</summary>
public sealed class RealtimeTestRoutes : IEndpointContributor
{
    public const string JsonPath = "/__realtime/ws";
    public const string SocketIoPath = "/__realtime/socket.io";
    public const string ApiJsonPath = "/sample/__realtime/ws";

    public void Map(IEndpointRouteBuilder routes)
    {
        // Joins the caller's channels plus ?channel=…; "echo" answers, "fail" raises a problem.
        routes.MapJsonSocket(JsonPath, o =>
        {
            o.Api = "test";
            o.Channels = (context, caller, _) =>
            {
                var extra = context.Request.Query["channel"].ToString();
                if (extra == "forbidden")
                {
                    throw Problem.Forbidden("Not your channel");
                }
                return ValueTask.FromResult<IEnumerable<string>>(extra.Length > 0 ? [.. caller.Channels, extra] : caller.Channels);
            };
            o.OnMessage = (connection, message, _) => message.Type switch
            {
                "echo" => Ignore(connection.Send("echo", message.Data)),
                "fail" => throw Problem.Forbidden("Not allowed here"),
                _ => throw Problem.BadRequest($"Unknown type {message.Type}"),
            };
        });

        // A JSON socket inside an API's path (the sample API's): errors use that API's shape.
        routes.MapJsonSocket(ApiJsonPath + "/{run_id}", o => o.Channels = (context, _, _) =>
            ValueTask.FromResult<IEnumerable<string>>(["run:" + context.Request.RouteValues["run_id"]]));

        routes.MapSocketIo(SocketIoPath, io =>
        {
            io.Api = "test";
            io.On("echo", (_, e, _) => ValueTask.FromResult<object?>(e.Args.Count > 0 ? e.Args[0] : null));
            io.On("join", (socket, e, _) =>
            {
                var channel = e.Args[0].GetString()!;
                socket.Join(channel);
                return ValueTask.FromResult<object?>(new { joined = channel });
            });
            io.On("typing", async (socket, e, ct) =>
            {
                await socket.BroadcastAsync(e.Args[0].GetString()!, "typing", new { user = socket.Caller.SubjectId }, ct);
                return null;
            });
            io.On("whoami", (socket, _, _) => ValueTask.FromResult<object?>(new
            {
                subject = socket.Caller.SubjectId,
                api = socket.Api,
                channels = socket.Channels.Order(StringComparer.Ordinal).ToArray(),
                transport = socket.Transport,
            }));
            io.On("forbidden", (_, _, _) => throw Problem.Forbidden("Not allowed here"));
            io.On("kick-me", (socket, _, _) =>
            {
                socket.Disconnect();
                return ValueTask.FromResult<object?>(null);
            });
            io.Namespace("/admin", ns => ns.OnConnect = (socket, _) =>
                socket.Caller.SubjectId.StartsWith("admin", StringComparison.Ordinal)
                    ? ValueTask.CompletedTask
                    : throw Problem.Forbidden("Admins only"));
        });
    }

    private static ValueTask Ignore(bool _) => ValueTask.CompletedTask;

    internal static string Json(object value) => JsonSerializer.Serialize(value);
}

/// <summary>A test that needs PostgreSQL (several nodes on one database); skipped on SQLite.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (!TestDatabase.UsePostgres)
        {
            Skip = "needs PostgreSQL (MINDSTACK_TEST_PROVIDER=postgres): several nodes share one database";
        }
    }
}
