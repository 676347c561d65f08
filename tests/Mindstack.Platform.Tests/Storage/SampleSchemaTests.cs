using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Tests.Storage;

public sealed class SampleSchemaFactory : PlatformFactory
{
    public SampleSchemaFactory() => WithServices(s =>
    {
        s.AddModelContributor<SampleModel>();
        s.AddMigrationsFrom(typeof(SampleModel).Assembly);
    });
}

/// <summary>A module's own table: its hand-written migration, snake_case mapping, UTC times, on both providers.</summary>
public sealed class SampleSchemaTests(SampleSchemaFactory factory) : IClassFixture<SampleSchemaFactory>
{
    [Fact]
    public async Task ModuleTable_RoundTrip_SnakeCaseColumnsAndUtcTimes()
    {
        _ = factory.Server;
        var created = new DateTime(2026, 11, 23, 10, 30, 0, DateTimeKind.Utc);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
            Assert.Equal("owner_id", db.Model.FindEntityType(typeof(SampleNote))!.FindProperty(nameof(SampleNote.OwnerId))!.GetColumnName());
            db.Add(new SampleNote { Id = "note_1", OwnerId = "acct_1", Body = "hello", Credits = 42, IsPinned = true, CreatedAt = created });
            db.Add(new SampleNote { Id = "note_2", OwnerId = "acct_1", Body = "later", Credits = -5, CreatedAt = created.AddHours(1) });
            await db.SaveChangesAsync();
        }
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
            var notes = await db.Set<SampleNote>()
                .Where(n => n.OwnerId == "acct_1" && n.CreatedAt >= created)
                .OrderByDescending(n => n.CreatedAt)
                .ToListAsync();
            Assert.Equal(["note_2", "note_1"], notes.Select(n => n.Id));
            Assert.Equal(DateTimeKind.Utc, notes[1].CreatedAt.Kind);
            Assert.Equal(created, notes[1].CreatedAt);
            Assert.Equal(37, await db.Set<SampleNote>().SumAsync(n => n.Credits));
        }
    }
}
