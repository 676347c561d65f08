using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Media;

namespace Mindstack.Platform.Tests.Media;

public sealed class MediaQuotaTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task TryReserve_PastTheQuota_RefusedUntilBytesAreReleased()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var quota = scope.ServiceProvider.GetRequiredService<MediaQuota>();
        var owner = "test:" + Guid.NewGuid().ToString("N");

        Assert.True(await quota.TryReserveAsync(owner, 600, 1_000, CancellationToken.None));
        Assert.False(await quota.TryReserveAsync(owner, 401, 1_000, CancellationToken.None));
        Assert.True(await quota.TryReserveAsync(owner, 400, 1_000, CancellationToken.None));
        Assert.Equal(1_000, await quota.UsedAsync(owner, CancellationToken.None));

        await quota.ReleaseAsync(owner, 600, CancellationToken.None);
        Assert.Equal(400, await quota.UsedAsync(owner, CancellationToken.None));
        Assert.True(await quota.TryReserveAsync(owner, 600, 1_000, CancellationToken.None));
    }

    [Fact]
    public async Task TryReserve_Concurrently_NeverPassesTheQuota()
    {
        var owner = "test:" + Guid.NewGuid().ToString("N");
        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            await using var scope = factory.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<MediaQuota>().TryReserveAsync(owner, 300, 1_000, CancellationToken.None);
        }));
        Assert.Equal(3, attempts.Count(granted => granted));
        await using var check = factory.Services.CreateAsyncScope();
        Assert.Equal(900, await check.ServiceProvider.GetRequiredService<MediaQuota>().UsedAsync(owner, CancellationToken.None));
    }
}
