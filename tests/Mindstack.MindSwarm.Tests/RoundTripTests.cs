using System.Net;
using Xunit.Abstractions;

namespace Mindstack.MindSwarm.Tests;

/// <summary>A MindSwarm server that counts the database round trips of each request.</summary>
public sealed class RoundTripMindSwarmFactory : MindSwarmFactory
{
    public RoundTripMindSwarmFactory() => RequestCommandCounter.Install(this);

    public RequestCommandCounter Commands => RequestCommandCounter.Of(this);
}

/// <summary>
/// The hot paths cost a fixed, small number of round trips, whatever the page or the history:
/// a post is one read of its author, one INSERT batch (post, hashtags, events) plus its author's counter; a feed page reads
/// the viewer's graph, its candidates, and then the page's authors and the viewer's likes, saves, pins and reposts (one statement).
/// </summary>
public sealed class RoundTripTests(RoundTripMindSwarmFactory factory, ITestOutputHelper output) : IClassFixture<RoundTripMindSwarmFactory>
{
    [Fact]
    public async Task CreatePost_PlainText_AtMostSixRoundTrips()
    {
        var author = await factory.RegisterAsync();
        await author.PostAsync(new { content = "warming up #first" });
        factory.Commands.Start("/api/posts");

        await author.PostAsync(new { content = "a plain post with a #tag" });

        output.WriteLine(factory.Commands.Describe());
        // The ban gate; the author's username, profile and shadow ban in one read; the author's counter;
        // the post, its hashtag and its event (one batch on PostgreSQL, one command each on SQLite).
        // The answer reads nothing more: the author is known and a new post's counters are all zero.
        Assert.True(factory.Commands.Commands.Count <= 6, factory.Commands.Describe());
    }

    [Theory]
    // following: the viewer's graph (follows, hidden accounts, shadow bans), the page, its authors, the viewer's marks;
    // algorithm: the graph, both candidate sets, the page's rows, its authors, the viewer's marks; plus, on a slow
    // machine, the caller's session check once its cache entry has expired.
    [InlineData("following", 5)]
    [InlineData("algorithm", 6)]
    public async Task Feed_FollowedAuthors_BoundedRoundTrips(string type, int most)
    {
        var viewer = await factory.RegisterAsync();
        for (var i = 0; i < 3; i++)
        {
            var author = await factory.RegisterAsync();
            await viewer.PostDataAsync($"/api/users/{author.Username}/follow");
            await author.PostAsync(new { content = $"post {i} by a followed account" });
        }
        Assert.Equal(HttpStatusCode.OK, (await viewer.SendAsync(HttpMethod.Get, $"/api/posts/feed?type={type}")).StatusCode);
        factory.Commands.Start("/api/posts/feed");

        var page = await viewer.GetDataAsync($"/api/posts/feed?type={type}");

        output.WriteLine(factory.Commands.Describe());
        Assert.True(page.GetProperty("posts").GetArrayLength() >= 3);
        Assert.True(factory.Commands.Commands.Count <= most, factory.Commands.Describe());
    }
}
