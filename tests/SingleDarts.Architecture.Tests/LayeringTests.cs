using Assembly = System.Reflection.Assembly;
using AssemblyName = System.Reflection.AssemblyName;
using ArchUnitNET.Domain;
using ArchUnitNET.Loader;
using ArchUnitNET.xUnit;
using static ArchUnitNET.Fluent.ArchRuleDefinition;

namespace SingleDarts.Architecture.Tests;

/// <summary>
/// The layering of docs/architecture.md as rules over the built assemblies: the search core has no Orleans;
/// the CLI reaches a cluster only through the grain interfaces and the hosting library (never a grain type); the
/// report library does not load libtorch; the search core's folders depend on each other without cycles.
/// </summary>
[Trait("Category", "unit")]
public sealed class LayeringTests
{
    private static readonly Assembly Search = typeof(SingleDarts.Search.Runs.SearchRun).Assembly;
    private static readonly Assembly Abstractions = typeof(SingleDarts.Abstractions.ISweepGrain).Assembly;
    private static readonly Assembly Grains = typeof(SingleDarts.Grains.SweepAggregator).Assembly;
    private static readonly Assembly Hosting = typeof(SingleDarts.Hosting.ClusterConnection).Assembly;
    private static readonly Assembly Reports = typeof(SingleDarts.Reports.StabilityReport).Assembly;
    private static readonly Assembly Cli = typeof(SingleDarts.Cli.CliRunner).Assembly;

    private static readonly ArchUnitNET.Domain.Architecture Architecture =
        new ArchLoader().LoadAssemblies(Search, Abstractions, Grains, Hosting, Reports, Cli).Build();

    /// <summary>Every assembly <paramref name="root"/> loads, directly or through others (framework assemblies aside).</summary>
    public static HashSet<string> Closure(Assembly root)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<AssemblyName>(root.GetReferencedAssemblies());
        while (queue.TryDequeue(out var name))
        {
            if (name.Name is null || name.Name.StartsWith("System", StringComparison.Ordinal) || name.Name is "netstandard" or "mscorlib" || !seen.Add(name.Name)) continue;
            try
            {
                foreach (var next in Assembly.Load(name).GetReferencedAssemblies()) queue.Enqueue(next);
            }
            catch (FileNotFoundException)
            {
                // not shipped with the tests (a design-time reference): its name is still recorded
            }
        }
        return seen;
    }

    [Fact]
    public void The_search_core_does_not_reference_Orleans()
    {
        var orleans = Closure(Search).Where(n => n.StartsWith("Orleans", StringComparison.Ordinal) || n.StartsWith("Microsoft.Orleans", StringComparison.Ordinal)).ToList();
        Assert.True(orleans.Count == 0, $"SingleDarts.Search loads {string.Join(", ", orleans)}");
    }

    [Fact]
    public void The_report_library_loads_neither_libtorch_nor_the_search_core()
    {
        var closure = Closure(Reports);
        Assert.DoesNotContain("TorchSharp", closure);
        Assert.DoesNotContain(Search.GetName().Name!, closure);
    }

    [Fact]
    public void The_grain_interfaces_load_neither_libtorch_nor_the_search_core()
    {
        var closure = Closure(Abstractions);
        Assert.DoesNotContain("TorchSharp", closure);
        Assert.DoesNotContain(Search.GetName().Name!, closure);
    }

    [Fact]
    public void No_CLI_type_uses_a_type_of_the_grains_project()
    {
        // the CLI talks to a cluster through the grain interfaces and starts, validates and benchmarks through the hosting library
        Types().That().ResideInAssembly(Cli).Should().NotDependOnAny(Types().That().ResideInAssembly(Grains))
            .Because("the CLI reaches the grains only through SingleDarts.Abstractions and the hosting library's API")
            .Check(Architecture);
    }

    [Fact]
    public void No_report_type_uses_the_search_core_or_the_grains()
    {
        Types().That().ResideInAssembly(Reports).Should().NotDependOnAny(Types().That().ResideInAssembly(Search).Or().ResideInAssembly(Grains))
            .Check(Architecture);
    }

    [Fact]
    public void The_search_cores_folders_depend_on_each_other_without_cycles()
    {
        var cycles = NamespaceCycles.Find(Architecture, Search, "SingleDarts.Search");
        Assert.True(cycles.Count == 0, "namespace cycles in the search core:\n" + string.Join("\n", cycles));
    }
}
