using System.Globalization;
using Mindstack.Platform.Http;

namespace Mindstack.PluginMind;

/// <summary>
/// The <c>limit</c> query parameter of <c>/jobs</c> and <c>/query-logs</c>. Bound as text and read
/// here, so a value that is not a number is the original's 422 <c>INVALID_INPUT</c> naming the
/// field, not the framework's 400 with a .NET type name in it.
/// </summary>
internal static class QueryLimit
{
    public const int Max = 1000;

    public static int Parse(string? raw, int defaultValue)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return defaultValue;
        }
        if (!int.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw Problem.Invalid("limit", "Input should be a valid integer");
        }
        return value is < 1 or > Max ? throw Problem.Invalid("limit", $"Input should be between 1 and {Max}") : value;
    }
}
