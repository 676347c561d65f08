// The ceiling: bare ASP.NET Core answering a small JSON, as fast as this machine serves HTTP.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapGet("/health", () => Results.Json(new Health("ok")));
app.Run();

internal sealed record Health(string Status);
