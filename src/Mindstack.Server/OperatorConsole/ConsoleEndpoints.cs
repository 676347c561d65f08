using System.Reflection;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Audit;
using Mindstack.Platform.Billing;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Observability;
using Mindstack.Platform.OperatorConsole;
using Mindstack.Platform.Webhooks;
using Mindstack.Server.OperatorConsole.Pages;

namespace Mindstack.Server.OperatorConsole;

/// <summary>
/// The operator console's routes under <c>/console</c>: pages rendered on the server (Razor
/// components, static rendering) and forms posted back. Every change goes through the platform
/// service that owns it, exactly as the APIs make it (caches evicted, ledger entries, audit).
/// </summary>
internal static class ConsoleEndpoints
{
    private const int PageSize = 50;
    private const string OperatorKey = "mindstack.console.operator";

    public static IServiceCollection AddOperatorConsole(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ConsoleOptions>().Bind(configuration.GetSection(ConsoleOptions.Section));
        services.AddRazorComponents();
        services.AddConsoleAuth();
        return services;
    }

    public static IEndpointRouteBuilder MapOperatorConsole(this IEndpointRouteBuilder routes)
    {
        if (!routes.ServiceProvider.GetRequiredService<IOptions<ConsoleOptions>>().Value.Enabled)
        {
            return routes;
        }
        var console = routes.MapGroup("/console").ExcludeFromDescription();
        console.MapGet("/console.css", Stylesheet);
        console.MapGet("/sign-in", SignInForm);
        console.MapPost("/sign-in", SignIn);

        var admin = console.MapGroup("").AddEndpointFilter(RequireAdmin);
        admin.MapGet("", Overview);
        admin.MapPost("/sign-out", SignOut);
        admin.MapGet("/accounts", Accounts);
        admin.MapGet("/accounts/{id}", AccountDetail);
        admin.MapPost("/accounts/{id}/status", SetStatus);
        admin.MapPost("/accounts/{id}/role", SetRole);
        admin.MapPost("/accounts/{id}/tier", SetTier);
        admin.MapPost("/accounts/{id}/sessions/revoke", RevokeSessions);
        admin.MapPost("/accounts/{id}/keys/{keyId}/revoke", RevokeKey);
        admin.MapPost("/accounts/{id}/credits", AdjustCredits);
        admin.MapGet("/jobs", Jobs);
        admin.MapGet("/jobs/{id}", JobDetail);
        admin.MapPost("/jobs/{id}/retry", RetryJob);
        admin.MapPost("/jobs/{id}/discard", DiscardJob);
        admin.MapGet("/webhooks", Webhooks);
        admin.MapGet("/webhooks/deliveries/{id}", Delivery);
        admin.MapPost("/webhooks/deliveries/{id}/redeliver", Redeliver);
        admin.MapGet("/audit", Audit);
        return routes;
    }

    // ---- sign-in -------------------------------------------------------------------------------

    private static IResult SignInForm(HttpContext context) =>
        Render<SignInPage>(new { Frame = Frame(context, "Sign in", "sign-in", null), Email = "" });

    private static async Task<IResult> SignIn(HttpContext context, ISessionService sessions, IAuditLog audit, IOptions<ConsoleOptions> options)
    {
        if (!await ConsoleAuth.IsFormValidAsync(context))
        {
            return FormExpired(context, null);
        }
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var email = form["email"].ToString().Trim();
        var password = form["password"].ToString();
        var code = form["code"].ToString().Trim();
        IResult Again(string error, int status) =>
            Render<SignInPage>(new { Frame = Frame(context, "Sign in", "sign-in", null) with { Error = error }, Email = email }, status);
        if (email.Length == 0 || password.Length == 0)
        {
            return Again("Email and password are required.", StatusCodes.Status400BadRequest);
        }
        SignInOutcome outcome;
        try
        {
            outcome = await sessions.SignInWithPasswordAsync(email, password, code.Length == 0 ? null : code, ConsoleAuth.Policy(options.Value),
                context.RequestAborted);
        }
        catch (Problem problem) when (problem.Kind == ProblemKind.RateLimited)
        {
            if (problem.Headers.TryGetValue("Retry-After", out var wait))
            {
                context.Response.Headers.RetryAfter = wait;
            }
            return Again("Too many failed sign-ins; try again later.", StatusCodes.Status429TooManyRequests);
        }
        catch (Problem problem) when (problem.Kind is ProblemKind.Unauthorized or ProblemKind.Validation)
        {
            return Again(problem.Code == "INVALID_2FA_CODE" ? "That two-factor code is not valid." : "Wrong email or password.",
                StatusCodes.Status401Unauthorized);
        }
        catch (Problem problem) when (problem.Kind == ProblemKind.Forbidden)
        {
            return Again("This account cannot sign in.", StatusCodes.Status403Forbidden);
        }
        if (outcome.Tokens is not { } tokens)
        {
            return Again("This account has two-factor authentication: enter the code from your authenticator app.", StatusCodes.Status401Unauthorized);
        }
        if (outcome.Account.Role != AccountRoles.Admin)
        {
            // The password was right, but the console is for admins only: end the session it made.
            await sessions.RevokeSessionAsync(outcome.Account.Id, tokens.SessionId, "console_not_admin", CancellationToken.None);
            await audit.RecordAsync(new AuditRecord("console.sign_in", outcome.Account.Id, "account", outcome.Account.Id, Success: false,
                Error: "not an admin")
            { Api = ConsoleAuth.Audience }, CancellationToken.None);
            return Forbidden(context, null);
        }
        await ConsoleAuth.SignInAsync(context, outcome.Account, tokens.SessionId);
        await audit.RecordAsync(new AuditRecord("console.sign_in", outcome.Account.Id, "account", outcome.Account.Id) { Api = ConsoleAuth.Audience },
            CancellationToken.None);
        return Results.Redirect("/console", permanent: false, preserveMethod: false);
    }

    private static async Task<IResult> SignOut(HttpContext context, ISessionService sessions)
    {
        var signedIn = Operator(context);
        await sessions.RevokeSessionAsync(signedIn.Account.Id, signedIn.SessionId, "logout", context.RequestAborted);
        await context.SignOutAsync(ConsoleAuth.Scheme);
        return SeeOther("/console/sign-in");
    }

    /// <summary>Signed out → the sign-in page; signed in but no admin → 403; a POST without a valid form token → 400.</summary>
    private static async ValueTask<object?> RequireAdmin(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        var (access, signedIn) = await ConsoleAuth.AuthenticateAsync(context);
        switch (access)
        {
            case ConsoleAccess.SignedOut:
                return SeeOther("/console/sign-in");
            case ConsoleAccess.Forbidden:
                return Forbidden(context, signedIn);
            case ConsoleAccess.Admin:
                break;
            default:
                throw new InvalidOperationException($"Unknown console access {access}");
        }
        context.Items[OperatorKey] = signedIn;
        if (HttpMethods.IsPost(context.Request.Method) && !await ConsoleAuth.IsFormValidAsync(context))
        {
            return FormExpired(context, signedIn);
        }
        return await next(invocation);
    }

    // ---- overview ------------------------------------------------------------------------------

    private static async Task<IResult> Overview(HttpContext context, OperatorData data, HealthService health, TimeProvider clock,
        IOptions<ConsoleOptions> options)
    {
        var components = await health.CheckAllAsync(reuseDatabaseCheck: true, context.RequestAborted);
        var provider = components.TryGetValue("database", out var database) && database.Data?.TryGetValue("provider", out var name) == true
            ? name?.ToString()
            : null;
        // Every node's requests (from the database), so the figures are the deployment's, whichever node answers.
        var view = new OverviewView(await data.ClusterRequestsAsync(context.RequestAborted), await data.FiguresAsync(context.RequestAborted), components,
            HealthService.Version, provider, clock.GetUtcNow().UtcDateTime);
        return Render<OverviewPage>(new
        {
            Frame = Frame(context, "Overview", "overview"),
            View = view,
            RefreshSeconds = Math.Max(5, (int)options.Value.OverviewRefresh.TotalSeconds),
        });
    }

    // ---- accounts ------------------------------------------------------------------------------

    private static async Task<IResult> Accounts(HttpContext context, OperatorData data, string? q, string? after)
    {
        var page = await data.AccountsAsync(q, after, PageSize, context.RequestAborted);
        return Render<AccountsPage>(new { Frame = Frame(context, "Accounts", "accounts"), Query = q ?? "", After = after, Page = page });
    }

    private static async Task<IResult> AccountDetail(HttpContext context, string id, IAccountService accounts, ISessionService sessions,
        ICreditLedger ledger, OperatorData data, ApiRegistry registry)
    {
        var ct = context.RequestAborted;
        if (await accounts.FindAsync(id, ct) is not { } account)
        {
            return NotFound(context, "accounts", $"No account '{id}'.");
        }
        var accountSessions = await sessions.ListSessionsAsync(id, null, ct);
        // Revoked keys too: the operator sees what was revoked and when.
        var accountKeys = await data.KeysAsync(id, ct);
        var balances = new List<LedgerBalance>();
        foreach (var currency in await data.CurrenciesAsync(id, ct))
        {
            balances.Add(await ledger.GetBalanceAsync(id, currency, ct));
        }
        var history = await ledger.GetHistoryAsync(new LedgerHistoryQuery(id) { Limit = 25 }, ct);
        var trail = await data.AuditAsync(new AuditQuery { AccountId = id }, null, 25, ct);
        var apis = accountSessions.Select(s => s.Api).Concat(accountKeys.Select(k => k.Api)).Concat(trail.Items.Select(a => a.Api ?? ""))
            .Where(a => a.Length > 0 && a != ConsoleAuth.Audience).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var view = new AccountView(account, apis, accountSessions, accountKeys, balances, history.Items, trail.Items, "console_" + Guid.NewGuid().ToString("N"),
            TierChoice.Declared(registry));
        return Render<AccountPage>(new { Frame = Frame(context, account.Email, "accounts"), View = view });
    }

    private static Task<IResult> SetStatus(HttpContext context, string id, IAccountService accounts, IAuditLog audit) =>
        AccountActionAsync(context, id, audit, "console.account_status_changed", async form =>
        {
            var status = form["status"].ToString();
            await accounts.SetStatusAsync(id, status, context.RequestAborted);
            return $"Status set to {status}.";
        });

    private static Task<IResult> SetRole(HttpContext context, string id, IAccountService accounts, IAuditLog audit) =>
        AccountActionAsync(context, id, audit, "console.account_role_changed", async form =>
        {
            var role = form["role"].ToString();
            // The platform refuses a role it does not know (nothing changes), and the page shows why.
            await accounts.SetRoleAsync(id, role, context.RequestAborted);
            return $"Role set to {role}.";
        });

    private static Task<IResult> SetTier(HttpContext context, string id, IAccountService accounts, ApiRegistry apis, IAuditLog audit) =>
        AccountActionAsync(context, id, audit, "console.account_tier_changed", async form =>
        {
            var wanted = form["tier"].ToString().Trim();
            var declared = TierChoice.Declared(apis);
            // Only a tier some API declares: anything else would read as that API's default and mislead the operator.
            var tier = declared.FirstOrDefault(t => string.Equals(t.Name, wanted, StringComparison.OrdinalIgnoreCase))?.Name
                ?? throw Problem.Invalid("tier", $"'{ConsoleFormat.Short(wanted, 64)}' is not a tier any API declares; choose one of "
                    + string.Join(", ", declared.Select(t => t.Name)));
            await accounts.SetTierAsync(id, tier, context.RequestAborted);
            return $"Tier set to {tier}.";
        });

    private static Task<IResult> RevokeSessions(HttpContext context, string id, ISessionService sessions, IAuditLog audit) =>
        AccountActionAsync(context, id, audit, "console.sessions_revoked", async _ =>
        {
            var count = await sessions.RevokeAllSessionsAsync(id, null, "revoked_by_operator", context.RequestAborted);
            return $"{count} session(s) revoked.";
        });

    private static Task<IResult> RevokeKey(HttpContext context, string id, string keyId, IApiKeyService keys, IAuditLog audit) =>
        AccountActionAsync(context, id, audit, "console.api_key_revoked", async _ =>
        {
            // The same call as the APIs' revoke: the key's cached callers are evicted on every node.
            if (!await keys.RevokeAsync(keyId, id, context.RequestAborted))
            {
                throw Problem.NotFound($"No key '{keyId}' on this account");
            }
            return $"Key {keyId} revoked.";
        }, keyId);

    private static Task<IResult> AdjustCredits(HttpContext context, string id, ICreditLedger ledger, IAuditLog audit) =>
        AccountActionAsync(context, id, audit, "console.credits_adjusted", async form =>
        {
            var currency = form["currency"].ToString().Trim().ToLowerInvariant();
            var reason = form["reason"].ToString().Trim();
            var reference = form["reference"].ToString();
            if (!long.TryParse(form["amount"].ToString(), System.Globalization.NumberStyles.AllowLeadingSign,
                    System.Globalization.CultureInfo.InvariantCulture, out var amount) || amount == 0)
            {
                throw Problem.Invalid("amount", "The amount is a whole number other than 0 (negative takes credits away)");
            }
            if (reason.Length is 0 or > 500)
            {
                throw Problem.Invalid("reason", "A reason is required (at most 500 characters)");
            }
            if (!reference.StartsWith("console_", StringComparison.Ordinal) || reference.Length > 64)
            {
                throw Problem.Invalid("reference", "Reload the page and try again");
            }
            var description = "Operator adjustment: " + reason;
            // The form's one-time reference makes a double submit replay the first movement instead of repeating it.
            var movement = amount > 0
                ? await ledger.GrantAsync(id, currency, amount, reference, description, context.RequestAborted)
                : await ledger.ChargeAsync(id, currency, -amount, reference, description, context.RequestAborted);
            return movement.Replayed
                ? "That adjustment was already made."
                : $"{(amount > 0 ? "Added" : "Took")} {Math.Abs(amount)} {currency}; balance {movement.BalanceAfter}.";
        });

    /// <summary>Runs an account action, audits it as the operator's (success or failure), then shows the account again.</summary>
    private static async Task<IResult> AccountActionAsync(HttpContext context, string id, IAuditLog audit, string action,
        Func<IFormCollection, Task<string>> run, string? resourceId = null)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var signedIn = Operator(context);
        var path = "/console/accounts/" + Uri.EscapeDataString(id);
        try
        {
            var notice = await run(form);
            await audit.RecordAsync(new AuditRecord(action, signedIn.Account.Id, resourceId is null ? "account" : "api_key", resourceId ?? id)
            { Api = ConsoleAuth.Audience }, CancellationToken.None);
            return SeeOther(ConsoleFormat.With(path, [new("notice", notice)]));
        }
        catch (Problem problem) when (problem.Kind != ProblemKind.Internal)
        {
            await audit.RecordAsync(new AuditRecord(action, signedIn.Account.Id, resourceId is null ? "account" : "api_key", resourceId ?? id,
                Success: false, Error: problem.Message)
            { Api = ConsoleAuth.Audience }, CancellationToken.None);
            return SeeOther(ConsoleFormat.With(path, [new("error", Describe(problem))]));
        }
    }

    // ---- jobs ----------------------------------------------------------------------------------

    private static async Task<IResult> Jobs(HttpContext context, OperatorData data, string? type, string? state, string? after)
    {
        JobState? wanted = Enum.TryParse<JobState>(state, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) ? parsed : null;
        var page = await data.JobsAsync(type, wanted, after, PageSize, context.RequestAborted);
        return Render<JobsPage>(new
        {
            Frame = Frame(context, "Jobs", "jobs"),
            View = new JobsView(type, wanted is { } s ? ConsoleFormat.State(s) : null, page),
            After = after,
        });
    }

    private static async Task<IResult> JobDetail(HttpContext context, string id, OperatorData data) =>
        await data.JobAsync(id, context.RequestAborted) is { } job
            ? Render<JobPage>(new { Frame = Frame(context, "Job " + id, "jobs"), Detail = job })
            : NotFound(context, "jobs", $"No job '{id}'.");

    private static Task<IResult> RetryJob(HttpContext context, string id, JobAdmin jobs, IAuditLog audit) =>
        JobActionAsync(context, id, audit, "console.job_retried", async () =>
        {
            await jobs.RetryAsync(id, context.RequestAborted);
            return "Job queued to run again.";
        });

    private static Task<IResult> DiscardJob(HttpContext context, string id, JobAdmin jobs, IAuditLog audit) =>
        JobActionAsync(context, id, audit, "console.job_discarded", async () =>
        {
            await jobs.DiscardAsync(id, context.RequestAborted);
            return "Job discarded.";
        }, "/console/jobs?state=dead");

    private static async Task<IResult> JobActionAsync(HttpContext context, string id, IAuditLog audit, string action, Func<Task<string>> run,
        string? then = null)
    {
        var signedIn = Operator(context);
        var path = "/console/jobs/" + Uri.EscapeDataString(id);
        try
        {
            var notice = await run();
            await audit.RecordAsync(new AuditRecord(action, signedIn.Account.Id, "job", id) { Api = ConsoleAuth.Audience }, CancellationToken.None);
            return SeeOther(ConsoleFormat.With(then ?? path, [new("notice", notice)]));
        }
        catch (Problem problem) when (problem.Kind != ProblemKind.Internal)
        {
            await audit.RecordAsync(new AuditRecord(action, signedIn.Account.Id, "job", id, Success: false, Error: problem.Message)
            { Api = ConsoleAuth.Audience }, CancellationToken.None);
            return SeeOther(ConsoleFormat.With(path, [new("error", Describe(problem))]));
        }
    }

    // ---- webhooks ------------------------------------------------------------------------------

    private static async Task<IResult> Webhooks(HttpContext context, OperatorData data, string? status, string? subscription, string? after)
    {
        var deliveries = await data.DeliveriesAsync(subscription, status, after, PageSize, context.RequestAborted);
        var subscriptions = await data.SubscriptionsAsync(null, PageSize, context.RequestAborted);
        return Render<WebhooksPage>(new
        {
            Frame = Frame(context, "Webhooks", "webhooks"),
            View = new WebhooksView(status, subscription, deliveries, subscriptions),
            After = after,
        });
    }

    private static async Task<IResult> Delivery(HttpContext context, string id, OperatorData data, IWebhooks webhooks)
    {
        var ct = context.RequestAborted;
        if (await data.DeliveryAsync(id, ct) is not { } delivery)
        {
            return NotFound(context, "webhooks", $"No delivery '{id}'.");
        }
        var log = await webhooks.FindDeliveryAsync(delivery.AccountId, delivery.Api, id, ct);
        var subscription = await webhooks.FindAsync(delivery.AccountId, delivery.Api, delivery.SubscriptionId, ct);
        return Render<DeliveryPage>(new { Frame = Frame(context, "Delivery " + id, "webhooks"), View = new DeliveryView(delivery, log, subscription?.Url) });
    }

    private static async Task<IResult> Redeliver(HttpContext context, string id, OperatorData data, IWebhooks webhooks, IAuditLog audit)
    {
        var signedIn = Operator(context);
        var path = "/console/webhooks/deliveries/" + Uri.EscapeDataString(id);
        try
        {
            var delivery = await data.DeliveryAsync(id, context.RequestAborted) ?? throw Problem.NotFound($"No delivery '{id}'");
            // The same call as the APIs' redeliver: a new delivery of the same event, queued as a job.
            var again = await webhooks.RedeliverAsync(delivery.AccountId, delivery.Api, id, context.RequestAborted);
            await audit.RecordAsync(new AuditRecord("console.webhook_redelivered", signedIn.Account.Id, "webhook_delivery", id)
            { Api = ConsoleAuth.Audience }, CancellationToken.None);
            return SeeOther(ConsoleFormat.With("/console/webhooks/deliveries/" + Uri.EscapeDataString(again.Id), [new("notice", $"Redelivery of {id} queued.")]));
        }
        catch (Problem problem) when (problem.Kind != ProblemKind.Internal)
        {
            await audit.RecordAsync(new AuditRecord("console.webhook_redelivered", signedIn.Account.Id, "webhook_delivery", id, Success: false,
                Error: problem.Message)
            { Api = ConsoleAuth.Audience }, CancellationToken.None);
            return SeeOther(ConsoleFormat.With(path, [new("error", Describe(problem))]));
        }
    }

    // ---- audit ---------------------------------------------------------------------------------

    private static async Task<IResult> Audit(HttpContext context, OperatorData data, string? account, string? action, string? resource,
        string? api, string? success, string? after)
    {
        bool? outcome = success switch { "true" => true, "false" => false, _ => null };
        var page = await data.AuditAsync(new AuditQuery { AccountId = account, Action = action, ResourceId = resource, Api = api, Success = outcome },
            after, PageSize, context.RequestAborted);
        return Render<AuditLogPage>(new { Frame = Frame(context, "Audit", "audit"), View = new AuditView(account, action, resource, api, success, page), After = after });
    }

    // ---- shared --------------------------------------------------------------------------------

    private static IResult Stylesheet()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Mindstack.Server.OperatorConsole.console.css")
            ?? throw new InvalidOperationException("The console stylesheet is not embedded");
        using var reader = new StreamReader(stream);
        return Results.Text(reader.ReadToEnd(), "text/css; charset=utf-8");
    }

    private static ConsoleOperator Operator(HttpContext context) =>
        context.Items[OperatorKey] as ConsoleOperator ?? throw new InvalidOperationException("No console operator on this request");

    private static ConsoleFrame Frame(HttpContext context, string title, string section) =>
        Frame(context, title, section, Operator(context));

    private static ConsoleFrame Frame(HttpContext context, string title, string section, ConsoleOperator? signedIn) =>
        new(title, section, signedIn?.Account.Email, ConsoleAuth.Token(context),
            Notice: NullIfEmpty(context.Request.Query["notice"].ToString()), Error: NullIfEmpty(context.Request.Query["error"].ToString()));

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;

    private static string Describe(Problem problem) =>
        problem.Errors is { Count: > 0 } errors ? string.Join("; ", errors.Select(e => e.Message)) : problem.Message;

    private static IResult Forbidden(HttpContext context, ConsoleOperator? signedIn) =>
        Render<MessagePage>(new
        {
            Frame = Frame(context, "Forbidden", "forbidden", null),
            Heading = "403 — not for this account",
            Message = "The operator console is for accounts with the admin role." + (signedIn is null ? "" : $" {signedIn.Account.Email} is not one."),
        }, StatusCodes.Status403Forbidden);

    private static IResult FormExpired(HttpContext context, ConsoleOperator? signedIn) =>
        Render<MessagePage>(new
        {
            Frame = Frame(context, "Form expired", "error", signedIn),
            Heading = "400 — the form could not be checked",
            Message = "The form's security token is missing or out of date. Go back, reload the page and try again.",
        }, StatusCodes.Status400BadRequest);

    private static IResult NotFound(HttpContext context, string section, string message) =>
        Render<MessagePage>(new { Frame = Frame(context, "Not found", section), Heading = "404 — not found", Message = message },
            StatusCodes.Status404NotFound);

    private static IResult SeeOther(string location) => new SeeOtherResult(location);

    private static RazorComponentResult<TPage> Render<TPage>(object parameters, int status = StatusCodes.Status200OK)
        where TPage : IComponent =>
        new(parameters) { StatusCode = status, ContentType = "text/html; charset=utf-8" };

    /// <summary>303: after a form, the browser GETs the next page (a reload does not post again).</summary>
    private sealed class SeeOtherResult(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }
}
