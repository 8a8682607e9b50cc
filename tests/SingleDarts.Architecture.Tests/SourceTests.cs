namespace SingleDarts.Architecture.Tests;

/// <summary>Rules over the source tree itself: files stay small, and nothing in the product points outside the repository.</summary>
[Trait("Category", "unit")]
public sealed class SourceTests
{
    private const int MaxLines = 300;

    private static string Root { get; } = FindRoot();

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(Path.Combine(Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                     && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    [Fact]
    public void No_source_file_is_over_300_lines()
    {
        var long_ = SourceFiles().Select(f => (File: Path.GetRelativePath(Root, f), Lines: File.ReadAllLines(f).Length)).Where(f => f.Lines > MaxLines).ToList();
        Assert.True(long_.Count == 0, "over 300 lines: " + string.Join(", ", long_.Select(f => $"{f.File} ({f.Lines})")));
    }

    [Fact]
    public void No_product_file_points_at_the_developers_shared_folder()
    {
        var pointing = SourceFiles().Where(f => File.ReadAllText(f).Contains("../shared", StringComparison.Ordinal)).Select(f => Path.GetRelativePath(Root, f)).ToList();
        Assert.True(pointing.Count == 0, "these files point at ../shared, which a user's clone does not have: " + string.Join(", ", pointing));
    }

    /// <summary>
    /// Every test class says whether it is a unit test (in-process, no cluster, no server, no other process: seconds) or an
    /// integration test, so that <c>dotnet test --filter Category=unit</c> runs the fast ones alone.
    /// </summary>
    [Fact]
    public void Every_test_class_is_tagged_unit_or_integration()
    {
        var untagged = new List<(string File, string Class)>();
        var tagged = new HashSet<string>();         // a partial class is tagged once, in any of its files
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, "tests"), "*.cs", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                var match = System.Text.RegularExpressions.Regex.Match(lines[i], @"^(public |internal )?(sealed |static |abstract )*(partial )?class (\w+)");
                if (!match.Success) continue;
                var end = Array.FindIndex(lines, i + 1, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^(public |internal )?(sealed |static |abstract )*(partial )?class \w+"));
                var body = lines[i..(end < 0 ? lines.Length : end)];
                if (!body.Any(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"\[(Fact|Theory|SkippableFact|SkippableTheory)\b"))) continue;
                var attributes = lines[..i].Reverse().TakeWhile(l => l.TrimStart().StartsWith('[')).ToList();
                if (attributes.Any(a => a.Contains("Trait(\"Category\", \"unit\")", StringComparison.Ordinal) || a.Contains("Trait(\"Category\", \"integration\")", StringComparison.Ordinal)))
                    tagged.Add(match.Groups[4].Value);
                else untagged.Add((Path.GetRelativePath(Root, file), match.Groups[4].Value));
            }
        }
        var missing = untagged.Where(u => !tagged.Contains(u.Class)).Select(u => $"{u.File}: {u.Class}").ToList();
        Assert.True(missing.Count == 0, "test classes without [Trait(\"Category\", \"unit\" or \"integration\")]: " + string.Join(", ", missing));
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SingleDarts.sln"))) return dir.FullName;
        throw new InvalidOperationException("no SingleDarts.sln above the test binaries");
    }
}
