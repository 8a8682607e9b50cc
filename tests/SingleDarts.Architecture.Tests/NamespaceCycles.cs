using Assembly = System.Reflection.Assembly;
using AssemblyName = System.Reflection.AssemblyName;
using ArchUnitNET.Domain;

namespace SingleDarts.Architecture.Tests;

/// <summary>
/// Cycles between an assembly's top-level folders (the namespace segment after <c>root</c>: Spaces, Runs, Data, …;
/// Spaces.Nb201 belongs to Spaces; types in the root namespace itself — shared exceptions, JSON conventions — are
/// the kernel every folder may use and belong to none). The type dependencies come from ArchUnitNET.
/// </summary>
public static class NamespaceCycles
{
    public static List<string> Find(ArchUnitNET.Domain.Architecture architecture, Assembly assembly, string root)
    {
        string? Slice(IType t) =>
            t.Namespace?.FullName is { } ns && ns.StartsWith(root + ".", StringComparison.Ordinal) ? ns[(root.Length + 1)..].Split('.')[0] : null;

        var types = architecture.Types.Where(t => t.Assembly?.FullName == assembly.FullName).ToList();
        var edges = new Dictionary<string, Dictionary<string, string>>();      // from → to → an example dependency
        foreach (var type in types)
        {
            if (Slice(type) is not { } from) continue;
            edges.TryAdd(from, []);
            foreach (var dependency in type.Dependencies)
                if (dependency.Target is { } target and not GenericParameter && Slice(target) is { } to && to != from && target.Assembly?.FullName == assembly.FullName)
                    edges[from].TryAdd(to, $"{type.FullName} → {dependency.Target.FullName}");
        }
        return [.. StronglyConnected(edges).Where(c => c.Count > 1).Select(c => Describe(c, edges))];
    }

    private static string Describe(List<string> component, Dictionary<string, Dictionary<string, string>> edges)
    {
        var inside = component.ToHashSet();
        var examples = component.SelectMany(from => edges[from].Where(kv => inside.Contains(kv.Key)).Select(kv => $"  {from} → {kv.Key}: {kv.Value}"));
        return $"{string.Join(" ↔ ", component.Order())}\n{string.Join("\n", examples)}";
    }

    /// <summary>Tarjan's strongly connected components.</summary>
    private static List<List<string>> StronglyConnected(Dictionary<string, Dictionary<string, string>> edges)
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var result = new List<List<string>>();
        void Visit(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in edges.GetValueOrDefault(v)?.Keys ?? Enumerable.Empty<string>())
            {
                if (!index.ContainsKey(w))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w)) low[v] = Math.Min(low[v], index[w]);
            }
            if (low[v] != index[v]) return;
            var component = new List<string>();
            string x;
            do
            {
                x = stack.Pop();
                onStack.Remove(x);
                component.Add(x);
            } while (x != v);
            result.Add(component);
        }
        foreach (var v in edges.Keys.ToList())
            if (!index.ContainsKey(v)) Visit(v);
        return result;
    }
}
