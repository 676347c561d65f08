using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Notifications;

/// <summary>One channel's choices: on or off as a whole, then per kind of notification.</summary>
internal sealed record ChannelPreferencesView(
    bool Enabled, bool Likes, bool Replies, bool Mentions, bool Reposts, bool Quotes, bool Follows, bool FollowRequests,
    bool FollowAccepted, bool Tips, bool Messages, bool MessageRequests, bool Groups, bool Polls, bool Badges, bool Referrals,
    bool Warnings)
{
    public static ChannelPreferencesView Of(IReadOnlyDictionary<string, bool> set)
    {
        bool On(string key) => !set.TryGetValue(key, out var value) || value;
        return new(On("enabled"), On("likes"), On("replies"), On("mentions"), On("reposts"), On("quotes"), On("follows"),
            On("followRequests"), On("followAccepted"), On("tips"), On("messages"), On("messageRequests"), On("groups"), On("polls"),
            On("badges"), On("referrals"), On("warnings"));
    }
}

/// <summary><c>{email: {enabled, likes, replies…}, push: {…}}</c>.</summary>
internal sealed record NotificationPreferencesView(ChannelPreferencesView Email, ChannelPreferencesView Push);

/// <summary>What an account chose, per channel (<c>email</c>, <c>push</c>) and key; a key never set is on.</summary>
internal sealed class StoredPreferences(Dictionary<string, Dictionary<string, bool>> channels)
{
    public const string Email = "email";
    public const string Push = "push";
    public static readonly IReadOnlyList<string> Channels = [Email, Push];

    public Dictionary<string, Dictionary<string, bool>> Values { get; } = channels;

    /// <summary>Whether a notification of <paramref name="type"/> goes out on <paramref name="channel"/>.</summary>
    public bool Allows(string channel, string type)
    {
        if (!Values.TryGetValue(channel, out var set))
        {
            return true;
        }
        if (set.TryGetValue("enabled", out var enabled) && !enabled)
        {
            return false;
        }
        return !NotificationTypes.PreferenceKeys.TryGetValue(type, out var key) || !set.TryGetValue(key, out var on) || on;
    }

    public NotificationPreferencesView View() => new(
        ChannelPreferencesView.Of(Values.GetValueOrDefault(Email) ?? []),
        ChannelPreferencesView.Of(Values.GetValueOrDefault(Push) ?? []));
}

/// <summary>Reads and changes an account's notification preferences.</summary>
internal sealed class NotificationPreferences(MindstackDbContext db, TimeProvider clock)
{
    private static readonly HashSet<string> Keys = ["enabled", .. NotificationTypes.PreferenceKeys.Values];

    public async Task<StoredPreferences> GetAsync(string accountId, CancellationToken ct)
    {
        var json = await db.Set<NotificationPreferenceRow>().AsNoTracking().Where(p => p.AccountId == accountId).Select(p => p.Json)
            .FirstOrDefaultAsync(ct);
        return Parse(json);
    }

    /// <summary>Merges what the body sets (<c>{email: {enabled: true, likes: false}, push: {enabled: true}}</c>) into the stored choices.</summary>
    public async Task<StoredPreferences> UpdateAsync(string accountId, JsonElement body, CancellationToken ct)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw Problem.Invalid("body", "Send {email: {…}, push: {…}}");
        }
        var row = await db.Set<NotificationPreferenceRow>().FirstOrDefaultAsync(p => p.AccountId == accountId, ct);
        var stored = Parse(row?.Json);
        foreach (var channel in body.EnumerateObject())
        {
            if (!StoredPreferences.Channels.Contains(channel.Name))
            {
                throw Problem.Invalid(channel.Name, "Preferences are email and push");
            }
            if (channel.Value.ValueKind != JsonValueKind.Object)
            {
                throw Problem.Invalid(channel.Name, $"{channel.Name} must be an object of true/false values");
            }
            var set = stored.Values.TryGetValue(channel.Name, out var existing) ? existing : stored.Values[channel.Name] = [];
            foreach (var key in channel.Value.EnumerateObject())
            {
                if (!Keys.Contains(key.Name))
                {
                    throw Problem.Invalid($"{channel.Name}.{key.Name}", $"Unknown preference; use {string.Join(", ", Keys.Order(StringComparer.Ordinal))}");
                }
                if (key.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    throw Problem.Invalid($"{channel.Name}.{key.Name}", $"{channel.Name}.{key.Name} must be true or false");
                }
                set[key.Name] = key.Value.GetBoolean();
            }
        }
        var json = JsonSerializer.Serialize(stored.Values);
        var now = clock.GetUtcNow().UtcDateTime;
        if (row is null)
        {
            await db.InsertIfAbsentAsync(new NotificationPreferenceRow { AccountId = accountId, Json = json, UpdatedAt = now },
                p => p.AccountId == accountId, ct);
        }
        await db.Set<NotificationPreferenceRow>().Where(p => p.AccountId == accountId)
            .ExecuteUpdateAsync(u => u.SetProperty(p => p.Json, json).SetProperty(p => p.UpdatedAt, now), ct);
        return stored;
    }

    private static StoredPreferences Parse(string? json)
    {
        var values = new Dictionary<string, Dictionary<string, bool>>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(json) || JsonNode.Parse(json) is not JsonObject root)
        {
            return new StoredPreferences(values);
        }
        foreach (var (channel, node) in root)
        {
            if (node is JsonObject set)
            {
                values[channel] = set.Where(p => p.Value is JsonValue)
                    .ToDictionary(p => p.Key, p => p.Value!.GetValue<bool>(), StringComparer.Ordinal);
            }
        }
        return new StoredPreferences(values);
    }
}
