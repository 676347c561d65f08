using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mindstack.Testing;

/// <summary>
/// What a test host composes (the platform and its modules), and so which tables a test database
/// is migrated with: the whole server's composition, or the platform with the tests' sample
/// modules. Test databases of one schema are copies of one migrated template.
/// </summary>
/// <param name="Name">Tells the per-process SQLite templates apart (PostgreSQL's are named by the migration set).</param>
/// <param name="Compose">Registers the host's services, as its <c>Program</c> does.</param>
public sealed record TestSchema(string Name, Action<IServiceCollection, IConfiguration> Compose);
