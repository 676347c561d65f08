using System.Net;
using System.Text.Json;
using Mindstack.MindSwarm.Tests.Media;

namespace Mindstack.MindSwarm.Tests.Services;

/// <summary>Section 19 with the gateway and price sources configured (stand-ins on loopback).</summary>
public sealed class ServiceTests(ServiceStandIns services) : IClassFixture<ServiceStandIns>
{
    private MindSwarmFactory Swarm => services.Swarm;

    private static string Base64Png(int width = 64, int height = 48) => Convert.ToBase64String(TestMedia.Png(width, height));

    private static byte[] Decoded(JsonElement result)
    {
        var image = result.GetProperty("image").GetString()!;
        Assert.StartsWith("data:" + result.GetProperty("mimeType").GetString() + ";base64,", image, StringComparison.Ordinal);
        return Convert.FromBase64String(image[(image.IndexOf(',', StringComparison.Ordinal) + 1)..]);
    }

    [Fact]
    public async Task ImageTools_Resize_OutputDecodesAtNewSize()
    {
        var user = await Swarm.RegisterAsync();
        var result = await user.PostDataAsync("/api/posts/image-tools/resize", new { image = Base64Png(), width = 32 });
        Assert.Equal("png", result.GetProperty("format").GetString());
        using var image = TestMedia.Decode(Decoded(result));
        Assert.Equal((32, 24), (image.Width, image.Height));
        Assert.Equal((32, 24), (result.GetProperty("width").GetInt32(), result.GetProperty("height").GetInt32()));
    }

    [Fact]
    public async Task ImageTools_ConvertCropTransform_FormatAndDimensions()
    {
        var user = await Swarm.RegisterAsync();
        var converted = await user.PostDataAsync("/api/posts/image-tools/convert", new { image = "data:image/png;base64," + Base64Png(), format = "webp" });
        using (var webp = TestMedia.Decode(Decoded(converted)))
        {
            Assert.Equal("image/webp", converted.GetProperty("mimeType").GetString());
            Assert.Equal("webpload_buffer", webp.Get("vips-loader"));
        }
        var cropped = await user.PostDataAsync("/api/posts/image-tools/crop", new { image = Base64Png(), left = 10, top = 5, width = 20, height = 15, format = "jpeg" });
        using (var jpeg = TestMedia.Decode(Decoded(cropped)))
        {
            Assert.Equal((20, 15), (jpeg.Width, jpeg.Height));
            Assert.Equal("jpegload_buffer", jpeg.Get("vips-loader"));
        }
        var transformed = await user.PostDataAsync("/api/posts/image-tools/transform", new
        {
            image = Base64Png(),
            operations = new object[] { new { op = "resize", width = 40 }, new { op = "rotate", angle = 90 }, new { op = "grayscale" } },
        });
        using var turned = TestMedia.Decode(Decoded(transformed));
        Assert.Equal((30, 40), (turned.Width, turned.Height));
        Assert.True(turned.Bands <= 2, "grayscale has one band (and alpha)");
    }

    [Fact]
    public async Task ImageTools_MetadataOptimizeWatermark_Answered()
    {
        var user = await Swarm.RegisterAsync();
        var metadata = (await user.PostDataAsync("/api/posts/image-tools/metadata", new { image = Base64Png(100, 80) })).GetProperty("metadata");
        Assert.Equal(("png", 100, 80, true), (metadata.GetProperty("format").GetString(), metadata.GetProperty("width").GetInt32(),
            metadata.GetProperty("height").GetInt32(), metadata.GetProperty("hasAlpha").GetBoolean()));
        var optimized = await user.PostDataAsync("/api/posts/image-tools/optimize", new { image = Base64Png(), format = "webp", quality = 60 });
        using (var webp = TestMedia.Decode(Decoded(optimized)))
        {
            Assert.Equal((64, 48), (webp.Width, webp.Height));
        }
        var marked = await user.PostDataAsync("/api/posts/image-tools/watermark",
            new { image = Base64Png(400, 300), text = "Copyright <me>", position = "bottom-right", fontSize = 24 });
        using var watermarked = TestMedia.Decode(Decoded(marked));
        Assert.Equal((400, 300), (watermarked.Width, watermarked.Height));
        // Something was drawn: the corner is no longer the plain red of the original.
        Assert.True(watermarked.Crop(200, 200, 200, 100).Max() > 200 && watermarked.Crop(200, 200, 200, 100)[1].Max() > 30);
    }

    [Fact]
    public async Task ImageTools_BadInput_ClearErrorsNever500()
    {
        var user = await Swarm.RegisterAsync();
        await user.ErrorAsync(HttpMethod.Post, "/api/posts/image-tools/resize", new { image = Convert.ToBase64String("not an image"u8.ToArray()), width = 10 },
            HttpStatusCode.BadRequest, "INVALID_IMAGE");
        await user.ErrorAsync(HttpMethod.Post, "/api/posts/image-tools/resize", new { image = "%%%", width = 10 }, HttpStatusCode.BadRequest);
        await user.ErrorAsync(HttpMethod.Post, "/api/posts/image-tools/resize", new { image = Base64Png() }, HttpStatusCode.BadRequest);
        await user.ErrorAsync(HttpMethod.Post, "/api/posts/image-tools/crop", new { image = Base64Png(), left = 60, top = 0, width = 20, height = 10 },
            HttpStatusCode.BadRequest);
        await user.ErrorAsync(HttpMethod.Post, "/api/posts/image-tools/convert", new { image = Base64Png(), format = "bmp" }, HttpStatusCode.BadRequest);
        await user.ErrorAsync(HttpMethod.Post, "/api/posts/image-tools/explode", new { image = Base64Png() }, HttpStatusCode.NotFound, "UNKNOWN_ACTION");
        await user.ErrorAsync(HttpMethod.Post, "/api/posts/image-tools/resize", new { width = 10 }, HttpStatusCode.BadRequest);
        await Swarm.Anonymous().ErrorAsync(HttpMethod.Post, "/api/posts/image-tools/resize", new { image = Base64Png(), width = 10 }, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ImageTools_Url_FetchedAndProcessed()
    {
        var png = TestMedia.Png(50, 40);
        var receiver = new LoopbackReceiver { Respond = (context, _) => { context.Response.ContentType = "image/png"; return context.Response.Body.WriteAsync(png).AsTask(); } };
        await using (receiver)
        {
            var user = await Swarm.RegisterAsync();
            var result = await user.PostDataAsync("/api/posts/image-tools/resize", new { url = receiver.Url("/cat.png"), height = 20 });
            using var image = TestMedia.Decode(Decoded(result));
            Assert.Equal((25, 20), (image.Width, image.Height));
        }
    }

    [Fact]
    public async Task ServiceCall_LocalImageTool_ChargesCreditsOnLedger()
    {
        var admin = await ServiceStandIns.AdminAsync(Swarm, credits: 10);
        var call = await admin.PostDataAsync("/api/posts/service/imageTools/resize", new { image = Base64Png(), width = 16 });
        Assert.Equal(2, call.GetProperty("creditsCharged").GetInt64());
        Assert.Equal(8, call.GetProperty("creditsRemaining").GetInt64());
        Assert.Equal(16, call.GetProperty("result").GetProperty("width").GetInt32());
        Assert.Equal(8, await ServiceStandIns.CreditsAsync(Swarm, admin));
    }

    [Fact]
    public async Task ServiceCall_Fails_CreditsRefunded()
    {
        var admin = await ServiceStandIns.AdminAsync(Swarm, credits: 10);
        await admin.ErrorAsync(HttpMethod.Post, "/api/posts/service/imageTools/crop", new { image = Base64Png(), left = 0, top = 0, width = 500, height = 500 },
            HttpStatusCode.BadRequest);
        await admin.ErrorAsync(HttpMethod.Post, "/api/posts/service/lyrics/search", new { q = "nothing" }, HttpStatusCode.BadGateway, "SERVICE_FAILED");
        Assert.Equal(10, await ServiceStandIns.CreditsAsync(Swarm, admin));
    }

    [Fact]
    public async Task ServiceCall_NotEnoughCredits_Answers402()
    {
        var admin = await ServiceStandIns.AdminAsync(Swarm, credits: 1);
        await admin.ErrorAsync(HttpMethod.Post, "/api/posts/service/imageTools/metadata", new { image = Base64Png() }, HttpStatusCode.PaymentRequired);
        Assert.Equal(1, await ServiceStandIns.CreditsAsync(Swarm, admin));
    }

    [Fact]
    public async Task ServiceCall_GatewayPlugin_ForwardedWithKey()
    {
        var admin = await ServiceStandIns.AdminAsync(Swarm, credits: 5);
        var call = await admin.PostDataAsync("/api/posts/service/weatherstack/getCurrentWeather", new { location = "Paris" });
        Assert.Equal(21, call.GetProperty("result").GetProperty("data").GetProperty("temperature").GetInt32());
        Assert.Equal(1, call.GetProperty("creditsCharged").GetInt64());
        var sent = services.Outside.On("/gateway/api/external/service/weatherstack/getCurrentWeather").Last();
        Assert.Equal("Bearer gateway-key", sent.Header("Authorization"));
        Assert.Equal("Paris", sent.Json.GetProperty("location").GetString());
        await admin.ErrorAsync(HttpMethod.Post, "/api/posts/service/weatherstack/explode", new { }, HttpStatusCode.NotFound, "UNKNOWN_ACTION");
        await admin.ErrorAsync(HttpMethod.Post, "/api/posts/service/nosuch/thing", new { }, HttpStatusCode.NotFound, "UNKNOWN_SERVICE");
    }

    [Fact]
    public async Task ServiceCall_ChainlinkCoinGeckoFallback_Refunded()
    {
        var admin = await ServiceStandIns.AdminAsync(Swarm, credits: 5);
        var chainlink = await admin.PostDataAsync("/api/posts/service/chainlink/price", new { pair = "ETH/USD" });
        Assert.Equal("chainlink", chainlink.GetProperty("result").GetProperty("source").GetString());
        Assert.Equal(1, chainlink.GetProperty("creditsCharged").GetInt64());
        var gecko = await admin.PostDataAsync("/api/posts/service/chainlink/price", new { pair = "SOL" });
        Assert.Equal("coingecko", gecko.GetProperty("result").GetProperty("source").GetString());
        Assert.Equal(0, gecko.GetProperty("creditsCharged").GetInt64());
        Assert.Equal(4, await ServiceStandIns.CreditsAsync(Swarm, admin));
    }

    [Fact]
    public async Task ServiceCall_ChallengeQuestions_GeneratedAndVerifiedLocally()
    {
        var admin = await ServiceStandIns.AdminAsync(Swarm, credits: 10);
        var generated = await admin.PostDataAsync("/api/posts/service/challengeQuestions/generateWithAnswers", new { type = "math", count = 2 });
        var questions = generated.GetProperty("result").GetProperty("questions");
        Assert.Equal(2, questions.GetArrayLength());
        var question = questions[0];
        var right = await admin.PostDataAsync("/api/posts/service/challengeQuestions/verify",
            new { token = question.GetProperty("token").GetString(), answer = question.GetProperty("answer").GetString() });
        Assert.True(right.GetProperty("result").GetProperty("valid").GetBoolean());
        var wrong = await admin.PostDataAsync("/api/posts/service/challengeQuestions/verify",
            new { token = question.GetProperty("token").GetString(), answer = "-1" });
        Assert.False(wrong.GetProperty("result").GetProperty("valid").GetBoolean());
        var plain = await admin.PostDataAsync("/api/posts/service/challengeQuestions/generate");
        Assert.Equal(JsonValueKind.Null, plain.GetProperty("result").GetProperty("questions")[0].GetProperty("answer").ValueKind);
        Assert.Equal(10 - 4 * 2, await ServiceStandIns.CreditsAsync(Swarm, admin));
    }

    [Fact]
    public async Task LanAgentStatus_Configured_ReportsOutsideServices()
    {
        var admin = await ServiceStandIns.AdminAsync(Swarm, credits: 3);
        var status = await admin.GetDataAsync("/api/admin/lanagent-status");
        Assert.True(status.GetProperty("gatewayConfigured").GetBoolean());
        Assert.Equal("127.0.0.1", status.GetProperty("gatewayHost").GetString());
        Assert.Equal(3, status.GetProperty("balance").GetInt64());
        var outside = status.GetProperty("outside").EnumerateArray().ToDictionary(o => o.GetProperty("name").GetString()!, o => o.GetProperty("configured").GetBoolean());
        Assert.True(outside["chainlink"]);
        Assert.True(outside["coingecko"]);
        Assert.False(outside["giphy"]);
        Assert.False(outside["codeSandbox"]);
        Assert.Equal(17, status.GetProperty("services").GetArrayLength());
    }
}
