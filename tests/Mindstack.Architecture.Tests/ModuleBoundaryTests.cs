using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.MindMesh;
using Mindstack.MindPeeker;
using Mindstack.Mindra;
using Mindstack.MindSwarm;
using Mindstack.Platform.Storage;
using Mindstack.PluginMind;

namespace Mindstack.Architecture.Tests;

/// <summary>
/// The design's one-way arrows (ARCHITECTURE.md): modules depend on the platform, never on each
/// other; the platform knows no module; a module keeps its own tables, prefixed with its name.
/// </summary>
public sealed class ModuleBoundaryTests
{
    private const string Platform = "Mindstack.Platform";

    /// <summary>Each API module's assembly and the prefix its tables carry.</summary>
    public static TheoryData<string, string> Modules => new()
    {
        { typeof(MindPeekerModule).Assembly.GetName().Name!, "mindpeeker_" },
        { typeof(MindraModule).Assembly.GetName().Name!, "mindra_" },
        { typeof(PluginMindModule).Assembly.GetName().Name!, "pluginmind_" },
        { typeof(MindSwarmModule).Assembly.GetName().Name!, "mindswarm_" },
        { typeof(MindMeshModule).Assembly.GetName().Name!, "mindmesh_" },
    };

    private static readonly string[] ModuleNames = Modules.Select(row => (string)row[0]).ToArray();

    [Theory]
    [MemberData(nameof(Modules))]
    public void Module_References_OnlyThePlatformOfMindstack(string module, string tablePrefix)
    {
        var references = MindstackReferences(Assembly.Load(module));
        Assert.Equal([Platform], references);
        Assert.NotEmpty(tablePrefix);
    }

    [Fact]
    public void Platform_References_NoModule()
    {
        var references = MindstackReferences(Assembly.Load(Platform));
        Assert.Empty(references);
    }

    [Fact]
    public void Module_Surface_OnlyItsModuleClassAndDocumentedContractsArePublic()
    {
        // Habit 1: a module shows two doors (AddX, MapX); what else is public must be on purpose.
        foreach (var module in ModuleNames)
        {
            var assembly = Assembly.Load(module);
            var doors = assembly.GetExportedTypes().Where(t => t.Name.EndsWith("Module", StringComparison.Ordinal)).ToList();
            var door = Assert.Single(doors);
            Assert.True(door.IsAbstract && door.IsSealed, $"{door.FullName} is a static class");
            var methods = door.GetMethods(BindingFlags.Public | BindingFlags.Static).Select(m => m.Name).Distinct().Order(StringComparer.Ordinal).ToList();
            var shortName = module["Mindstack.".Length..];
            Assert.Equal([$"Add{shortName}", $"Map{shortName}"], methods);
        }
    }

    [Fact]
    public async Task ModuleTables_InTheOneDatabaseModel_CarryTheirModulesPrefix()
    {
        await using var factory = new MindstackFactory();
        using var scope = factory.Services.CreateScope();
        var model = scope.ServiceProvider.GetRequiredService<MindstackDbContext>().Model;
        var prefixes = Modules.ToDictionary(row => (string)row[0], row => (string)row[1], StringComparer.Ordinal);
        var checkedTables = 0;
        foreach (var entity in model.GetEntityTypes())
        {
            var table = entity.GetTableName();
            if (table is null)
            {
                continue;
            }
            var owner = entity.ClrType.Assembly.GetName().Name!;
            if (prefixes.TryGetValue(owner, out var prefix))
            {
                Assert.True(table.StartsWith(prefix, StringComparison.Ordinal), $"{entity.ClrType.FullName} maps to {table}, outside {prefix}*");
                checkedTables++;
            }
            else
            {
                Assert.Equal(Platform, owner);
                Assert.DoesNotContain(prefixes.Values, p => table.StartsWith(p, StringComparison.Ordinal));
            }
        }
        Assert.True(checkedTables > 0, "the modules contribute tables");
    }

    private static List<string> MindstackReferences(Assembly assembly) =>
        assembly.GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(n => n.StartsWith("Mindstack.", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
}
