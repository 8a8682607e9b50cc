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

    [Fact]
    public void The_observability_pages_instrument_table_has_a_row_per_fixed_instrument_with_its_prometheus_name_and_unit()
    {
        // | `singledarts.x` | `singledarts_x_suffix` (kind) | unit | meaning |
        var rows = Page("observability.md").Split('\n').Where(l => l.StartsWith("| `singledarts.", StringComparison.Ordinal))
            .Select(l => l.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        var instruments = SingleDarts.Grains.Telemetry.SingleDartsMetrics.Instruments;
        Assert.Equal(instruments.Select(i => i.Name), rows.Select(r => r[0].Trim('`')));
        foreach (var (row, (name, unit, _)) in rows.Zip(instruments))
        {
            Assert.StartsWith($"`{name.Replace('.', '_')}", row[1], StringComparison.Ordinal);
            Assert.True(row[2] == unit, $"{name}: the table says unit {row[2]}, the instrument {unit}");
        }
    }
}
