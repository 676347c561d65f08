using Microsoft.AspNetCore.Routing;

namespace Mindstack.Platform.Http;

/// <summary>
/// Extra endpoints mapped after the modules, such as the test-only route groups the HTTP tests
/// register. Production composition registers none.
/// </summary>
public interface IEndpointContributor
{
    void Map(IEndpointRouteBuilder routes);
}
