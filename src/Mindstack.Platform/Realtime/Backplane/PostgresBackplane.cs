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

    /// <summary>Publishes <paramref name="messages"/> in one go; every other node receives them in this order.</summary>
    Task PublishManyAsync(IReadOnlyList<RealtimeMessage> messages, CancellationToken cancellationToken);

    /// <summary>
    /// Publishes a small platform message and returns once every other listening node has handed
    /// it to its hub, or after <paramref name="timeout"/> (logged): for messages that must have taken
    /// effect everywhere before the caller goes on, such as a revoked caller's cache eviction.
    /// </summary>
    Task PublishAcknowledgedAsync(RealtimeMessage message, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>One node (SQLite, or the backplane turned off): local delivery is all there is.</summary>
internal sealed class InProcessBackplane : IRealtimeBackplane
{
    public Task PublishAsync(RealtimeMessage message, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task PublishManyAsync(IReadOnlyList<RealtimeMessage> messages, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task PublishAcknowledgedAsync(RealtimeMessage message, TimeSpan timeout, CancellationToken cancellationToken) => Task.CompletedTask;
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
/// ignores its own notifications: it delivered them locally already. A message published
/// acknowledged is answered by each receiving node on the <c>{channel}_ack</c> channel once
/// delivered; the publisher learns which nodes listen from the listeners' application names
/// (<c>mindstack-realtime-listener:{node}</c>) in <c>pg_stat_activity</c>.
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
    private readonly string _ackChannel;

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
        // Channel names are identifiers of at most 63 characters.
        _ackChannel = (_channel.Length > 59 ? _channel[..59] : _channel) + "_ack";
    }

    /// <summary>One message: the batch publish of a list of one (one statement; an over-size one stored with it).</summary>
    public Task PublishAsync(RealtimeMessage message, CancellationToken cancellationToken) =>
        PublishManyAsync([message], cancellationToken);

    /// <summary>
    /// One statement for the whole list (and, when some travel by reference, one transaction that
    /// also stores their payloads): a transaction's notifications are delivered at its commit in the
    /// order sent, and <c>pg_notify</c> runs in the array's order.
    /// </summary>
    public async Task PublishManyAsync(IReadOnlyList<RealtimeMessage> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return;
        }
        var notifications = new string[messages.Count];
        var stored = new List<RealtimePayload>();
        var now = _clock.GetUtcNow().UtcDateTime;
        for (var i = 0; i < messages.Count; i++)
        {
            var envelope = Envelope(messages[i]);
            if (Encoding.UTF8.GetByteCount(envelope) <= MaxInlineBytes)
            {
                notifications[i] = envelope;
                continue;
            }
            stored.Add(new RealtimePayload { Id = messages[i].Id, Body = envelope, CreatedAt = now });
            notifications[i] = JsonSerializer.Serialize(new Reference(_node.Id, messages[i].Id));
        }
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        await using var transaction = stored.Count > 0 ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        if (stored.Count > 0)
        {
            db.AddRange(stored);
            await db.SaveChangesAsync(cancellationToken);
        }
        await db.Database.ExecuteSqlAsync(
            $"SELECT pg_notify({_channel}, p) FROM unnest({notifications}) WITH ORDINALITY AS t(p, n) ORDER BY n", cancellationToken);
        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }
        for (var i = 0; i < messages.Count - stored.Count; i++)
        {
            _metrics.BackplaneSent(byReference: false);
        }
        foreach (var _ in stored)
        {
            _metrics.BackplaneSent(byReference: true);
        }
    }

    public async Task PublishAcknowledgedAsync(RealtimeMessage message, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var envelope = Envelope(message, acknowledged: true);
        if (Encoding.UTF8.GetByteCount(envelope) > MaxInlineBytes)
        {
            throw new ArgumentException("An acknowledged message must fit in one notification.", nameof(message));
        }
        var acknowledged = new HashSet<string>(StringComparer.Ordinal);
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        connection.Notification += (_, e) =>
        {
            if (e.Channel == _ackChannel && JsonSerializer.Deserialize<Acknowledgement>(e.Payload) is { } ack && ack.i == message.Id)
            {
                acknowledged.Add(ack.n);
            }
        };
        try
        {
            await using (var listen = new NpgsqlCommand($"LISTEN \"{_ackChannel}\"", connection))
            {
                await listen.ExecuteNonQueryAsync(cancellationToken);
            }
            // Listed after LISTEN: a node that starts listening later begins with an empty cache anyway.
            var expected = new HashSet<string>(StringComparer.Ordinal);
            await using (var nodes = new NpgsqlCommand(
                "SELECT application_name FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE @prefix", connection))
            {
                nodes.Parameters.AddWithValue("prefix", ListenerApplicationName + ":%");
                await using var reader = await nodes.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    var node = reader.GetString(0)[(ListenerApplicationName.Length + 1)..];
                    if (node != _node.Id)
                    {
                        expected.Add(node);
                    }
                }
            }
            await using (var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection))
            {
                notify.Parameters.AddWithValue("channel", _channel);
                notify.Parameters.AddWithValue("payload", envelope);
                await notify.ExecuteNonQueryAsync(cancellationToken);
            }
            _metrics.BackplaneSent(byReference: false);
            var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
            while (!expected.IsSubsetOf(acknowledged))
            {
                var left = deadline - Environment.TickCount64;
                if (left <= 0 || !await connection.WaitAsync(TimeSpan.FromMilliseconds(left), cancellationToken))
                {
                    expected.ExceptWith(acknowledged);
                    _logger.LogWarning("Realtime backplane: nodes {Nodes} did not acknowledge {MessageId} within {Timeout} ms",
                        string.Join(", ", expected), message.Id, timeout.TotalMilliseconds);
                    break;
                }
            }
        }
        finally
        {
            // The connection goes back to the pool: it must not keep listening.
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await using var unlisten = new NpgsqlCommand("UNLISTEN *", connection);
                await unlisten.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }
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
            ApplicationName = ListenerApplicationName + ":" + _node.Id,
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
                    if (await ReadAsync(payload, stopping) is ({ } message, var acknowledge))
                    {
                        _metrics.BackplaneReceived();
                        _hub.Deliver(message);
                        if (acknowledge)
                        {
                            await AcknowledgeAsync(message.Id, stopping);
                        }
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

    private async Task AcknowledgeAsync(string messageId, CancellationToken cancellationToken)
    {
        var ack = JsonSerializer.Serialize(new Acknowledgement(messageId, _node.Id));
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        await db.Database.ExecuteSqlAsync($"SELECT pg_notify({_ackChannel}, {ack})", cancellationToken);
    }

    private async Task<(RealtimeMessage Message, bool Acknowledge)?> ReadAsync(string payload, CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(payload);
        var root = document.RootElement;
        if (root.GetProperty("n").GetString() == _node.Id)
        {
            return null;
        }
        if (!root.TryGetProperty("r", out var reference))
        {
            return (Parse(root), root.TryGetProperty("a", out var ack) && ack.ValueKind == JsonValueKind.True);
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
        return (Parse(stored.RootElement), false);
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

    /// <summary>The wire form: <c>{"n": node, "i": id, "c": channel, "e": event, "x": except, "a": acknowledge, "d": data}</c>.</summary>
    private string Envelope(RealtimeMessage message, bool acknowledged = false)
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
            if (acknowledged)
            {
                writer.WriteBoolean("a", true);
            }
            writer.WritePropertyName("d");
            writer.WriteRawValue(message.DataJson, skipInputValidation: true);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private sealed record Reference(string n, string r);

    private sealed record Acknowledgement(string i, string n);
}

/// <summary>Runs the PostgreSQL listener for the node's lifetime (nothing to run in-process).</summary>
internal sealed class RealtimeBackplaneService(IRealtimeBackplane backplane) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        backplane is PostgresBackplane postgres ? postgres.RunAsync(stoppingToken) : Task.CompletedTask;
}
