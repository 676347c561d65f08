using System.Security.Cryptography;

namespace Mindstack.Platform.Storage;

/// <summary>The one source of ids: <c>{prefix}_{ULID}</c>, sortable by creation time.</summary>
public interface IIdGenerator
{
    /// <summary>A new id such as <c>session_01JD3X…</c>.</summary>
    string New(string prefix);
}

/// <summary>
/// ULIDs (48-bit millisecond time + 80 random bits, Crockford base32). Ids made in the same
/// millisecond increase monotonically, so ordering by id is ordering by creation.
/// </summary>
public sealed class UlidIdGenerator(TimeProvider clock) : IIdGenerator
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private readonly Lock _gate = new();
    private long _lastMs = -1;
    private readonly byte[] _lastRandom = new byte[10];

    public string New(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        Span<byte> bytes = stackalloc byte[16];
        long ms = clock.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_gate)
        {
            if (ms <= _lastMs)
            {
                ms = _lastMs;
                IncrementRandom();
            }
            else
            {
                _lastMs = ms;
                RandomNumberGenerator.Fill(_lastRandom);
            }
            for (var i = 0; i < 6; i++)
            {
                bytes[i] = (byte)(ms >> (8 * (5 - i)));
            }
            _lastRandom.CopyTo(bytes[6..]);
        }
        return prefix + "_" + Encode(bytes);
    }

    private void IncrementRandom()
    {
        for (var i = _lastRandom.Length - 1; i >= 0; i--)
        {
            if (++_lastRandom[i] != 0)
            {
                return;
            }
        }
    }

    private static string Encode(ReadOnlySpan<byte> bytes)
    {
        // 128 bits → 26 base32 characters (the first carries only 3 bits).
        var hi = (UInt128)0;
        foreach (var b in bytes)
        {
            hi = (hi << 8) | b;
        }
        Span<char> chars = stackalloc char[26];
        for (var i = 25; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(hi & 31)];
            hi >>= 5;
        }
        return new string(chars);
    }
}
