using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Http;

namespace Mindstack.Platform.Tests.Http;

/// <summary>The server with the probe routes added.</summary>
public sealed class ProbeFactory : MindstackFactory
{
    public ProbeFactory() => WithServices(s => s.AddSingleton<IEndpointContributor, ProbeRoutes>());
}
