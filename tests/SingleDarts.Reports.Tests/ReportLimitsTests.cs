using SingleDarts.Abstractions;

namespace SingleDarts.Reports.Tests;

/// <summary>Hostile or empty exports: refused with one line, and no self-contradicting page.</summary>
[Trait("Category", "unit")]
public sealed class ReportLimitsTests
{
    private const long MaxBytes = StabilityReportTests.MaxBytes;
    private const int MaxDepth = StabilityReportTests.MaxDepth;

    [Fact]
    public void An_export_over_the_size_limit_is_refused_before_it_is_read()
    {
        var path = Path.Combine(StabilityReportTests.TempDir(), "huge.json");
        using (var f = File.Create(path)) f.SetLength(MaxBytes + 1);   // sparse
        var ex = Assert.Throws<ReportException>(() => ReportInput.FromExport(path, MaxBytes, MaxDepth));
        Assert.StartsWith($"{path}: 268,435,457 bytes is more than an export may have (268,435,456 bytes;", ex.Message);
    }

    [Fact]
    public void An_export_nested_deeper_than_the_limit_is_refused()
    {
        var path = Path.Combine(StabilityReportTests.TempDir(), "deep.json");
        File.WriteAllText(path, "{\"sweep\": " + new string('[', 200) + new string(']', 200) + ", \"seeds\": []}");
        var ex = Assert.Throws<ReportException>(() => ReportInput.FromExport(path, MaxBytes, MaxDepth));
        Assert.Equal($"{path}: line 1: more than 64 levels of nested objects and arrays (the limit; see docs/troubleshooting.md, \"Input limits\")", ex.Message);
    }

    [Fact]
    public void A_folder_given_as_the_export_is_named_a_folder()
    {
        var dir = StabilityReportTests.TempDir();
        Assert.StartsWith($"{dir} is a folder;", Assert.Throws<ReportException>(() => ReportInput.FromExport(dir, MaxBytes, MaxDepth)).Message);
    }

    [Fact]
    public void An_export_without_seeds_is_refused_and_no_page_is_written()
    {
        var input = StabilityReportTests.Sweep(2) with { Seeds = [] };
        var dir = Path.Combine(StabilityReportTests.TempDir(), "report");
        var ex = Assert.Throws<ReportException>(() => StabilityReport.Write(input, dir));
        Assert.Equal($"the sweep '{input.Sweep.Id}' has no seeds: there is nothing to compare, so no report was written", ex.Message);
        Assert.False(Directory.Exists(dir));
    }
}
