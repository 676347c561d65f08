using System.Text;
using Mindstack.Platform.Media;

namespace Mindstack.Platform.Tests.Media;

/// <summary>A file's format comes from its first bytes, whatever it is called.</summary>
public sealed class MediaFormatsTests
{
    public static TheoryData<string, MediaFormat> Heads => new()
    {
        { "FFD8FFE000104A464946000101", MediaFormat.Jpeg },
        { "89504E470D0A1A0A0000000D49484452", MediaFormat.Png },
        { Hex("GIF89a") + "0100010080", MediaFormat.Gif },
        { Hex("GIF87a") + "0100010080", MediaFormat.Gif },
        { Hex("RIFF") + "24000000" + Hex("WEBPVP8 "), MediaFormat.Webp },
        { "00000020" + Hex("ftypisom") + "00000200", MediaFormat.Mp4 },
        { "00000018" + Hex("ftypmp42") + "00000000", MediaFormat.Mp4 },
        { "00000014" + Hex("ftypqt  ") + "00000200", MediaFormat.QuickTime },
        { "00000008" + Hex("wide") + "0000000000000000", MediaFormat.QuickTime },
        { "1A45DFA39F4286810142F7810142F281", MediaFormat.WebM },
        { "4D5A90000300000004000000FFFF0000", MediaFormat.Unknown },
        { "00000018" + Hex("ftypheic") + "00000000", MediaFormat.Unknown },
        { Hex("%PDF-1.7\n%abcdefg"), MediaFormat.Unknown },
        { "", MediaFormat.Unknown },
    };

    [Theory]
    [MemberData(nameof(Heads))]
    public void Detect_LeadingBytes_NamesTheFormat(string head, MediaFormat expected) =>
        Assert.Equal(expected, MediaFormats.Detect(Convert.FromHexString(head)));

    private static string Hex(string ascii) => Convert.ToHexString(Encoding.ASCII.GetBytes(ascii));
}
