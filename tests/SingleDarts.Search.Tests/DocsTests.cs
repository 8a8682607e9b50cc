using SingleDarts.Cli;

namespace SingleDarts.Search.Tests;

/// <summary>The manual stays true to the program: every option of the run commands is documented where a user looks for it.</summary>
[Trait("Category", "unit")]
public sealed class DocsTests
{
    private static string Page(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SingleDarts.sln"))) return File.ReadAllText(Path.Combine(dir.FullName, "docs", name));
        throw new InvalidOperationException("no SingleDarts.sln above the test binaries");
    }

    [Fact]
    public void Every_search_and_evaluate_option_is_in_the_search_and_evaluate_page()
    {
        var page = Page("search-and-evaluate.md");
        var missing = SearchCommand.Create().Options.Concat(EvaluateCommand.Create().Options)
            .Select(o => o.Name).Where(n => n.StartsWith("--", StringComparison.Ordinal) && n is not "--help")
            .Distinct().Where(n => !page.Contains($"`{n}`", StringComparison.Ordinal) && !page.Contains($"{n} ", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "docs/search-and-evaluate.md does not name " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_fixed_instrument_is_in_the_observability_page()
    {
        var page = Page("observability.md");
        var missing = SingleDarts.Grains.Telemetry.SingleDartsMetrics.Instruments.Select(i => i.Name)
            .Where(n => !page.Contains($"`{n}`", StringComparison.Ordinal) && !page.Contains($"`{n}` /", StringComparison.Ordinal)
                        && !page.Contains(n.Replace("singledarts.", "`singledarts.", StringComparison.Ordinal), StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "docs/observability.md does not name " + string.Join(", ", missing));
    }
}
