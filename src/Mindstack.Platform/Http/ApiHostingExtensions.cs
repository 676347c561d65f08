using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Observability;

namespace Mindstack.Platform.Http;

public static class ApiHostingExtensions
{
    /// <summary>The HTTP machinery every API shares: the registry, request metrics, problem handling.</summary>
    public static IServiceCollection AddMindstackHttp(this IServiceCollection services)
    {
        services.TryAddSingleton<ApiRegistry>();
        services.AddOptions<ApiPortsOptions>().BindConfiguration(ApiPortsOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ApiPortsOptions>, ApiPortsOptionsValidator>());
        services.TryAddSingleton<RequestMetrics>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(o => o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower);
        return services;
    }

    /// <summary>
    /// Registers an API's OpenAPI document (<c>/openapi/{name}.json</c>), listing the endpoints
    /// of its route group, with schemas in the JSON naming of the API's Dialect.
    /// </summary>
    public static IServiceCollection AddApiDocument(this IServiceCollection services, string name, string title, string description)
    {
        services.AddOpenApi(name, options =>
        {
            options.ShouldInclude = d => string.Equals(d.GroupName, name, StringComparison.Ordinal);
            options.AddSchemaTransformer<DialectSchemas>();
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = title;
                document.Info.Description = description;
                document.Info.Version = typeof(ApiHostingExtensions).Assembly.GetName().Version?.ToString(3) ?? "1.0.0";
                return Task.CompletedTask;
            });
            options.AddDocumentTransformer((document, context, _) => Realtime.Json.JsonSocketDocuments.AddAsync(document, context));
            options.AddDocumentTransformer((document, context, _) => Realtime.SocketIo.SocketIoDocuments.AddAsync(document, context));
        });
        return services;
    }

    /// <summary>
    /// Registers an API: its definition (every fact the platform resolves by the API's name) and
    /// its Dialect as a singleton. A module calls it once, from its <c>AddX</c>. Throws when the
    /// definition contradicts itself (see <see cref="ApiDefinition.Validate"/>).
    /// </summary>
    public static IServiceCollection AddApi(this IServiceCollection services, ApiDefinition api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.Validate();
        services.AddSingleton(api);
        services.TryAddSingleton(api.Dialect);
        return services;
    }

    /// <summary>
    /// Mounts a registered API at <paramref name="basePath"/> (by default its definition's): a
    /// route group whose endpoints belong to the API's OpenAPI document and whose answers, errors
    /// included, are in the Dialect's shape. The API is also served at the root of
    /// <c>Mindstack:Apis:&lt;Name&gt;:Port</c> when that is set. The Dialect rides in the group's
    /// metadata, so <c>ProducesEnvelope</c> can describe its frames.
    /// </summary>
    public static RouteGroupBuilder MapApi(this IEndpointRouteBuilder routes, ApiDefinition api, string? basePath = null)
    {
        var dialect = (Dialect)routes.ServiceProvider.GetRequiredService(api.Dialect);
        if (dialect.Name != api.Name)
        {
            throw new InvalidOperationException($"API {api.Name} is spoken by a dialect named '{dialect.Name}'.");
        }
        var registry = routes.ServiceProvider.GetRequiredService<ApiRegistry>();
        if (registry.Find(api.Name) != api)
        {
            throw new InvalidOperationException($"API {api.Name} is mapped but not registered with AddApi.");
        }
        var path = basePath ?? api.BasePath;
        registry.Add(api, new PathString(path), dialect);
        return routes.MapGroup(path).WithGroupName(api.Name).WithMetadata(dialect);
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
