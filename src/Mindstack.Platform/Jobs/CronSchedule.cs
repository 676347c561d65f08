using Cronos;
using Mindstack.Platform.Http;

namespace Mindstack.Platform.Jobs;

/// <summary>
/// A cron expression, read in UTC (parsed by Cronos): five fields are the Unix crontab form
/// (<c>30 4 * * 1</c>, day of week 0–7 with 0 and 7 Sunday); six are the form with seconds first
/// (<c>0 30 4 ? * MON</c>), and a seventh (Quartz's year) is read when it is <c>*</c> or <c>?</c>;
/// <c>@hourly</c>, <c>@daily</c> and the other macros are read too.
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
        var fields = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // Cronos has no year field: a Quartz expression for every year is the same without it.
        if (fields.Length == 7)
        {
            if (fields[6] is not ("*" or "?"))
            {
                return false;
            }
            fields = fields[..6];
        }
        var format = fields.Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        if (!CronExpression.TryParse(string.Join(' ', fields), format, out var expression))
        {
            return false;
        }
        schedule = new CronSchedule(trimmed, expression);
        return true;
    }

    /// <summary>Parses or raises a validation <see cref="Problem"/> on the field <c>cron</c>.</summary>
    public static CronSchedule Parse(string? text) =>
        TryParse(text, out var schedule) ? schedule!
        : throw Problem.Invalid("cron", $"'{text}' is not a cron expression (five Unix fields, or six fields with seconds first)");

    /// <summary>The first due time strictly after <paramref name="utc"/>, or null if there is none.</summary>
    public DateTime? NextAfter(DateTime utc) =>
        _expression.GetNextOccurrence(DateTime.SpecifyKind(utc, DateTimeKind.Utc), TimeZoneInfo.Utc);
}
