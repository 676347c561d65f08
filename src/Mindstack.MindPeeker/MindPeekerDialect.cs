using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Mindstack.Platform.Http;

namespace Mindstack.MindPeeker;

/// <summary>
/// MindPeeker speaks <c>{success, data, message}</c>, errors as
/// <c>{success: false, error: {code, message, details, timestamp, request_id}}</c>, snake_case fields,
/// offset pagination <c>{total, limit, offset, has_more}</c>.
/// </summary>
public sealed class MindPeekerDialect(TimeProvider clock) : Dialect
{
    private static readonly JsonSerializerOptions Options = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = CreateJson(JsonNamingPolicy.SnakeCaseLower);
        options.Converters.Add(new UtcTimestampConverter());
        return options;
    }

    public override string Name => MindPeekerApi.Name;

    public override string Title => "MindPeeker API";

    public override JsonSerializerOptions Json => Options;

    /// <summary>Success answers: <see cref="MindPeekerEnvelope{T}"/>.</summary>
    public override Type? SuccessEnvelope => typeof(MindPeekerEnvelope<>);

    public override (string Code, int Status) Describe(ProblemKind kind) => kind switch
    {
        ProblemKind.BadRequest => ("INVALID_REQUEST_BODY", 400),
        ProblemKind.MalformedBody => ("INVALID_REQUEST_BODY", 400),
        ProblemKind.Validation => ("INVALID_FIELD_VALUE", 422),
        ProblemKind.Unauthorized => ("TOKEN_INVALID", 401),
        ProblemKind.TokenExpired => ("TOKEN_EXPIRED", 401),
        ProblemKind.PaymentRequired => ("INSUFFICIENT_CREDITS", 402),
        ProblemKind.Forbidden => ("INSUFFICIENT_PERMISSIONS", 403),
        ProblemKind.NotFound or ProblemKind.RouteNotFound => ("NOT_FOUND", 404),
        ProblemKind.Conflict => ("CONFLICT", 409),
        ProblemKind.UpstreamFailed => ("AI_MODEL_ERROR", 502),
        _ => StandardCodes.Describe(kind),
    };

    protected override object ErrorBody(HttpContext context, Problem problem, string code, int status) => new
    {
        success = false,
        error = new
        {
            code,
            message = problem.Message,
            details = problem.Details ?? problem.Errors switch
            {
                null or { Count: 0 } => null,
                [var only] => new { field = only.Field, reason = only.Message },
                var many => (object)new { errors = many.Select(e => new { field = e.Field, reason = e.Message }) },
            },
            timestamp = clock.GetUtcNow().UtcDateTime,
            request_id = RequestId(context),
        },
    };

    /// <summary><c>{success: true, data, message}</c>.</summary>
    public IResult Ok(object? data, string? message = null, int status = StatusCodes.Status200OK) =>
        Json200(new MindPeekerEnvelope<object?>(true, data, message), status);

    /// <summary><c>{success: true, message}</c>, for answers with nothing to return.</summary>
    public IResult Done(string message) => Json200(new MindPeekerDone(true, message));
}

/// <summary><c>{success: true, message}</c>: an answer with nothing to return (logout, deletes).</summary>
internal sealed record MindPeekerDone(bool Success, string Message);

/// <summary><c>{success: true, data, message}</c>: every success answer, as the OpenAPI document describes it.</summary>
internal sealed record MindPeekerEnvelope<T>(bool Success, T Data, string? Message);

/// <summary>
/// Every instant on the wire as the document writes it: UTC with <c>Z</c>, to the millisecond, the
/// fraction left out when it is zero (<c>2024-01-01T10:00:00Z</c>, <c>2024-01-01T10:00:00.25Z</c>).
/// Without it a value read back from PostgreSQL (microseconds) would differ from the one first
/// answered (ticks), and SQLite's would not.
/// </summary>
internal sealed class UtcTimestampConverter : JsonConverter<DateTime>
{
    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTime();

    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options)
    {
        var utc = value.Kind switch
        {
            DateTimeKind.Local => value.ToUniversalTime(),
            DateTimeKind.Unspecified => DateTime.SpecifyKind(value, DateTimeKind.Utc),
            _ => value,
        };
        utc = new DateTime(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
        writer.WriteStringValue(utc.ToString("yyyy-MM-dd'T'HH:mm:ss.FFF'Z'", CultureInfo.InvariantCulture));
    }
}
