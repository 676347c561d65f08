using System.Net;

namespace Mindstack.Mindra.Tests;

/// <summary>A Mindra server that counts the database round trips of each request.</summary>
public sealed class RoundTripMindraFixture : IDisposable
{
    public RoundTripMindraFixture() => RequestCommandCounter.Install(Factory);

    public MindraFactory Factory { get; } = new();

    public RequestCommandCounter Commands => RequestCommandCounter.Of(Factory);

    public void Dispose() => Factory.Dispose();
}

/// <summary>The hottest key reads make at most two database round trips once the caller is known (cached).</summary>
public sealed class RoundTripTests(RoundTripMindraFixture fixture) : IClassFixture<RoundTripMindraFixture>
{
    [Fact]
    public async Task ListAgents_SecondRead_AtMostTwoRoundTrips()
    {
        var user = await fixture.Factory.RegisterUserAsync();
        await user.GetJsonAsync("/v1/agents");
        fixture.Commands.Start("/v1/agents");

        using var response = await user.GetAsync("/v1/agents");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(fixture.Commands.Commands.Count <= 2, fixture.Commands.Describe());
    }

    [Fact]
    public async Task Wallet_SecondRead_AtMostTwoRoundTrips()
    {
        var user = await fixture.Factory.RegisterUserAsync();
        await user.TopUpAsync(25m);
        await user.GetJsonAsync("/v1/wallet");
        fixture.Commands.Start("/v1/wallet");

        using var response = await user.GetAsync("/v1/wallet");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(fixture.Commands.Commands.Count <= 2, fixture.Commands.Describe());
    }
}
