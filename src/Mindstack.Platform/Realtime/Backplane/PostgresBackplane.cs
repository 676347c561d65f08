using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Storage;
using Npgsql;

namespace Mindstack.Platform.Realtime.Backplane;

/// <summary>Carries messages published on this node to the other nodes.</summary>
internal interface IRealtimeBackplane
{
    Task PublishAsync(RealtimeMessage message, CancellationToken cancellationToken);
}

/// <summary>One node (SQLite, or the backplane turned off): local delivery is all there is.</summary>
internal sealed class InProcessBackplane : IRealtimeBackplane
{
    public Task PublishAsync(RealtimeMessage message, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>This process's identity on the backplane, so it can skip its own notifications.</summary>
internal sealed class RealtimeNode(IIdGenerator ids)
{
    public string Id { get; } = ids.New("node");
}

/// <summary>
/// PostgreSQL <c>LISTEN/NOTIFY</c> between nodes. Every node holds one dedicated connection that
/// LISTENs on <see cref="RealtimeOptions.NotifyChannel"/> and reconnects with backoff (up to 30 s)
/// when it is lost; messages published while a node is reconnecting do not reach it. A message
/// whose envelope exceeds what NOTIFY carries is stored in <c>realtime_payloads</c> and the
/// notification carries its id (the row commits with the NOTIFY, so readers always find it);
/// rows older than <see cref="RealtimeOptions.PayloadRetention"/> are purged. A node
/// ignores its own notifications: it delivered them locally already.
/// </summary>
internal sealed class PostgresBackplane : IRealtimeBackplane
{
    /// <summary>NOTIFY payloads must be shorter than 8000 bytes; keep a margin.</summary>
    internal const int MaxInlineBytes = 7800;
    internal const string ListenerApplicationName = "mindstack-realtime-listener";
    private static readonly TimeSpan IdleCheck = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromMinutes(1);

    private readonly DatabaseSettings _database;
    private readonly RealtimeOptions _settings;
    private readonly RealtimeHub _hub;
    private readonly RealtimeMetrics _metrics;
    private readonly IServiceScopeFactory _scopes;
    private readonly RealtimeNode _node;
    private readonly TimeProvider _clock;
    private readonly ILogger<PostgresBackplane> _logger;
    private readonly Channel<string> _inbox = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly string _channel;

    public PostgresBackplane(DatabaseSettings database, IOptions<RealtimeOptions> settings, RealtimeHub hub, RealtimeMetrics metrics,
        IServiceScopeFactory scopes, RealtimeNode node, TimeProvider clock, ILogger<PostgresBackplane> logger)
    {
        _database = database;
        _settings = settings.Value;
        _hub = hub;
        _metrics = metrics;
        _scopes = scopes;
        _node = node;
        _clock = clock;
        _logger = logger;
        _channel = settings.Value.NotifyChannel;
    }

    public async Task PublishAsync(RealtimeMessage message, CancellationToken cancellationToken)
    {
        var envelope = Envelope(message);
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        if (Encoding.UTF8.GetByteCount(envelope) <= MaxInlineBytes)
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_notify({_channel}, {envelope})", cancellationToken);
            _metrics.BackplaneSent(byReference: false);
            return;
        }
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Set<RealtimePayload>().Add(new RealtimePayload { Id = message.Id, Body = envelope, CreatedAt = _clock.GetUtcNow().UtcDateTime });
        await db.SaveChangesAsync(cancellationToken);
        var reference = JsonSerializer.Serialize(new Reference(_node.Id, message.Id));
        await db.Database.ExecuteSqlAsync($"SELECT pg_notify({_channel}, {reference})", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        _metrics.BackplaneSent(byReference: true);
    }

    /// <summary>Listens until the node stops, reconnecting with backoff; delivers what other nodes publish.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        var processor = Task.Run(() => ProcessAsync(stopping), CancellationToken.None);
        var purger = Task.Run(() => PurgeLoopAsync(stopping), CancellationToken.None);
        var backoff = TimeSpan.FromMilliseconds(500);
        var connectionString = new NpgsqlConnectionStringBuilder(_database.ConnectionString)
        {
            // A LISTENing connection must never go back to a pool (its reset would UNLISTEN).
            Pooling = false,
            ApplicationName = ListenerApplicationName,
        }.ToString();
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(stopping);
                connection.Notification += (_, e) => _inbox.Writer.TryWrite(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN \"{_channel}\"", connection))
                {
                    await listen.ExecuteNonQueryAsync(stopping);
                }
                _metrics.BackplaneListening = true;
                _hub.RaiseBackplaneListening();
                _logger.LogInformation("Realtime backplane listening on PostgreSQL channel {Channel} as {Node}", _channel, _node.Id);
                backoff = TimeSpan.FromMilliseconds(500);
                while (!stopping.IsCancellationRequested)
                {
                    if (!await connection.WaitAsync(IdleCheck, stopping))
                    {
                        // Quiet for a while: make sure the connection is still there.
                        await using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteScalarAsync(stopping);
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception)
            {
                _metrics.BackplaneListening = false;
                _logger.LogWarning(exception, "Realtime backplane lost PostgreSQL; reconnecting in {Delay} ms", backoff.TotalMilliseconds);
                try
                {
                    await Task.Delay(backoff, _clock, stopping);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
            finally
            {
                _metrics.BackplaneListening = false;
            }
        }
        _inbox.Writer.TryComplete();
        await processor;
        await purger;
    }

    /// <summary>Deletes by-reference payloads created before <paramref name="cutoff"/>; returns how many.</summary>
    internal async Task<int> PurgeAsync(DateTime cutoff, CancellationToken cancellationToken)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        return await db.Set<RealtimePayload>().Where(p => p.CreatedAt < cutoff).ExecuteDeleteAsync(cancellationToken);
    }

    private async Task ProcessAsync(CancellationToken stopping)
    {
        try
        {
            await foreach (var payload in _inbox.Reader.ReadAllAsync(stopping))
            {
                try
                {
                    if (await ReadAsync(payload, stopping) is { } message)
                    {
                        _metrics.BackplaneReceived();
                        _hub.Deliver(message);
                    }
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    _logger.LogWarning(exception, "Realtime backplane could not deliver a notification");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<RealtimeMessage?> ReadAsync(string payload, CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(payload);
        var root = document.RootElement;
        if (root.GetProperty("n").GetString() == _node.Id)
        {
            return null;
        }
        if (!root.TryGetProperty("r", out var reference))
        {
            return Parse(root);
        }
        var id = reference.GetString();
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        var body = await db.Set<RealtimePayload>().AsNoTracking().Where(p => p.Id == id).Select(p => p.Body).FirstOrDefaultAsync(cancellationToken);
        if (body is null)
        {
            _logger.LogWarning("Realtime backplane payload {PayloadId} is gone (purged before it was read)", id);
            return null;
        }
        using var stored = JsonDocument.Parse(body);
        return Parse(stored.RootElement);
    }

    private static RealtimeMessage Parse(JsonElement root) => new(
        root.GetProperty("i").GetString()!,
        root.GetProperty("c").GetString()!,
        root.GetProperty("e").GetString()!,
        root.GetProperty("d").GetRawText(),
        root.TryGetProperty("x", out var except) && except.ValueKind == JsonValueKind.String ? except.GetString() : null);

    private async Task PurgeLoopAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(PurgeInterval, _clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                try
                {
                    var cutoff = _clock.GetUtcNow().UtcDateTime - _settings.PayloadRetention;
                    await PurgeAsync(cutoff, stopping);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    _logger.LogWarning(exception, "Realtime backplane could not purge old payloads");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The wire form: <c>{"n": node, "i": id, "c": channel, "e": event, "x": except, "d": data}</c>.</summary>
    private string Envelope(RealtimeMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>(128 + message.DataJson.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("n", _node.Id);
            writer.WriteString("i", message.Id);
            writer.WriteString("c", message.Channel);
            writer.WriteString("e", message.Event);
            if (message.ExceptConnectionId is { } except)
            {
                writer.WriteString("x", except);
            }
            writer.WritePropertyName("d");
            writer.WriteRawValue(message.DataJson, skipInputValidation: true);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private sealed record Reference(string n, string r);
}

/// <summary>Runs the PostgreSQL listener for the node's lifetime (nothing to run in-process).</summary>
internal sealed class RealtimeBackplaneService(IRealtimeBackplane backplane) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        backplane is PostgresBackplane postgres ? postgres.RunAsync(stoppingToken) : Task.CompletedTask;
}
