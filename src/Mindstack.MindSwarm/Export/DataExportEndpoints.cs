using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Export;

/// <summary>Section 17, Data Export: the export, its history and download, and account deletion (JWT only: app keys are refused here).</summary>
internal static class DataExportEndpoints
{
    public static IServiceCollection AddMindSwarmDataExport(this IServiceCollection services)
    {
        services.AddModelContributor<ExportModel>();
        services.TryAddScoped<DataExportService>();
        services.TryAddScoped<DataExportArchive>();
        services.TryAddScoped<AccountDeletionService>();
        services.TryAddScoped<AccountEraser>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IAccountFootprint, MindSwarmFootprint>());
        services.AddJobHandler<DataExportJob>(DataExportJob.Name, o => o.MaxAttempts = 3);
        services.AddJobHandler<ExpireDataExportJob>(ExpireDataExportJob.Name, o => o.MaxAttempts = 10);
        services.AddJobHandler<AccountDeletionJob>(AccountDeletionJob.Name, o => o.MaxAttempts = 10);
        return services;
    }

    public static void Map(RouteGroupBuilder api)
    {
        var export = api.MapGroup("/data-export").RequireCaller();
        export.MapPost("/request", Request).WithSummary("Request an export of all your data (a zip of JSON files and your media); one per 24 hours")
            .ProducesEnvelope<DataExportEnvelope>(StatusCodes.Status202Accepted);
        export.MapGet("/download/{exportId}", Download).WithSummary("Download a completed export's zip archive")
            .Produces(StatusCodes.Status200OK, contentType: "application/zip");
        export.MapGet("/history", History).WithSummary("Your data exports, newest first").ProducesEnvelope<DataExportHistoryView>();
        export.MapDelete("/delete-account", DeleteAccount)
            .WithSummary("Delete your account after a 7-day grace period (password and confirmPhrase \"DELETE MY ACCOUNT\")")
            .ProducesEnvelope<AccountDeletionView>();
        export.MapPost("/cancel-deletion", CancelDeletion).WithSummary("Cancel your account's scheduled deletion (signing in cancels it too)")
            .ProducesEnvelope<DeletionCancelledView>();
    }

    private static async Task<IResult> Request(Caller caller, DataExportService exports, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(new DataExportEnvelope(await exports.RequestAsync(caller, ct), "Your data export is being prepared"), StatusCodes.Status202Accepted);

    private static async Task<IResult> Download(string exportId, Caller caller, HttpContext context, DataExportService exports, CancellationToken ct)
    {
        var (row, blob) = await exports.OpenAsync(caller, exportId, ct);
        context.Response.Headers.CacheControl = "private, no-store";
        return Results.Stream(blob.Content, "application/zip", $"mindswarm-export-{row.Id}.zip");
    }

    private static async Task<IResult> History(Caller caller, DataExportService exports, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await exports.HistoryAsync(caller, ct));

    private static async Task<IResult> DeleteAccount(Body<DeleteAccountRequest> body, Caller caller, AccountDeletionService deletions,
        MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await deletions.RequestAsync(caller, body.Value, ct));

    private static async Task<IResult> CancelDeletion(Caller caller, AccountDeletionService deletions, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await deletions.CancelAsync(caller, ct));
}
