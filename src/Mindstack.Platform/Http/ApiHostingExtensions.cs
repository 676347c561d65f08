using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mindstack.Platform.Observability;

namespace Mindstack.Platform.Http;

public static class ApiHostingExtensions
{
    /// <summary>The HTTP machinery every API shares: the registry, request metrics, problem handling.</summary>
    public static IServiceCollection AddMindstackHttp(this IServiceCollection services)
    {
        services.TryAddSingleton<ApiRegistry>();
        services.TryAddSingleton<RequestMetrics>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(o => o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower);
        return services;
    }

    /// <summary>
    /// Registers an API's OpenAPI document (<c>/openapi/{name}.json</c>), listing the endpoints
    /// of its route group.
    /// </summary>
    public static IServiceCollection AddApiDocument(this IServiceCollection services, string name, string title, string description)
    {
        services.AddOpenApi(name, options =>
        {
            options.ShouldInclude = d => string.Equals(d.GroupName, name, StringComparison.Ordinal);
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = title;
                document.Info.Description = description;
                document.Info.Version = typeof(ApiHostingExtensions).Assembly.GetName().Version?.ToString(3) ?? "1.0.0";
                return Task.CompletedTask;
            });
        });
        return services;
    }

    /// <summary>
    /// Mounts an API at its base path: a route group whose endpoints belong to the API's OpenAPI
    /// document and whose answers, errors included, are in the Dialect's shape. The API is also
    /// served at the root of <c>Mindstack:Apis:&lt;Name&gt;:Port</c> when that is set.
    /// </summary>
    public static RouteGroupBuilder MapApi(this IEndpointRouteBuilder routes, string basePath, Dialect dialect)
    {
        var registry = routes.ServiceProvider.GetRequiredService<ApiRegistry>();
        registry.Add(new PathString(basePath), dialect);
        return routes.MapGroup(basePath).WithGroupName(dialect.Name);
    }

    /// <summary>The platform's request pipeline: API resolution, request ids, logs, errors, HEAD as GET, body limits.</summary>
    public static IApplicationBuilder UseMindstackHttp(this IApplicationBuilder app)
    {
        app.UseMiddleware<HeadMiddleware>();
        app.UseMiddleware<ApiMiddleware>();
        app.UseRouting();
        app.UseMiddleware<BodySizeLimitMiddleware>();
        return app;
    }
}
