using System.Net;
using Mindstack.MindSwarm.Tests.Media;

namespace Mindstack.MindSwarm.Tests.Connected;

public sealed class ProfileImageTests(MindSwarmFactory factory) : IClassFixture<MindSwarmFactory>
{
    [Fact]
    public async Task UploadAvatar_Png_StoredAsStrippedJpegOf256AndOldOneRemoved()
    {
        var user = await factory.RegisterAsync();
        using var first = await Multipart.UploadAsync(factory, user, "/api/users/upload/avatar", "file", "me.png", "image/png", TestMedia.Png(640, 480));
        var firstUrl = (await SwarmClient.Expect(first, HttpStatusCode.OK)).GetProperty("data").GetProperty("url").GetString()!;
        var stored = await Multipart.FetchAsync(factory, firstUrl);
        Assert.Equal([0xFF, 0xD8, 0xFF], stored[..3]);
        using (var image = TestMedia.Decode(stored))
        {
            Assert.Equal((256, 256), (image.Width, image.Height));
        }
        var profile = await user.GetDataAsync("/api/users/" + user.Username);
        Assert.Equal(firstUrl, profile.GetProperty("user").GetProperty("profile").GetProperty("avatar").GetString());

        using var second = await Multipart.UploadAsync(factory, user, "/api/users/upload/avatar", "file", "cam.jpg", "image/jpeg", TestMedia.JpegWithExif());
        var secondUrl = (await SwarmClient.Expect(second, HttpStatusCode.OK)).GetProperty("data").GetProperty("url").GetString()!;
        Assert.NotEqual(firstUrl, secondUrl);
        using (var image = TestMedia.Decode(await Multipart.FetchAsync(factory, secondUrl)))
        {
            Assert.Equal((256, 256), (image.Width, image.Height));
            Assert.Equal(0, image.GetTypeOf("exif-data"));
        }
        await Multipart.FetchAsync(factory, firstUrl, HttpStatusCode.NotFound);
        profile = await user.GetDataAsync("/api/users/" + user.Username);
        Assert.Equal(secondUrl, profile.GetProperty("user").GetProperty("profile").GetProperty("avatar").GetString());
    }

    [Fact]
    public async Task UploadBanner_Jpeg_CroppedTo1500x500()
    {
        var user = await factory.RegisterAsync();
        using var response = await Multipart.UploadAsync(factory, user, "/api/users/upload/banner", "file", "wide.jpg", "image/jpeg",
            TestMedia.JpegWithExif());
        var data = (await SwarmClient.Expect(response, HttpStatusCode.OK)).GetProperty("data");
        using var image = TestMedia.Decode(await Multipart.FetchAsync(factory, data.GetProperty("url").GetString()!));
        Assert.Equal((1500, 500), (image.Width, image.Height));
        var profile = await user.GetDataAsync("/api/users/" + user.Username);
        Assert.Equal(data.GetProperty("url").GetString(), profile.GetProperty("user").GetProperty("profile").GetProperty("banner").GetString());
    }

    [Fact]
    public async Task UploadAvatar_RenamedExecutable_Refused415()
    {
        var user = await factory.RegisterAsync();
        var exe = new byte[4096];
        "MZ\x90\0\x03\0\0\0\x04\0\0\0\xFF\xFF"u8.ToArray().CopyTo(exe, 0);
        using var response = await Multipart.UploadAsync(factory, user, "/api/users/upload/avatar", "file", "me.png", "image/png", exe);
        var body = await SwarmClient.Expect(response, HttpStatusCode.UnsupportedMediaType);
        Assert.False(body.GetProperty("success").GetBoolean());
        Assert.Equal("INVALID_FILE_TYPE", body.GetProperty("code").GetString());
        var profile = await user.GetDataAsync("/api/users/" + user.Username);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, profile.GetProperty("user").GetProperty("profile").GetProperty("avatar").ValueKind);
    }

    [Fact]
    public async Task UploadAvatar_Anonymous_Refused401()
    {
        using var client = factory.CreateClient();
        var content = new MultipartFormDataContent { { new ByteArrayContent(TestMedia.Png()), "file", "a.png" } };
        using var response = await client.PostAsync("/mindswarm/api/users/upload/avatar", content);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
