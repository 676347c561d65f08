namespace Mindstack.MindPeeker.Tests;

/// <summary>A MindPeeker server that counts the database round trips of each request.</summary>
public sealed class RoundTripMindPeekerFactory : MindPeekerFactory
{
    public RoundTripMindPeekerFactory() => RequestCommandCounter.Install(this);

    public RequestCommandCounter Commands => RequestCommandCounter.Of(this);
}

/// <summary>The hottest reads make at most two database round trips once the caller is known (cached) and the month's grant given.</summary>
public sealed class RoundTripTests(RoundTripMindPeekerFactory factory) : IClassFixture<RoundTripMindPeekerFactory>
{
    [Fact]
    public async Task UsersMe_SecondRead_AtMostTwoRoundTrips()
    {
        var user = await factory.RegisterUserAsync();
        await factory.CreateSessionAsync(user);
        Assert.Equal(HttpStatusCode.OK, (await factory.SendAsync(HttpMethod.Get, "/users/me", user.Token)).StatusCode);
        factory.Commands.Start("/users/me");

        using var response = await factory.SendAsync(HttpMethod.Get, "/users/me", user.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(factory.Commands.Commands.Count <= 2, factory.Commands.Describe());
        var data = (await factory.ReadJsonAsync(response)).GetProperty("data");
        Assert.Equal(1, data.GetProperty("usage_stats").GetProperty("total_sessions").GetInt32());
    }

    [Fact]
    public async Task ListSessions_SecondRead_AtMostTwoRoundTrips()
    {
        var user = await factory.RegisterUserAsync();
        await factory.CreateSessionAsync(user);
        await factory.CreateSessionAsync(user);
        Assert.Equal(HttpStatusCode.OK, (await factory.SendAsync(HttpMethod.Get, "/sessions", user.Token)).StatusCode);
        factory.Commands.Start("/sessions");

        using var response = await factory.SendAsync(HttpMethod.Get, "/sessions", user.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(factory.Commands.Commands.Count <= 2, factory.Commands.Describe());
    }
}
