using System.Security.Cryptography;
using System.Text;
using Mindstack.Platform.Accounts;

namespace Mindstack.Platform.Tests.Accounts;

/// <summary>Our TOTP against RFC 6238's published vectors and against otplib run by node.</summary>
public sealed class TotpTests
{
    // RFC 6238 appendix B: the seeds are ASCII "1234567890" repeated to the hash's size.
    private static readonly byte[] Sha1Seed = Encoding.ASCII.GetBytes("12345678901234567890");
    private static readonly byte[] Sha256Seed = Encoding.ASCII.GetBytes("12345678901234567890123456789012");
    private static readonly byte[] Sha512Seed = Encoding.ASCII.GetBytes("1234567890123456789012345678901234567890123456789012345678901234");

    [Theory]
    [InlineData(59L, "94287082", "46119246", "90693936")]
    [InlineData(1111111109L, "07081804", "68084774", "25091201")]
    [InlineData(1111111111L, "14050471", "67062674", "99943326")]
    [InlineData(1234567890L, "89005924", "91819424", "93441116")]
    [InlineData(2000000000L, "69279037", "90698825", "38618901")]
    [InlineData(20000000000L, "65353130", "77737706", "47863826")]
    public void Compute_Rfc6238Vectors_MatchPublishedCodes(long unixSeconds, string sha1, string sha256, string sha512)
    {
        var time = DateTimeOffset.FromUnixTimeSeconds(unixSeconds);
        Assert.Equal(sha1, Totp.ComputeAt(Sha1Seed, time, 8));
        Assert.Equal(sha256, Totp.ComputeAt(Sha256Seed, time, 8, HashAlgorithmName.SHA256));
        Assert.Equal(sha512, Totp.ComputeAt(Sha512Seed, time, 8, HashAlgorithmName.SHA512));
    }

    [Fact]
    public void Match_CodeOneStepEitherSide_AcceptedAndTwoStepsAwayRefused()
    {
        var secret = Totp.NewSecret();
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var step = Totp.StepAt(now);
        Assert.Equal(step, Totp.Match(secret, Totp.Compute(secret, step), now));
        Assert.Equal(step - 1, Totp.Match(secret, Totp.Compute(secret, step - 1), now));
        Assert.Equal(step + 1, Totp.Match(secret, Totp.Compute(secret, step + 1), now));
        Assert.Null(Totp.Match(secret, Totp.Compute(secret, step - 2), now));
        Assert.Null(Totp.Match(secret, "12345", now));
        Assert.Null(Totp.Match(secret, "abcdef", now));
    }

    [Fact]
    public void Base32_RoundTrip_MatchesRfc4648Vectors()
    {
        Assert.Equal("MZXW6YTBOI", Base32.Encode("foobar"u8));
        Assert.Equal("MZXW6YQ", Base32.Encode("foob"u8));
        Assert.Equal("foobar"u8.ToArray(), Base32.Decode("mzxw6ytboi======"));
        var random = Totp.NewSecret();
        Assert.Equal(random, Base32.Decode(Base32.Encode(random)));
    }

    [Fact]
    public async Task Compute_AgainstOtplib_SameCodesBothWays()
    {
        var secret = Totp.NewSecret();
        var base32 = Base32.Encode(secret);
        foreach (var unixSeconds in new long[] { 59, 1_111_111_109, 1_700_000_015, 2_000_000_000 })
        {
            var time = DateTimeOffset.FromUnixTimeSeconds(unixSeconds);
            var ms = (unixSeconds * 1000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            // otplib's code is ours…
            var theirs = await Otplib.Node("generate", base32, ms);
            Assert.Equal(Totp.ComputeAt(secret, time), theirs);
            // …and otplib accepts ours, including one step late.
            Assert.Equal("true", await Otplib.Node("check", base32, ms, Totp.ComputeAt(secret, time.AddSeconds(-30))));
        }
        var known = await Otplib.Node("generate", "JBSWY3DPEHPK3PXP", "59000");
        Assert.Equal(Totp.ComputeAt(Base32.Decode("JBSWY3DPEHPK3PXP"), DateTimeOffset.FromUnixTimeSeconds(59)), known);
    }
}
