namespace Mindstack.Platform.Accounts;

/// <summary>
/// What one module keeps of a platform account, which is shared by every API. A module registers
/// one (<c>services.TryAddEnumerable(ServiceDescriptor.Scoped&lt;IAccountFootprint, …&gt;())</c>), so a
/// module deleting an account can ask the others whether they still use it
/// (<see cref="IAccountErasure.EraseUnlessUsedElsewhereAsync"/>) without knowing them.
/// </summary>
public interface IAccountFootprint
{
    /// <summary>The API whose module this is (its sessions and keys carry this name).</summary>
    string Api { get; }

    /// <summary>Whether the module holds any data of the account.</summary>
    Task<bool> HoldsAsync(string accountId, CancellationToken cancellationToken = default);

    /// <summary>Erases the module's data of the account (not the platform account itself).</summary>
    Task EraseAsync(string accountId, CancellationToken cancellationToken = default);
}
