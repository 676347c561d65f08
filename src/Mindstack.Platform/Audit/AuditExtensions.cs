using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Audit;

public static class AuditExtensions
{
    public static IServiceCollection AddMindstackAudit(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddModelContributor<AuditModel>();
        services.TryAddScoped<IAuditLog, AuditLog>();
        return services;
    }

    /// <summary>
    /// Marks an endpoint's write as audited: after it runs, one entry records the action, the
    /// caller's account (when authenticated), the resource id (from the route value
    /// <paramref name="resourceIdRouteValue"/>, when given), and whether it succeeded (no
    /// exception and a status below 400) or its error.
    /// </summary>
    public static TBuilder Audited<TBuilder>(this TBuilder builder, string action, string? resourceType = null,
        string? resourceIdRouteValue = null)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var resourceId = resourceIdRouteValue is null ? null : http.Request.RouteValues[resourceIdRouteValue]?.ToString();
            var audit = http.RequestServices.GetRequiredService<IAuditLog>();
            object? result;
            try
            {
                result = await next(context);
            }
            catch (Exception exception)
            {
                var caller = http.PeekCaller();
                await audit.RecordAsync(new AuditRecord(action, caller?.AccountId, resourceType, resourceId, Success: false,
                    Error: exception is Problem problem ? problem.Message : exception.GetType().Name));
                throw;
            }
            var status = result is IStatusCodeHttpResult { StatusCode: { } code } ? code : http.Response.StatusCode;
            await audit.RecordAsync(new AuditRecord(action, http.PeekCaller()?.AccountId, resourceType, resourceId,
                Success: status < 400, Error: status < 400 ? null : $"HTTP {status}"));
            return result;
        });
}
