using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Events;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Realtime.Json;
using Mindstack.Platform.Storage;
using Mindstack.Platform.Webhooks;

namespace Mindstack.Platform.Tests.Apis;

/// <summary>
/// A made-up API of the tests' own, declared as a module declares a real one: what the platform
/// resolves from a registered definition is checked without leaning on any real API's facts.
/// </summary>
public static class SampleApi
{
    public const string Name = "sample";

    public static ApiKeyFormat KeyFormat { get; } = new(Name, "smp_", 12, "smp_test_") { AllowedPermissions = ["notes:read", "notes:write"] };

    public static ApiTiers Tiers { get; } = new(
        new ApiTier("bronze", new RateLimitPolicy(Name + ".tier", RateLimitWindow.PerMinute(3))),
        new ApiTier("gold", new RateLimitPolicy(Name + ".tier", RateLimitWindow.PerMinute(5))));

    public static ApiDefinition Definition { get; } = new()
    {
        Name = Name,
        BasePath = "/sample",
        Dialect = typeof(SampleDialect),
        Credentials = new ApiCredentials(Name, [new BearerTokenScheme(), new ApiKeyHeaderScheme("X-Sample-Key", KeyFormat)]),
        Accounts = new AuthPolicy { Audience = Name, DisplayName = "Sample", DefaultTier = Tiers.Default.Name },
        Tiers = Tiers,
        RateLimits = [new RateLimitPolicy(Name + ".writes", RateLimitWindow.PerMinute(2))],
    };
}

/// <summary>The sample API's way of speaking: camelCase, errors as <c>{failure, message}</c>.</summary>
public sealed class SampleDialect : Dialect
{
    private static readonly JsonSerializerOptions Options = CreateJson(JsonNamingPolicy.CamelCase);

    public override string Name => SampleApi.Name;

    public override string Title => "Sample API";

    public override JsonSerializerOptions Json => Options;

    public override (string Code, int Status) Describe(ProblemKind kind) => StandardCodes.Describe(kind);

    protected override object ErrorBody(HttpContext context, Problem problem, string code, int status) =>
        new { failure = code, message = problem.Message };
}

/// <summary>
/// The sample API as a module: its definition, document, job handler and webhook format
/// registered (<see cref="AddSampleApi"/>), its routes mounted (<see cref="MapSampleApi"/>). A
/// note posted runs a job that publishes <c>note.created</c>, which the platform delivers to the
/// account's realtime channel and to its webhook subscriptions.
/// </summary>
public static class SampleModule
{
    public const string NoteCreated = "note.created";
    public const string SignatureHeader = "X-Sample-Signature";

    public static IServiceCollection AddSampleApi(this IServiceCollection services)
    {
        services.AddApi(SampleApi.Definition);
        services.AddApiDocument(SampleApi.Name, "Sample API", "The platform tests' own API: notes, a job, an event.");
        services.AddJobHandler<PublishNoteJob>(PublishNoteJob.Name, o => o.MaxAttempts = 2);
        services.AddWebhookApi(SampleApi.Name, o => o.SignatureHeader = SignatureHeader);
        return services;
    }

    public static RouteGroupBuilder MapSampleApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapApi(SampleApi.Definition);
        api.MapGet("/whoami", (Caller caller, SampleDialect dialect) => dialect.Json200(new { caller.AccountId, caller.Api, caller.Tier, caller.Permissions }))
            .RequireCaller()
            .RateLimit(context => SampleApi.Tiers.Of(context.PeekCaller()?.Tier).Limits, context => context.PeekCaller()?.AccountId);
        api.MapPost("/notes", PostNote)
            .RequireCaller()
            .RateLimit(_ => SampleApi.Definition.RateLimits[0], context => context.PeekCaller()?.AccountId);
        // The account's channel: what the job's event reaches, authenticated with the API's credentials.
        routes.MapJsonSocket(SampleApi.Definition.BasePath + "/ws");
        return api;
    }

    public sealed record NoteBody(string? Text);

    private static async Task<IResult> PostNote(Body<NoteBody> body, Caller caller, SampleDialect dialect, IJobQueue jobs,
        MindstackDbContext db, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.Value.Text))
        {
            throw Problem.Invalid("text", "text is required");
        }
        if (!caller.HasPermission("notes:write"))
        {
            throw Problem.Forbidden("This key cannot write notes");
        }
        var noteId = "note_" + Guid.NewGuid().ToString("N")[..12];
        // The job is written with the request's transaction: it runs once the answer is sent.
        var jobId = jobs.Enqueue<PublishNoteJob>(new NotePayload(caller.AccountId, noteId, body.Value.Text.Trim()));
        await db.SaveChangesAsync(ct);
        return dialect.Json200(new { id = noteId, jobId }, StatusCodes.Status202Accepted);
    }
}

public sealed record NotePayload(string AccountId, string NoteId, string Text);

/// <summary>The sample API's job: publishes the note's event (realtime channel, webhooks) from a worker.</summary>
public sealed class PublishNoteJob(IEventOutbox outbox, MindstackDbContext db) : JobHandler<NotePayload>
{
    public const string Name = "sample.publish-note";

    public override async Task ExecuteAsync(NotePayload payload, JobContext job, CancellationToken cancellationToken)
    {
        outbox.Publish(new NewEvent(SampleModule.NoteCreated, "note", payload.NoteId)
        {
            AccountId = payload.AccountId,
            Api = SampleApi.Name,
            Data = new { payload.NoteId, payload.Text },
        });
        await db.SaveChangesAsync(cancellationToken);
    }
}

/// <summary>The platform with the sample modules (the sample API among them), as the platform tests host it.</summary>
public sealed class SampleApiFactory : PlatformFactory;
