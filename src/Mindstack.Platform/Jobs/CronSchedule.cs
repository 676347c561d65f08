using Mindstack.Platform.Http;
using Quartz;

namespace Mindstack.Platform.Jobs;

/// <summary>
/// A cron expression, read in UTC: five fields are the Unix crontab form (<c>30 4 * * 1</c>, day of
/// week 0–7 with 0 and 7 Sunday); six or seven are Quartz's form with seconds first
/// (<c>0 30 4 ? * MON</c>); <c>@hourly</c>, <c>@daily</c> and the other macros are read in either.
/// </summary>
public sealed class CronSchedule
{
    private readonly CronExpression _expression;

    private CronSchedule(string text, CronExpression expression)
    {
        Text = text;
        _expression = expression;
    }

    /// <summary>The expression as written.</summary>
    public string Text { get; }

    public static bool TryParse(string? text, out CronSchedule? schedule)
    {
        schedule = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        var trimmed = text.Trim();
        var fields = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        var format = fields == 5 ? CronFormat.Unix : CronFormat.Quartz;
        if (!CronExpression.TryParse(trimmed, format, out var expression) || expression is null)
        {
            return false;
        }
        schedule = new CronSchedule(trimmed, expression.WithTimeZone(TimeZoneInfo.Utc));
        return true;
    }

    /// <summary>Parses or raises a validation <see cref="Problem"/> on the field <c>cron</c>.</summary>
    public static CronSchedule Parse(string? text) =>
        TryParse(text, out var schedule) ? schedule!
        : throw Problem.Invalid("cron", $"'{text}' is not a cron expression (five Unix fields, or six/seven Quartz fields with seconds first)");

    /// <summary>The first due time strictly after <paramref name="utc"/>, or null if there is none.</summary>
    public DateTime? NextAfter(DateTime utc) =>
        _expression.GetNextValidTimeAfter(new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)))?.UtcDateTime;
}
