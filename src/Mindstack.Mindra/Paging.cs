using System.Globalization;
using Microsoft.AspNetCore.Http;
using Mindstack.Platform.Http;

namespace Mindstack.Mindra;

/// <summary>The document's paging and date filters: <c>page</c> from 1 (default 1), <c>limit</c> 1–100 (default 20).</summary>
public sealed record Paging(int Page, int Limit)
{
    public const int MaxLimit = 100;

    public int Offset => (Page - 1) * Limit;

    /// <summary>Reads <c>page</c> and <c>limit</c>; a value that is not a number in range is INVALID_REQUEST.</summary>
    public static Paging From(HttpRequest request)
    {
        var page = Read(request, "page", 1, 1, 1_000_000);
        var limit = Read(request, "limit", 20, 1, MaxLimit);
        return new Paging(page, limit);
    }

    private static int Read(HttpRequest request, string name, int fallback, int min, int max)
    {
        var text = request.Query[name].ToString();
        if (text.Length == 0)
        {
            return fallback;
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            && value >= min && value <= max
            ? value
            : throw Problem.Invalid(name, $"{name} must be a whole number from {min} to {max}");
    }

    /// <summary>An ISO date (<c>2025-11-10</c>, a whole day) or date-time; endDate's plain date includes that whole day.</summary>
    public static DateTime? Date(HttpRequest request, string name, bool endOfDay)
    {
        var text = request.Query[name].ToString();
        if (text.Length == 0)
        {
            return null;
        }
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            var start = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            return endOfDay ? start.AddDays(1).AddTicks(-1) : start;
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant)
            ? instant.UtcDateTime
            : throw Problem.Invalid(name, $"{name} must be an ISO 8601 date or date-time");
    }
}
