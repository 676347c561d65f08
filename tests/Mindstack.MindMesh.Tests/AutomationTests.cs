using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.MindMesh.Connectors;

namespace Mindstack.MindMesh.Tests;

/// <summary>Automations whose cron triggers may fire every second.</summary>
public sealed class FastScheduleMindMeshFactory : MindMeshFactory
{
    public FastScheduleMindMeshFactory() => WithSetting("Mindstack:MindMesh:MinAutomationInterval", "00:00:01");
}

public sealed class AutomationTests(MindMeshFactory factory) : IClassFixture<MindMeshFactory>
{
    private static object CustomGoal(string type, object? config = null, string text = "Summarize what arrived") => new
    {
        name = "On " + type,
        description = "Runs a goal when " + type + " fires",
        trigger = new { type, config = config ?? new { } },
        workflow = new { template = "custom_goal", parameters = new { goal_text = text, autonomy_level = "L3" } },
    };

    [Fact]
    public async Task OpenApi_Document_ListsAutomationsInboxAndTheSocket()
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync("/openapi/mindmesh.json");
        var paths = (await MeshClient.Expect(response, HttpStatusCode.OK)).GetProperty("paths");
        foreach (var (path, method) in new[]
        {
            ("/mindmesh/automations", "get"), ("/mindmesh/automations", "post"), ("/mindmesh/automations/{automation_id}", "put"),
            ("/mindmesh/automations/{automation_id}", "delete"), ("/mindmesh/automations/templates", "get"),
            ("/mindmesh/automations/{automation_id}/webhook", "post"), ("/mindmesh/connectors/{connector_id}/inbox", "post"),
        })
        {
            Assert.True(paths.TryGetProperty(path, out var item) && item.TryGetProperty(method, out _), $"{method} {path} is not in the document");
        }
        // The socket, listed by the platform's JSON socket helper.
        var socket = paths.GetProperty("/mindmesh/ws").GetProperty("get");
        Assert.Equal("token", socket.GetProperty("parameters")[0].GetProperty("name").GetString());
        Assert.True(socket.GetProperty("responses").TryGetProperty("101", out _));
        Assert.Contains("run.update", socket.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Templates_List_DescribeTheirParameters()
    {
        var admin = await factory.RegisterAsync();
        var json = await admin.GetJsonAsync("/automations/templates");
        var templates = json.GetProperty("templates").EnumerateArray().ToDictionary(t => t.GetProperty("id").GetString()!);
        Assert.Contains("meeting_followup", templates.Keys);
        Assert.Contains("email_classification", templates.Keys);
        Assert.Contains("weekly_digest", templates.Keys);
        var priority = templates["meeting_followup"].GetProperty("parameters").GetProperty("task_priority");
        Assert.Equal("string", priority.GetProperty("type").GetString());
        Assert.Equal(["low", "medium", "high", "urgent"], priority.GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("medium", priority.GetProperty("default").GetString());
        Assert.Equal(7, templates["meeting_followup"].GetProperty("parameters").GetProperty("due_date_offset").GetProperty("default").GetInt32());
        Assert.Equal(0.8, templates["email_classification"].GetProperty("parameters").GetProperty("priority_threshold").GetProperty("default").GetDouble());
    }

    [Fact]
    public async Task Create_InvalidAutomation_422NamingEachField()
    {
        var admin = await factory.RegisterAsync();
        using var empty = await admin.SendAsync(HttpMethod.Post, "/automations", new { });
        var json = await MeshClient.ExpectDetail(empty, HttpStatusCode.UnprocessableEntity);
        Assert.Equal(["name", "trigger", "workflow"], json.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()));

        using var bad = await admin.SendAsync(HttpMethod.Post, "/automations", new
        {
            name = "Bad",
            trigger = new { type = "time", config = new { cron = "every day" } },
            workflow = new { template = "meeting_followup", parameters = new { task_priority = "extreme", due_date_offset = 7.5, colour = "red" } },
        });
        var fields = (await MeshClient.ExpectDetail(bad, HttpStatusCode.UnprocessableEntity)).GetProperty("errors").EnumerateArray()
            .Select(e => e.GetProperty("field").GetString()).ToList();
        Assert.Equal(["trigger.config.cron", "workflow.parameters.colour", "workflow.parameters.task_priority", "workflow.parameters.due_date_offset"], fields);

        using var unknown = await admin.SendAsync(HttpMethod.Post, "/automations", new
        {
            name = "Unknown",
            trigger = new { type = "carrier_pigeon" },
            workflow = new { template = "nope" },
        });
        var unknownFields = (await MeshClient.ExpectDetail(unknown, HttpStatusCode.UnprocessableEntity)).GetProperty("errors").EnumerateArray()
            .Select(e => e.GetProperty("field").GetString());
        Assert.Equal(["trigger.type", "workflow.template"], unknownFields);

        // Every second is more often than the default floor of a minute.
        using var tooOften = await admin.SendAsync(HttpMethod.Post, "/automations", CustomGoal("time", new { cron = "* * * * * ?" }));
        var often = await MeshClient.ExpectDetail(tooOften, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("trigger.config.cron", often.GetProperty("errors")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task Crud_OwnTenant_DefaultsFilledUpdatedDeletedOthersNotFoundUsersForbidden()
    {
        var admin = await factory.RegisterAsync();
        var created = await admin.PostJsonAsync("/automations", new
        {
            name = "Meeting Follow-up",
            description = "Follow up on meetings",
            trigger = new { type = "calendar", config = new { event_types = new[] { "meeting" }, keywords = new[] { "follow-up" } } },
            workflow = new { template = "meeting_followup", parameters = new { task_priority = "high" } },
        }, HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        Assert.StartsWith("automation_", id);
        Assert.Equal(admin.TenantId, created.GetProperty("tenant_id").GetString());
        Assert.Equal("calendar", created.GetProperty("trigger").GetProperty("type").GetString());
        Assert.Equal("meeting", created.GetProperty("trigger").GetProperty("config").GetProperty("event_types")[0].GetString());
        var parameters = created.GetProperty("workflow").GetProperty("parameters");
        Assert.Equal("high", parameters.GetProperty("task_priority").GetString());
        Assert.Equal(7, parameters.GetProperty("due_date_offset").GetInt32());
        Assert.True(created.GetProperty("is_active").GetBoolean());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("webhook_url").ValueKind);

        var change = new { name = "Renamed", is_active = false, workflow = new { parameters = new { due_date_offset = 3 } } };
        using var put = await admin.SendAsync(HttpMethod.Put, $"/automations/{id}", change);
        var updated = await MeshClient.Expect(put, HttpStatusCode.OK);
        Assert.Equal("Renamed", updated.GetProperty("name").GetString());
        Assert.False(updated.GetProperty("is_active").GetBoolean());
        Assert.Equal("meeting_followup", updated.GetProperty("workflow").GetProperty("template").GetString());
        Assert.Equal(3, updated.GetProperty("workflow").GetProperty("parameters").GetProperty("due_date_offset").GetInt32());

        var inactive = await admin.GetJsonAsync("/automations?is_active=false");
        Assert.Equal(id, inactive.GetProperty("items").EnumerateArray().Single().GetProperty("id").GetString());
        Assert.Equal(0, (await admin.GetJsonAsync("/automations?is_active=true")).GetProperty("total").GetInt32());

        var stranger = await factory.RegisterAsync();
        using (var foreign = await stranger.SendAsync(HttpMethod.Put, $"/automations/{id}", new { name = "Mine" }))
        {
            await MeshClient.ExpectDetail(foreign, HttpStatusCode.NotFound, "Automation not found");
        }
        using (var foreignDelete = await stranger.SendAsync(HttpMethod.Delete, $"/automations/{id}"))
        {
            await MeshClient.ExpectDetail(foreignDelete, HttpStatusCode.NotFound);
        }
        Assert.Equal(0, (await stranger.GetJsonAsync("/automations")).GetProperty("total").GetInt32());

        var code = (await admin.GetJsonAsync("/auth/me")).GetProperty("tenant").GetProperty("invite_code").GetString();
        var user = await factory.RegisterAsync(code);
        using (var forbidden = await user.SendAsync(HttpMethod.Get, "/automations"))
        {
            await MeshClient.ExpectDetail(forbidden, HttpStatusCode.Forbidden, "Insufficient permissions");
        }
        using (var forbiddenCreate = await user.SendAsync(HttpMethod.Post, "/automations", CustomGoal("webhook")))
        {
            await MeshClient.ExpectDetail(forbiddenCreate, HttpStatusCode.Forbidden, "Insufficient permissions");
        }

        using var delete = await admin.SendAsync(HttpMethod.Delete, $"/automations/{id}");
        Assert.Equal("Automation deleted successfully", (await MeshClient.Expect(delete, HttpStatusCode.OK)).GetProperty("message").GetString());
        using var again = await admin.SendAsync(HttpMethod.Delete, $"/automations/{id}");
        await MeshClient.ExpectDetail(again, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Webhook_SignedUrl_StartsARunWithTheBodyAndBadSignaturesAreNotFound()
    {
        var admin = await factory.RegisterAsync();
        var created = await admin.PostJsonAsync("/automations", CustomGoal("webhook", text: "Summarize the incoming alert"), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        var url = new Uri(created.GetProperty("webhook_url").GetString()!);
        Assert.Equal($"/mindmesh/automations/{id}/webhook", url.AbsolutePath);

        using var client = factory.CreateClient();
        var forged = url.PathAndQuery[..^4] + (url.PathAndQuery[^4..] == "0000" ? "1111" : "0000");
        using (var bad = await client.PostAsync(forged, new StringContent("disk almost full", Encoding.UTF8, "text/plain")))
        {
            await MeshClient.ExpectDetail(bad, HttpStatusCode.NotFound);
        }
        using (var unsigned = await client.PostAsync($"/mindmesh/automations/{id}/webhook", new StringContent("x")))
        {
            await MeshClient.ExpectDetail(unsigned, HttpStatusCode.NotFound);
        }

        using var fire = await client.PostAsync(url.PathAndQuery, new StringContent("Disk almost full on db-7", Encoding.UTF8, "text/plain"));
        var fired = await MeshClient.Expect(fire, HttpStatusCode.Accepted);
        Assert.StartsWith("job_", fired.GetProperty("trigger_id").GetString());

        var automation = await Eventually.UntilAsync(() => admin.GetJsonAsync("/automations"),
            l => l.GetProperty("items")[0].GetProperty("last_run_id").ValueKind == JsonValueKind.String, "the webhook's run", TimeSpan.FromSeconds(60));
        var item = automation.GetProperty("items")[0];
        Assert.Equal(1, item.GetProperty("trigger_count").GetInt32());
        var runId = item.GetProperty("last_run_id").GetString()!;
        var run = await admin.WaitForStatusAsync(runId, "completed");
        var goal = await admin.GetJsonAsync($"/goals/{run.GetProperty("goal_id").GetString()}");
        Assert.Contains("Summarize the incoming alert", goal.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("Disk almost full on db-7", goal.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(id, goal.GetProperty("metadata").GetProperty("automation_id").GetString());

        // Paused, the URL answers 409 and starts nothing.
        using (var pause = await admin.SendAsync(HttpMethod.Put, $"/automations/{id}", new { is_active = false }))
        {
            await MeshClient.Expect(pause, HttpStatusCode.OK);
        }
        using var paused = await client.PostAsync(url.PathAndQuery, new StringContent("again"));
        await MeshClient.ExpectDetail(paused, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task FolderChange_LocalFilesSyncFindsNewFile_RunsTheTemplate()
    {
        var admin = await factory.RegisterAsync();
        await admin.PostJsonAsync("/automations", new
        {
            name = "Minutes",
            trigger = new { type = "folder_change", config = new { keywords = new[] { "action items" } } },
            workflow = new { template = "meeting_followup", parameters = new { task_priority = "urgent", autonomy_level = "L3" } },
        }, HttpStatusCode.Created);
        var connectors = await admin.GetJsonAsync("/connectors");
        var localFiles = connectors.GetProperty("items").EnumerateArray().Single(c => c.GetProperty("provider").GetString() == "local_files");
        string folder;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            folder = scope.ServiceProvider.GetRequiredService<ConnectorService>().FolderOf(admin.TenantId);
        }
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "unrelated.txt"), "The cafeteria menu for Friday is pizza.");
        await File.WriteAllTextAsync(Path.Combine(folder, "standup.md"), "Standup notes. Action items: Ana ships the release; Bo fixes the login bug.");

        await admin.PostJsonAsync($"/connectors/{localFiles.GetProperty("id").GetString()}/sync", new { });
        var automation = await Eventually.UntilAsync(() => admin.GetJsonAsync("/automations"),
            l => l.GetProperty("items")[0].GetProperty("last_run_id").ValueKind == JsonValueKind.String, "the folder_change run", TimeSpan.FromSeconds(60));
        Assert.Equal(1, automation.GetProperty("items")[0].GetProperty("trigger_count").GetInt32());
        var run = await admin.GetJsonAsync($"/runs/{automation.GetProperty("items")[0].GetProperty("last_run_id").GetString()}");
        var goal = await admin.GetJsonAsync($"/goals/{run.GetProperty("goal_id").GetString()}");
        var text = goal.GetProperty("text").GetString()!;
        Assert.StartsWith("Create follow-up tasks with urgent priority", text, StringComparison.Ordinal);
        Assert.Contains("Ana ships the release", text, StringComparison.Ordinal);
        Assert.DoesNotContain("cafeteria", text, StringComparison.Ordinal);
        Assert.Equal("urgent", goal.GetProperty("priority").GetString());
    }

    [Fact]
    public async Task WebhookInbox_DocumentWithSecret_StoredInMemoryAndFiresAutomation()
    {
        var admin = await factory.RegisterAsync();
        await admin.PostJsonAsync("/automations", CustomGoal("webhook_inbox", new { keywords = new[] { "invoice" } }, "File the received invoice"),
            HttpStatusCode.Created);
        var inbox = (await admin.GetJsonAsync("/connectors")).GetProperty("items").EnumerateArray()
            .Single(c => c.GetProperty("provider").GetString() == "webhook_inbox");
        var url = new Uri(inbox.GetProperty("inbox_url").GetString()!).PathAndQuery;
        var secret = inbox.GetProperty("inbox_secret").GetString()!;
        Assert.StartsWith("whs_", secret);

        using var client = factory.CreateClient();
        using (var wrong = new HttpRequestMessage(HttpMethod.Post, url) { Content = MindMeshFactory.Json(new { title = "x", content = "y" }) })
        {
            wrong.Headers.Add("X-Inbox-Secret", "whs_wrong");
            using var refused = await client.SendAsync(wrong);
            await MeshClient.ExpectDetail(refused, HttpStatusCode.NotFound);
        }
        using var deliver = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = MindMeshFactory.Json(new { title = "Invoice 1042", content = "Invoice 1042 from Acme Corp: 3 licences, due on the 30th.", source_uri = "acme/1042" }),
        };
        deliver.Headers.Add("X-Inbox-Secret", secret);
        using var delivered = await client.SendAsync(deliver);
        var received = await MeshClient.Expect(delivered, HttpStatusCode.Accepted);
        Assert.Equal(1, received.GetProperty("automations_triggered").GetInt32());

        var found = await admin.GetJsonAsync("/memory/search?q=Acme%20invoice");
        var item = found.GetProperty("results")[0].GetProperty("item");
        Assert.Equal($"inbox://{inbox.GetProperty("id").GetString()}/acme/1042", item.GetProperty("source_uri").GetString());
        Assert.Equal("webhook_inbox", item.GetProperty("app").GetString());
        var automation = await Eventually.UntilAsync(() => admin.GetJsonAsync("/automations"),
            l => l.GetProperty("items")[0].GetProperty("last_run_id").ValueKind == JsonValueKind.String, "the inbox run", TimeSpan.FromSeconds(60));
        Assert.Equal(1, automation.GetProperty("items")[0].GetProperty("trigger_count").GetInt32());

        // A rotated secret replaces the old one at once.
        using var rotate = await admin.SendAsync(HttpMethod.Put, $"/connectors/{inbox.GetProperty("id").GetString()}", new { rotate_secret = true });
        Assert.NotEqual(secret, (await MeshClient.Expect(rotate, HttpStatusCode.OK)).GetProperty("inbox_secret").GetString());
        using var stale = new HttpRequestMessage(HttpMethod.Post, url) { Content = MindMeshFactory.Json(new { title = "x", content = "y" }) };
        stale.Headers.Add("X-Inbox-Secret", secret);
        using var staleAnswer = await client.SendAsync(stale);
        await MeshClient.ExpectDetail(staleAnswer, HttpStatusCode.NotFound);
    }
}

public sealed class ScheduledAutomationTests(FastScheduleMindMeshFactory factory) : IClassFixture<FastScheduleMindMeshFactory>
{
    [Fact]
    public async Task TimeTrigger_Cron_FiresThroughThePlatformSchedule()
    {
        var admin = await factory.RegisterAsync();
        var created = await admin.PostJsonAsync("/automations", new
        {
            name = "Weekly digest (every second, for the test)",
            trigger = new { type = "time", config = new { cron = "* * * * * ?" } },
            workflow = new { template = "weekly_digest", parameters = new { recipients = new[] { "team@example.com" }, autonomy_level = "L0" } },
        }, HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        var fired = await Eventually.UntilAsync(() => admin.GetJsonAsync("/automations"),
            l => l.GetProperty("items")[0].GetProperty("trigger_count").GetInt32() >= 1, "the schedule to fire", TimeSpan.FromSeconds(60));
        using (var stop = await admin.SendAsync(HttpMethod.Put, $"/automations/{id}", new { is_active = false }))
        {
            await MeshClient.Expect(stop, HttpStatusCode.OK);
        }
        var run = await admin.GetJsonAsync($"/runs/{fired.GetProperty("items")[0].GetProperty("last_run_id").GetString()}");
        var goal = await admin.GetJsonAsync($"/goals/{run.GetProperty("goal_id").GetString()}");
        Assert.Equal("Email the team the weekly summary to team@example.com", goal.GetProperty("text").GetString());
        Assert.Equal("L0", goal.GetProperty("autonomy_level").GetString());
    }
}
