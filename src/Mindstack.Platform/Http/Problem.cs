namespace Mindstack.Platform.Http;

/// <summary>
/// What went wrong, in terms every API shares. Each module's <see cref="Dialect"/> names a kind
/// with its own code and status (<c>INVALID_REQUEST_BODY</c> in one API, <c>INVALID_REQUEST</c> in
/// another…) unless the problem carries an API-specific <see cref="Problem.Code"/>.
/// </summary>
public enum ProblemKind
{
    /// <summary>The request is wrong in a way no single field explains.</summary>
    BadRequest,
    /// <summary>The body is not valid JSON, or not the JSON the endpoint reads.</summary>
    MalformedBody,
    /// <summary>One or more fields are missing or invalid (see <see cref="Problem.Errors"/>).</summary>
    Validation,
    /// <summary>No credential, or one that is not valid.</summary>
    Unauthorized,
    /// <summary>A credential that was valid and has expired.</summary>
    TokenExpired,
    /// <summary>Not enough credits or balance.</summary>
    PaymentRequired,
    /// <summary>Authenticated, but not allowed.</summary>
    Forbidden,
    /// <summary>A resource that does not exist, or not for this caller.</summary>
    NotFound,
    /// <summary>No route answers this path.</summary>
    RouteNotFound,
    /// <summary>The path exists but not with this method.</summary>
    MethodNotAllowed,
    /// <summary>The resource's state forbids the change.</summary>
    Conflict,
    /// <summary>The body is larger than the API accepts.</summary>
    PayloadTooLarge,
    /// <summary>The body is not in a media type the endpoint reads.</summary>
    UnsupportedMediaType,
    /// <summary>Too many requests; carries <c>Retry-After</c>.</summary>
    RateLimited,
    /// <summary>An unexpected failure; never shows its cause to the client.</summary>
    Internal,
    /// <summary>An upstream provider (AI model, payment, agent) failed.</summary>
    UpstreamFailed,
    /// <summary>A dependency is down or a feature is not configured.</summary>
    Unavailable,
    /// <summary>The request line (the URL) is longer than the server takes.</summary>
    UriTooLong,
}

/// <summary>A field-level validation error.</summary>
public sealed record FieldError(string Field, string Message);

/// <summary>
/// A platform problem, raised by business code and rendered by the module's Dialect. Business
/// code never writes an error envelope.
/// </summary>
public sealed class Problem : Exception
{
    public Problem(ProblemKind kind, string message, string? code = null, int? status = null, object? details = null,
        IReadOnlyList<FieldError>? errors = null)
        : base(message)
    {
        Kind = kind;
        Code = code;
        Status = status;
        Details = details;
        Errors = errors;
    }

    public ProblemKind Kind { get; }

    /// <summary>An API-specific code (e.g. <c>SESSION_NOT_FOUND</c>); null means the Dialect names the kind.</summary>
    public string? Code { get; }

    /// <summary>An explicit HTTP status; null means the Dialect's status for the kind or code.</summary>
    public int? Status { get; }

    /// <summary>Extra facts for the client (rendered where the API's shape has a place for them).</summary>
    public object? Details { get; }

    public IReadOnlyList<FieldError>? Errors { get; }

    /// <summary>Response headers that belong to this problem, e.g. <c>Retry-After</c>.</summary>
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Problem WithHeader(string name, string value)
    {
        Headers[name] = value;
        return this;
    }

    public static Problem NotFound(string message, string? code = null) => new(ProblemKind.NotFound, message, code);

    public static Problem Unauthorized(string message, string? code = null) => new(ProblemKind.Unauthorized, message, code);

    public static Problem Forbidden(string message, string? code = null) => new(ProblemKind.Forbidden, message, code);

    public static Problem Conflict(string message, string? code = null) => new(ProblemKind.Conflict, message, code);

    public static Problem BadRequest(string message, string? code = null) => new(ProblemKind.BadRequest, message, code);

    public static Problem Invalid(string field, string message, string? code = null) =>
        new(ProblemKind.Validation, message, code, errors: [new FieldError(field, message)]);

    public static Problem Invalid(IReadOnlyList<FieldError> errors, string? message = null, string? code = null) =>
        new(ProblemKind.Validation, message ?? errors.FirstOrDefault()?.Message ?? "Validation failed", code, errors: errors);

    public static Problem RateLimited(string message, TimeSpan retryAfter, string? code = null) =>
        new Problem(ProblemKind.RateLimited, message, code)
            .WithHeader("Retry-After", Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static Problem Unavailable(string message, string? code = null) => new(ProblemKind.Unavailable, message, code);
}
