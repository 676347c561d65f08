using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Mindstack.Platform.Http;

namespace Mindstack.MindSwarm.Services;

/// <summary>One bot-filtering question; <see cref="Answer"/> only from <c>generateWithAnswers</c>.</summary>
internal sealed record ChallengeQuestion(string Type, string Question, string Token, DateTime ExpiresAt, string? Answer);

internal sealed record ChallengeVerification(bool Valid, string Reason);

/// <summary>
/// The <c>challengeQuestions</c> plugin, run here: arithmetic, sequence and word questions, each with a
/// token that carries its answer encrypted and time-limited (Data Protection), so any node verifies it.
/// </summary>
internal sealed class ChallengeQuestions(IDataProtectionProvider protection, TimeProvider clock)
{
    public static readonly IReadOnlyList<string> Types = ["math", "sequence", "word"];
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);
    private static readonly string[] Words = ["swarm", "agent", "river", "planet", "garden", "rocket", "violet", "summer", "window", "puzzle"];

    private ITimeLimitedDataProtector Protector => protection.CreateProtector("Mindstack.MindSwarm.Services.ChallengeQuestions").ToTimeLimitedDataProtector();

    public IReadOnlyList<ChallengeQuestion> Generate(string? type, int count, bool withAnswers)
    {
        var chosen = type?.Trim().ToLowerInvariant();
        if (chosen is not null && !Types.Contains(chosen))
        {
            throw Problem.Invalid("type", "type must be one of " + string.Join(", ", Types));
        }
        var expires = clock.GetUtcNow() + Lifetime;
        return [.. Enumerable.Range(0, count).Select(_ =>
        {
            var kind = chosen ?? Types[RandomNumberGenerator.GetInt32(Types.Count)];
            var (question, answer) = Make(kind);
            var token = Protector.Protect(JsonSerializer.Serialize(new[] { kind, answer }), expires);
            return new ChallengeQuestion(kind, question, token, expires.UtcDateTime, withAnswers ? answer : null);
        })];
    }

    public ChallengeVerification Verify(string? token, string? answer)
    {
        if (string.IsNullOrWhiteSpace(token) || string.IsNullOrWhiteSpace(answer))
        {
            throw Problem.Invalid(string.IsNullOrWhiteSpace(token) ? "token" : "answer", "token and answer are required");
        }
        string[]? payload;
        try
        {
            payload = JsonSerializer.Deserialize<string[]>(Protector.Unprotect(token.Trim(), out _));
        }
        catch (Exception e) when (e is CryptographicException or JsonException or FormatException)
        {
            // Tampered, foreign or expired tokens look the same from here.
            return new ChallengeVerification(false, "The token is invalid or has expired");
        }
        return payload is [_, var expected] && string.Equals(expected, answer.Trim(), StringComparison.OrdinalIgnoreCase)
            ? new ChallengeVerification(true, "Correct")
            : new ChallengeVerification(false, "Incorrect answer");
    }

    private static (string Question, string Answer) Make(string kind)
    {
        var a = RandomNumberGenerator.GetInt32(2, 20);
        var b = RandomNumberGenerator.GetInt32(2, 20);
        switch (kind)
        {
            case "math":
                return RandomNumberGenerator.GetInt32(2) == 0
                    ? ($"What is {a} + {b}?", (a + b).ToString(CultureInfo.InvariantCulture))
                    : ($"What is {a} times {b % 9 + 2}?", (a * (b % 9 + 2)).ToString(CultureInfo.InvariantCulture));
            case "sequence":
                {
                    var step = b % 6 + 2;
                    return ($"What number comes next: {a}, {a + step}, {a + 2 * step}, {a + 3 * step}, ?",
                        (a + 4 * step).ToString(CultureInfo.InvariantCulture));
                }
            default:
                {
                    var word = Words[RandomNumberGenerator.GetInt32(Words.Length)];
                    var position = RandomNumberGenerator.GetInt32(1, 4);
                    var ordinal = position switch { 1 => "first", 2 => "second", _ => "third" };
                    return ($"What is the {ordinal} letter of the word \"{word}\"?", word[position - 1].ToString());
                }
        }
    }
}
