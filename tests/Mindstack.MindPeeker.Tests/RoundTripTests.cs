using System.Data.Common;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Mindstack.MindPeeker.Tests;

/// <summary>Counts the database commands run while answering requests to one path (background work is not counted).</summary>
public sealed class RequestCommandCounter(IHttpContextAccessor http, string pathSuffix) : DbCommandInterceptor
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Reset() => Interlocked.Exchange(ref _count, 0);

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Counted();
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Counted();
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Counted();
        return result;
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Counted();
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Counted();
        return result;
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Counted();
        return ValueTask.FromResult(result);
    }

    private void Counted()
    {
        if (http.HttpContext?.Request.Path.Value?.EndsWith(pathSuffix, StringComparison.Ordinal) == true)
        {
            Interlocked.Increment(ref _count);
        }
    }
}

/// <summary>A server that counts the database round trips of <c>GET /users/me</c>.</summary>
public sealed class UsersMeCountingFactory : MindPeekerFactory
{
    public UsersMeCountingFactory() => WithServices(s =>
    {
        s.AddHttpContextAccessor();
        s.AddSingleton(sp => new RequestCommandCounter(sp.GetRequiredService<IHttpContextAccessor>(), "/users/me"));
        s.AddSingleton<IInterceptor>(sp => sp.GetRequiredService<RequestCommandCounter>());
    });

    public RequestCommandCounter Commands => Services.GetRequiredService<RequestCommandCounter>();
}

/// <summary>The hottest reads make few database round trips and write nothing.</summary>
public sealed class RoundTripTests(UsersMeCountingFactory factory) : IClassFixture<UsersMeCountingFactory>
{
    [Fact]
    public async Task UsersMe_SecondRead_AtMostFourRoundTripsAndNoCredentialRead()
    {
        var user = await factory.RegisterUserAsync();
        // The first read applies the month's grant and caches the caller.
        Assert.Equal(HttpStatusCode.OK, (await factory.SendAsync(HttpMethod.Get, "/users/me", user.Token)).StatusCode);
        factory.Commands.Reset();

        using var response = await factory.SendAsync(HttpMethod.Get, "/users/me", user.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The account, the profile (the grant check's read), one aggregate of the four counts, the balance.
        Assert.InRange(factory.Commands.Count, 1, 4);
    }
}
