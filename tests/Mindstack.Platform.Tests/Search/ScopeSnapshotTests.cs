using Mindstack.Platform.Search;

namespace Mindstack.Platform.Tests.Search;

/// <summary>The vector leg's in-memory rows: chunks shared between snapshots, copied when written.</summary>
public sealed class ScopeSnapshotTests
{
    [Fact]
    public void Merge_UpdatedAndAddedRows_NewSnapshotSeesThemAndOldKeepsItsOwn()
    {
        var rows = Enumerable.Range(0, (2 * ScopeSnapshot.ChunkRows) + 10).Select(i => Entry($"d{i}", i)).ToList();
        var old = ScopeSnapshot.Create(1, 0, rows);

        var fresh = old.Merge(2, [Entry("d3", 1000), Entry("new", 2000)]);

        Assert.Equal((2 * ScopeSnapshot.ChunkRows) + 10, old.Count);
        Assert.Equal((2 * ScopeSnapshot.ChunkRows) + 11, fresh.Count);
        Assert.Equal(3f, old.Row(old.Slots["d3"])[0]);
        Assert.Equal(1000f, fresh.Row(fresh.Slots["d3"])[0]);
        Assert.Equal(2000f, fresh.Row(fresh.Slots["new"])[0]);
        // The middle chunk, which no write touched, is the same array in both; the written ones are copies.
        Assert.Same(old.Chunks[1], fresh.Chunks[1]);
        Assert.NotSame(old.Chunks[0], fresh.Chunks[0]);
        Assert.NotSame(old.Chunks[2], fresh.Chunks[2]);
    }

    [Fact]
    public void Create_RowOfAnotherLengthOrWithoutVector_KeptOutsideTheChunks()
    {
        var snapshot = ScopeSnapshot.Create(1, 0,
        [
            Entry("a", 1),
            new VectorEntry("short", null, null, [1f, 0f], "other-model"),
            new VectorEntry("none", null, null, null, null),
        ]);

        Assert.Equal(3, snapshot.Dimensions);
        Assert.Equal(0, snapshot.ModelIds[snapshot.Slots["a"]]);
        Assert.Null(snapshot.Entries[snapshot.Slots["a"]].Vector);
        Assert.Equal(-1, snapshot.ModelIds[snapshot.Slots["short"]]);
        Assert.Equal([1f, 0f], snapshot.Entries[snapshot.Slots["short"]].Vector!);
        Assert.Equal(-1, snapshot.ModelIds[snapshot.Slots["none"]]);
    }

    private static VectorEntry Entry(string id, float first) => new(id, null, null, [first, 0f, 0f], "model");
}
