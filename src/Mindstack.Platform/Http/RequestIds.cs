using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Mindstack.Platform.Http;

/// <summary>
/// <c>X-Request-ID</c>: a client's id is kept when it matches <c>^[A-Za-z0-9\-_.]{1,64}$</c>,
/// otherwise a new one is made; it is echoed on every answer and put in every log line.
/// </summary>
public static partial class RequestIds
{
    public const string Header = "X-Request-ID";
    private const string ItemKey = "Mindstack.RequestId";

    [GeneratedRegex(@"^[A-Za-z0-9\-_.]{1,64}$")]
    private static partial Regex Acceptable();

    public static bool IsAcceptable(string? value) => value is not null && Acceptable().IsMatch(value);

    public static string Get(HttpContext context) =>
        context.Items.TryGetValue(ItemKey, out var id) && id is string s ? s : context.TraceIdentifier;

    internal static string Assign(HttpContext context, Dialect dialect)
    {
        var incoming = context.Request.Headers[Header].ToString();
        var id = IsAcceptable(incoming) ? incoming : dialect.NewRequestId();
        context.Items[ItemKey] = id;
        context.TraceIdentifier = id;
        context.Response.Headers[Header] = id;
        return id;
    }
}
