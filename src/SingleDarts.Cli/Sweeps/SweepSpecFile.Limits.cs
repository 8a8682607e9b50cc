using SingleDarts.Search;
using SingleDarts.Search.IO;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace SingleDarts.Cli.Sweeps;

/// <summary>What a spec's YAML may cost (<see cref="InputLimits"/>), checked on the parser's events before anything is built.</summary>
public static partial class SweepSpecFile
{
    /// <summary>
    /// Counts the nodes the YAML would have with every alias expanded (an anchor's size is known once its node
    /// ends, so an alias costs its node's size without being walked), the aliases and the nesting depth, and
    /// refuses the file as soon as one passes its limit: an alias bomb is refused after reading a few hundred
    /// bytes. An alias inside the node it names (a cycle) is refused too; nothing could expand it.
    /// </summary>
    private static void Bound(string text, string path)
    {
        var parser = new Parser(new StringReader(text));
        var sizes = new Dictionary<string, long>();              // anchor → nodes of its node, expanded
        var open = new Stack<(string? Anchor, long Start)>();   // the mappings and lists not yet ended
        long nodes = 0;
        var aliases = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case AnchorAlias alias:
                    if (++aliases > InputLimits.SpecAliases) throw new SearchConfigException(InputLimits.Beyond(At(alias), "aliases (*name)", InputLimits.SpecAliases));
                    var name = alias.Value.Value;
                    if (sizes.TryGetValue(name, out var size)) nodes += size;
                    else if (open.Any(o => o.Anchor == name))
                        throw new SearchConfigException($"{At(alias)}: the alias *{name} is inside the node it names (a cycle)");
                    else nodes++;                                   // undefined: YamlDotNet says so when it loads
                    break;
                case Scalar scalar:
                    nodes++;
                    if (!scalar.Anchor.IsEmpty) sizes[scalar.Anchor.Value] = 1;
                    break;
                case NodeEvent start and (MappingStart or SequenceStart):
                    open.Push((start.Anchor.IsEmpty ? null : start.Anchor.Value, nodes));
                    nodes++;
                    if (open.Count > InputLimits.NestingDepth)
                        throw new SearchConfigException(InputLimits.Beyond(At(start), "levels of nested mappings and lists", InputLimits.NestingDepth));
                    break;
                case MappingEnd or SequenceEnd:
                    var (anchor, from) = open.Pop();
                    if (anchor is not null) sizes[anchor] = nodes - from;
                    break;
            }
            if (nodes > InputLimits.SpecNodes)
                throw new SearchConfigException(InputLimits.Beyond(At(parser.Current!), "nodes once aliases are expanded", InputLimits.SpecNodes));
        }

        string At(ParsingEvent e) => $"{path}: line {e.Start.Line}";
    }
}
