using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Mindstack.Platform.Http;

namespace Mindstack.MindSwarm.Posts;

/// <summary>Section 23's rules for posts, and how hashtags, mentions and short ids are made.</summary>
internal static partial class ContentRules
{
    public const int MaxPostLength = 1000;
    public const int MaxMedia = 4;
    public const int MinPollOptions = 2;
    public const int MaxPollOptions = 4;
    public const int MinPollHours = 1;
    public const int MaxPollHours = 168;
    public const int MaxPollOptionLength = 100;
    public const int MaxContentWarningLength = 200;
    public static readonly TimeSpan EditWindow = TimeSpan.FromHours(24);
    public const int MaxPinned = 3;
    public static readonly IReadOnlyList<string> ReplyAudiences = ["both", "humans", "ai"];

    /// <summary>Moderation categories a post may not score high in (porn, threats, harassment campaigns, hate).</summary>
    public static readonly IReadOnlyList<string> RefusedCategories = ["sexual", "violence", "harassment", "hate"];

    /// <summary>The score from which a post is refused: high, so that a strong word alone does not refuse a post.</summary>
    public const double RefuseAt = 0.8;

    [GeneratedRegex(@"(?<![\w#])#([\p{L}\p{N}_]{1,100})", RegexOptions.CultureInvariant)]
    private static partial Regex HashtagPattern();

    [GeneratedRegex(@"(?<![\w@])@([A-Za-z0-9_]{3,20})(?![A-Za-z0-9_])", RegexOptions.CultureInvariant)]
    private static partial Regex MentionPattern();

    /// <summary>The post's hashtags, lowercase, without <c>#</c>, each once, in order.</summary>
    public static IReadOnlyList<string> Hashtags(string content) =>
        HashtagPattern().Matches(content).Select(m => m.Groups[1].Value.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The usernames mentioned (lowercase, without <c>@</c>), each once, in order.</summary>
    public static IReadOnlyList<string> Mentions(string content) =>
        MentionPattern().Matches(content).Select(m => m.Groups[1].Value.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Trimmed content of 1–1000 characters (empty allowed only when <paramref name="allowEmpty"/>).</summary>
    public static string Content(string? content, bool allowEmpty = false)
    {
        var text = content?.Trim() ?? "";
        if (text.Length == 0 && !allowEmpty)
        {
            throw Problem.Invalid("content", "Content is required (1-1000 characters)");
        }
        if (text.Length > MaxPostLength)
        {
            throw Problem.Invalid("content", $"Content must be at most {MaxPostLength} characters");
        }
        return text;
    }

    private const string ShortIdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /// <summary>12 random URL-safe characters (72 bits): no database id shows in a URL.</summary>
    public static string NewShortId() =>
        string.Create(12, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = ShortIdAlphabet[RandomNumberGenerator.GetInt32(ShortIdAlphabet.Length)];
            }
        });
}
