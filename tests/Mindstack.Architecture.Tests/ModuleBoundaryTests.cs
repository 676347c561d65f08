using System.Reflection;
using System.Xml.Linq;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.MindMesh;
using Mindstack.MindPeeker;
using Mindstack.Mindra;
using Mindstack.MindSwarm;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;
using Mindstack.PluginMind;

namespace Mindstack.Architecture.Tests;

/// <summary>
/// The design's one-way arrows (docs/architecture.md, "The picture" and "Where a new API's code
/// goes"): modules depend on the platform, never on each other; the platform names no module or
/// API; each module declares its API in one definition; a module keeps its own tables, prefixed
/// with its name.
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

    /// <summary>
    /// The platform's tests host the platform with sample modules of their own, and the shared
    /// test kit knows only the platform: neither reaches a module or the server, even through
    /// another project.
    /// </summary>
    [Theory]
    [InlineData("tests/Mindstack.Platform.Tests/Mindstack.Platform.Tests.csproj")]
    [InlineData("tests/Mindstack.Testing/Mindstack.Testing.csproj")]
    public void PlatformTestProject_References_NoModuleNorServer(string project)
    {
        var reached = ProjectsReachedFrom(Path.Combine(RepositoryRoot(), project));
        Assert.Contains(Platform, reached);
        Assert.DoesNotContain(reached, name => ModuleNames.Contains(name) || name == "Mindstack.Server");
    }

    [Fact]
    public void TestKit_References_OnlyThePlatformOfMindstack()
    {
        Assert.Equal([Platform], MindstackReferences(typeof(TestDatabase).Assembly));
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
                // The one framework entity: Data Protection's key ring, mapped by the platform's Storage.
                if (entity.ClrType != typeof(Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey))
                {
                    Assert.Equal(Platform, owner);
                }
                Assert.DoesNotContain(prefixes.Values, p => table.StartsWith(p, StringComparison.Ordinal));
            }
        }
        Assert.True(checkedTables > 0, "the modules contribute tables");
    }

    [Fact]
    public void Platform_TypesMembersAndSourceFiles_NameNoApi()
    {
        // docs/architecture.md, "The platform names no API": every fact of an API comes from the
        // definition its module registers, so nothing in the platform, comments included, names one.
        var apiNames = ModuleNames.Select(m => m["Mindstack.".Length..]).ToList();
        bool NamesAnApi(string text) => apiNames.Any(api => text.Contains(api, StringComparison.OrdinalIgnoreCase));

        const BindingFlags everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var named = Assembly.Load(Platform).GetTypes()
            .SelectMany(t => t.GetMembers(everything).Select(m => $"{t.FullName}.{m.Name}").Prepend(t.FullName!))
            .Where(NamesAnApi)
            .ToList();
        Assert.Empty(named);

        var platformSources = Path.Combine(RepositoryRoot(), "src", Platform);
        var files = Directory.EnumerateFiles(platformSources, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(platformSources, f).Split(Path.DirectorySeparatorChar).Any(d => d is "bin" or "obj"))
            .ToList();
        Assert.Contains(files, f => f.EndsWith(".cs", StringComparison.Ordinal));
        var lines = files
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(platformSources, f), Line: i + 1, Text: line)))
            .Where(l => NamesAnApi(l.Text))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.Empty(lines);
    }

    [Theory]
    [MemberData(nameof(Modules))]
    public void Module_DeclaresItsApiInOneDefinition_NamedAsItsTablesAndSpokenByItsDialect(string module, string tablePrefix)
    {
        // docs/architecture.md, "How to declare an API": src/Mindstack.<Api>/<Api>Api.cs holds a
        // public static Definition, registered by AddX, named as the module's tables are.
        var assembly = Assembly.Load(module);
        var shortName = module["Mindstack.".Length..];
        var declaring = assembly.GetExportedTypes().Where(t => t.GetProperty("Definition", BindingFlags.Public | BindingFlags.Static)?.PropertyType == typeof(ApiDefinition)).ToList();
        var type = Assert.Single(declaring);
        Assert.Equal($"{shortName}Api", type.Name);
        Assert.True(File.Exists(Path.Combine(RepositoryRoot(), "src", module, type.Name + ".cs")), $"src/{module}/{type.Name}.cs");
        var definition = (ApiDefinition)type.GetProperty("Definition")!.GetValue(null)!;
        Assert.Equal(tablePrefix, definition.Name + "_");
        Assert.Same(assembly, definition.Dialect.Assembly);
    }

    [Fact]
    public async Task Server_EveryModulesDefinition_RegisteredAndMountedWithItsDialect()
    {
        await using var factory = new MindstackFactory();
        var registry = factory.Services.GetRequiredService<ApiRegistry>();
        Assert.Equal(ModuleNames.Length, registry.Definitions.Count);
        foreach (var definition in registry.Definitions)
        {
            Assert.Contains(definition.Dialect.Assembly.GetName().Name, ModuleNames);
            var mount = Assert.Single(registry.Mounts, m => m.Name == definition.Name);
            Assert.Same(definition, mount.Definition);
            Assert.Equal(definition.Name, mount.Dialect.Name);
        }
    }

    /// <summary>The folder holding <c>Mindstack.slnx</c>, above the test's output folder.</summary>
    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Mindstack.slnx")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("Mindstack.slnx not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The names of every project <paramref name="csproj"/> references, directly or through another.</summary>
    private static HashSet<string> ProjectsReachedFrom(string csproj)
    {
        var reached = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.GetFullPath(csproj)]);
        while (pending.TryPop(out var path))
        {
            var references = XDocument.Load(path).Descendants("ProjectReference")
                .Select(e => (string?)e.Attribute("Include"))
                .OfType<string>();
            foreach (var include in references)
            {
                var referenced = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, include.Replace('\\', '/')));
                if (reached.Add(Path.GetFileNameWithoutExtension(referenced)))
                {
                    pending.Push(referenced);
                }
            }
        }
        return reached;
    }

    private static List<string> MindstackReferences(Assembly assembly) =>
        assembly.GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(n => n.StartsWith("Mindstack.", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
}
