using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace SingleDarts.Analyzers.Tests;

/// <summary>
/// Each rule on the code it must refuse and the code it must let through, compiled against the
/// real TorchSharp assembly. A snippet marks each line that must be reported with <c>// SDnnnn</c>.
/// </summary>
[Trait("Category", "unit")]
public class TorchSafetyAnalyzerTests
{
    private const string Usings = """
        using System;
        using TorchSharp;
        using static TorchSharp.torch;
        namespace SingleDarts.Search.Nn { public static class Conv { public static Tensor Conv2d(Tensor x, Tensor w) => nn.functional.conv2d(x, w); } }
        public static class Scalars { public static readonly Scalar One = 1.0.ToScalar(); }
        public sealed class Snippet : IDisposable
        {
            private readonly Scalar field = 0.5.ToScalar();
            public void Dispose() => field.Dispose();

        """;

    [Fact]
    public void Implicit_conversions_to_Scalar_are_refused()
    {
        AssertReports("""
            public void M(Tensor t)
            {
                t.mul_(2.0);                                  // SD1001
                t.add_(t, 3);                                 // SD1001
                using var half = 0.5.ToScalar();
                t.mul_(half);
                t.mul_(field);
            }
            """);
    }

    [Fact]
    public void Scalars_must_be_owned_by_a_using_local_a_field_or_the_caller()
    {
        AssertReports("""
            public void M(Tensor t)
            {
                t.mul_(0.5.ToScalar());                       // SD1002
                var loose = 0.5.ToScalar();                   // SD1002
                t.mul_(loose);
                using (var s = 0.25.ToScalar()) t.mul_(s);
                using var ok = 0.5.ToScalar();
                t.mul_(ok);
            }
            public Scalar Make() => 4.0.ToScalar();
            private Scalar later;
            public void Keep() => later = 3.0.ToScalar();
            """);
    }

    [Fact]
    public void Overloads_and_operators_that_fill_in_a_Scalar_are_refused()
    {
        AssertReports("""
            public Tensor M(Tensor a, Tensor b)
            {
                a.add_(b);                                    // SD1003
                var c = a.add(b);                             // SD1003
                var d = a + b;                                // SD1003
                var e = a * 2.0;                              // SD1003
                a.add_(b, Scalars.One);
                var f = a - b;
                var g = a * b;
                return c.add(d, Scalars.One).add(e, Scalars.One).mul(f).mul(g);
            }
            """);
    }

    [Fact]
    public void Reading_a_value_through_a_Scalar_is_refused()
    {
        AssertReports("""
            public double M(Tensor loss)
            {
                var a = loss.ToDouble();                      // SD1005
                var b = loss.ToSingle();                      // SD1005
                return a + b + loss.item<float>();
            }
            """);
    }

    [Fact]
    public void Convolutions_outside_the_seam_are_refused()
    {
        AssertReports("""
            public Tensor M(Tensor x, Tensor w)
            {
                var a = nn.functional.conv2d(x, w);           // SD1004
                var layer = nn.Conv2d(3, 8, 3);               // SD1004
                return SingleDarts.Search.Nn.Conv.Conv2d(a, w);
            }
            """);
    }

    [Fact]
    public void A_project_without_TorchSharp_is_left_alone()
    {
        var tree = CSharpSyntaxTree.ParseText("public static class C { public static double M() => 2.0 + 3; }");
        Assert.Empty(Analyze(tree, withTorchSharp: false));
    }

    private static void AssertReports(string members)
    {
        var source = Usings + members + "\n}\n";
        var tree = CSharpSyntaxTree.ParseText(source);
        var lines = tree.GetText().Lines;
        var expected = lines
            .Select((line, i) => (Line: i, Text: line.ToString()))
            .SelectMany(l => System.Text.RegularExpressions.Regex.Matches(l.Text, @"//.*?(SD\d{4})").Select(m => $"{l.Line + 1}:{m.Groups[1].Value}"))
            .Order().ToList();
        var actual = Analyze(tree, withTorchSharp: true)
            .Select(d => $"{d.Location.GetLineSpan().StartLinePosition.Line + 1}:{d.Id}")
            .Order().ToList();
        Assert.Equal(expected, actual);
    }

    private static ImmutableArray<Diagnostic> Analyze(SyntaxTree tree, bool withTorchSharp)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => withTorchSharp || !Path.GetFileName(p).StartsWith("TorchSharp", StringComparison.Ordinal))
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("Snippet", [tree], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "the snippet does not compile: " + string.Join("; ", errors));
        return compilation.WithAnalyzers([new TorchSafetyAnalyzer()]).GetAnalyzerDiagnosticsAsync().Result;
    }
}
