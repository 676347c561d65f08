namespace Mindstack.Testing;

/// <summary>
/// The classes whose tests start the published server carry
/// <c>[Trait(PublishedServer.Trait, PublishedServer.Value)]</c>. <c>./test.sh</c> runs every other
/// test while it publishes the server, with <c>MINDSTACK_PUBLISH_PENDING=1</c>, and these once the
/// publish is done. Under that variable a test that starts the published server fails and names the
/// missing trait, rather than skipping or publishing a second time.
/// </summary>
public static class PublishedServer
{
    public const string Trait = "Needs";
    public const string Value = "PublishedServer";

    /// <summary>Whether this run is the one made while the publish is still under way.</summary>
    public static bool Pending => Environment.GetEnvironmentVariable("MINDSTACK_PUBLISH_PENDING") == "1";

    public static void ThrowIfPending()
    {
        if (Pending)
        {
            throw new InvalidOperationException(
                "This test starts the published server, which ./test.sh is still publishing: mark its class "
                + $"[Trait(PublishedServer.Trait, PublishedServer.Value)] (\"{Trait}\", \"{Value}\") so that it runs after the publish.");
        }
    }
}
