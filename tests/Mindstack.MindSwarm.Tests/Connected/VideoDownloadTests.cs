using System.Net;
using System.Text;

namespace Mindstack.MindSwarm.Tests.Connected;

/// <summary>Video downloads through a gateway stand-in on loopback: the link, its three retrievals and its hour.</summary>
public sealed class VideoDownloadTests(StandInServices services) : IClassFixture<StandInServices>
{
    private static readonly byte[] Video = Encoding.ASCII.GetBytes("\0\0\0\x18ftypmp42 fake video bytes for the test");

    private MindSwarmFactory Swarm => services.Swarm;

    private void GatewayAnswers(int status = 200) =>
        services.On("/gateway/api/video/download", async (context, _) =>
        {
            context.Response.StatusCode = status;
            if (status == 200)
            {
                context.Response.ContentType = "video/mp4";
                context.Response.Headers.ContentDisposition = "attachment; filename=\"clip.mp4\"";
                await context.Response.Body.WriteAsync(Video);
            }
        });

    [Fact]
    public async Task DownloadVideo_AllowlistedLink_SignedLinkServedThreeTimes()
    {
        GatewayAnswers();
        var user = await Swarm.RegisterAsync();
        var post = await user.PostAsync(new { content = "Watch https://www.youtube.com/watch?v=dQw4w9WgXcQ" });
        var data = await user.PostDataAsync($"/api/posts/{post.GetProperty("id").GetString()}/download-video");
        Assert.Equal("clip.mp4", data.GetProperty("filename").GetString());
        Assert.Equal(Video.Length, data.GetProperty("size").GetInt64());
        Assert.Equal(3, data.GetProperty("maxDownloads").GetInt32());
        var sent = services.Outside.On("/gateway/api/video/download").Last();
        Assert.Equal("https://www.youtube.com/watch?v=dQw4w9WgXcQ", sent.Json.GetProperty("url").GetString());
        Assert.Equal("Bearer gateway-key", sent.Header("Authorization"));
        var link = data.GetProperty("downloadUrl").GetString()!;
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(Video, await Multipart.FetchAsync(Swarm, link));
        }
        await Multipart.FetchAsync(Swarm, link, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task DownloadVideo_LinkAfterAnHour_Gone()
    {
        GatewayAnswers();
        var user = await Swarm.RegisterAsync();
        var post = await user.PostAsync(new { content = "https://vimeo.com/123456" });
        var link = (await user.PostDataAsync($"/api/posts/{post.GetProperty("id").GetString()}/download-video")).GetProperty("downloadUrl").GetString()!;
        Swarm.Clock.Advance(TimeSpan.FromMinutes(61));
        await Multipart.FetchAsync(Swarm, link, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task DownloadVideo_HostNotAllowlisted_Refused400()
    {
        var user = await Swarm.RegisterAsync();
        var post = await user.PostAsync(new { content = "See https://example.com/video.mp4" });
        await user.ErrorAsync(HttpMethod.Post, $"/api/posts/{post.GetProperty("id").GetString()}/download-video", new { }, HttpStatusCode.BadRequest,
            "UNSUPPORTED_VIDEO_HOST");
    }

    [Fact]
    public async Task DownloadVideo_GatewayFails_Answers502()
    {
        GatewayAnswers(500);
        var user = await Swarm.RegisterAsync();
        var post = await user.PostAsync(new { content = "https://rumble.com/v123-clip.html" });
        await user.ErrorAsync(HttpMethod.Post, $"/api/posts/{post.GetProperty("id").GetString()}/download-video", new { }, HttpStatusCode.BadGateway,
            "SERVICE_FAILED");
    }

    [Fact]
    public async Task DownloadVideo_TwentyOneInAnHour_Refused429()
    {
        GatewayAnswers();
        var user = await Swarm.RegisterAsync();
        var post = await user.PostAsync(new { content = "https://streamable.com/abc" });
        for (var i = 0; i < 20; i++)
        {
            await user.PostDataAsync($"/api/posts/{post.GetProperty("id").GetString()}/download-video");
        }
        await user.ErrorAsync(HttpMethod.Post, $"/api/posts/{post.GetProperty("id").GetString()}/download-video", new { }, HttpStatusCode.TooManyRequests);
    }
}
