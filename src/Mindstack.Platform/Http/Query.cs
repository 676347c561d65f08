using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Mindstack.Platform.Http;

/// <summary>A page by number: <see cref="Page"/> from 1, <see cref="Limit"/> items per page.</summary>
public sealed record PageRequest(int Page, int Limit)
{
    public int Offset => (Page - 1) * Limit;
}

/// <summary>A window by offset: <see cref="Limit"/> items after skipping <see cref="Offset"/>.</summary>
public sealed record OffsetRequest(int Limit, int Offset);

/// <summary>
/// The one way a module reads query parameters. Absent or blank is the default; anything else must
/// be what the parameter takes, or it is a <see cref="ProblemKind.Validation"/> problem naming the
/// parameter and why, which the API's Dialect renders in its own shape and status.
/// </summary>
public static class Query
{
    /// <summary>The highest page number a page request takes (keeps the offset far from overflowing).</summary>
    public const int MaxPage = 1_000_000;

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>; absent or blank is <paramref name="fallback"/>.</summary>
    public static int Int(string? text, string name, int fallback, int min, int max)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }
        return int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw Problem.Invalid(name, max == int.MaxValue
                ? $"{name} must be a whole number of at least {min}"
                : $"{name} must be a whole number from {min} to {max}");
    }

    /// <summary><c>page</c> (from 1) and <c>limit</c> (1 to <paramref name="maxLimit"/>, default <paramref name="defaultLimit"/>).</summary>
    public static PageRequest Pages(HttpRequest request, int defaultLimit, int maxLimit) =>
        new(Int(request.Query["page"], "page", 1, 1, MaxPage), Int(request.Query["limit"], "limit", defaultLimit, 1, maxLimit));

    /// <summary><c>limit</c> (1 to <paramref name="maxLimit"/>, default <paramref name="defaultLimit"/>) and <c>offset</c> (0 or more).</summary>
    public static OffsetRequest Offsets(string? limit, string? offset, int defaultLimit, int maxLimit) =>
        new(Int(limit, "limit", defaultLimit, 1, maxLimit), Int(offset, "offset", 0, 0, int.MaxValue));

    /// <summary>
    /// An ISO 8601 date (<c>2025-11-10</c>, a whole UTC day) or date-time, as UTC; absent or blank is
    /// null. With <paramref name="endOfDay"/> a plain date means the last instant of that day, so a
    /// range ending on it includes it; the last representable day has no end to give and is refused.
    /// </summary>
    public static DateTime? Date(string? text, string name, bool endOfDay = false)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        text = text.Trim();
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            if (endOfDay && day == DateOnly.MaxValue)
            {
                throw Problem.Invalid(name, $"{name} must be a date before {DateOnly.MaxValue:yyyy-MM-dd}");
            }
            var start = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            return endOfDay ? start.AddDays(1).AddTicks(-1) : start;
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant)
            ? instant.UtcDateTime
            : throw Problem.Invalid(name, $"{name} must be an ISO 8601 date or date-time");
    }
}
