using System.Net;

namespace Mindstack.PluginMind.Tests;

/// <summary>A PluginMind server that counts the database round trips of each request.</summary>
public sealed class RoundTripPluginMindFactory : PluginMindFactory
{
    public RoundTripPluginMindFactory() => RequestCommandCounter.Install(this);

    public RequestCommandCounter Commands => RequestCommandCounter.Of(this);
}

/// <summary>The hottest cookie reads make at most two database round trips once the caller is known (cached).</summary>
public sealed class RoundTripTests(RoundTripPluginMindFactory factory) : IClassFixture<RoundTripPluginMindFactory>
{
    [Fact]
    public async Task MeUsage_SecondRead_AtMostTwoRoundTrips()
    {
        var (client, _) = await factory.SignInAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"{PluginMindFactory.Base}/me/usage")).StatusCode);
        factory.Commands.Start("/me/usage");

        using var response = await client.GetAsync($"{PluginMindFactory.Base}/me/usage");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(factory.Commands.Commands.Count <= 2, factory.Commands.Describe());
    }
}
