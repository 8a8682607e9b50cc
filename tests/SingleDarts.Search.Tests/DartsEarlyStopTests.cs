using System.Text.Json.Nodes;

namespace SingleDarts.Search.Tests;

/// <summary>
/// λ_max as a per-epoch number of every search, and DARTS-ES on it: the rule on series written by hand, then on a
/// real tiny search, whose stop, result and resume are checked against the same search run without the rule.
/// </summary>
[Trait("Category", "unit")]
public class DartsEarlyStopTests
{
    private static readonly DartsEarlyStop Paper = new();

    private static double?[] Series(params double?[] lambdas) => lambdas;

    [Fact]
    public void The_rule_stops_where_the_mean_over_k_epochs_has_grown_past_the_ratio_and_returns_epoch_i_minus_k()
    {
        // measured every 2 epochs; flat at 1 until epoch 16, then 2 from epoch 18 on
        var lambdas = Enumerable.Range(1, 30).Select(e => e % 2 == 0 ? (e <= 16 ? 1.0 : 2.0) : (double?)null).ToArray();
        var decisions = Enumerable.Range(1, 30).Select(e => (Epoch: e, Decision: Paper.Decide(lambdas, e))).Where(d => d.Decision is not null).ToList();
        // epoch 18: λ̄(18) over epochs 14..18 = (1 + 1 + 2) / 3, λ̄(13) over 9..13 = 1: ratio 0.75, not below
        // epoch 20: λ̄(20) over 16..20 = (1 + 2 + 2) / 3, λ̄(15) over 11..15 = 1: ratio 0.6 < 0.75
        var (epoch, decision) = decisions[0];
        Assert.Equal(20, epoch);
        Assert.Equal((15, 1.0, 5.0 / 3), decision!.Value);
    }

    [Fact]
    public void The_reason_names_both_averages_and_shows_the_ratio_below_the_rules()
    {
        // a real stop (darts-v1 seed 3 at CPU scale): 0.41853 / 0.55816 = 0.74984, which three decimals round to 0.750
        Assert.Equal("DARTS-ES after epoch 15: mean λ_max grew from 0.4185 (epochs 6–10) to 0.5582 (epochs 11–15), ratio 0.7498 < 0.75; the result is epoch 10's cell",
            Paper.Reason(15, 10, 0.41853, 0.55816));
        Assert.Contains("ratio 0.600 < 0.75", Paper.Reason(20, 15, 1.0, 5.0 / 3));
    }

    [Fact]
    public void The_rule_waits_for_its_start_epoch_decides_only_where_lambda_is_measured_and_ignores_non_positive_curvature()
    {
        var growing = Enumerable.Range(1, 20).Select(e => (double?)Math.Pow(2, e)).ToArray();
        Assert.Null(Paper.Decide(growing, 14));                                   // 14 − 5 = 9 < 10
        Assert.Equal(10, Paper.Decide(growing, 15)!.Value.ResultEpoch);
        var gaps = growing.Select((v, i) => i == 14 ? null : v).ToArray();
        Assert.Null(Paper.Decide(gaps, 15));                                      // epoch 15 measured nothing
        var negative = growing.Select((v, i) => i < 10 ? -v : v).ToArray();
        Assert.Null(Paper.Decide(negative, 15));                                  // λ̄(10) < 0
        Assert.Null(Paper.Decide(Series(1, 1, 1), 3));
    }

    [Fact]
    public void A_bad_rule_or_one_without_lambda_is_refused_in_one_sentence_each()
    {
        Assert.Contains(new DartsEarlyStop { Window = 0 }.Problems(50, 2), p => p.StartsWith("darts_es.window must be at least 1"));
        Assert.Contains(new DartsEarlyStop { Ratio = 1.5 }.Problems(50, 2), p => p.StartsWith("darts_es.ratio must be in (0, 1)"));
        Assert.Contains(Paper.Problems(50, 0), p => p.Contains("not measured: set hessian_every"));
        Assert.Contains(Paper.Problems(50, 7), p => p.Contains("must hold a λ_max measurement"));
        Assert.Empty(Paper.Problems(50, 2));
        var options = Tiny.Options() with { HessianEvery = 0, DartsEs = Paper };
        Assert.Contains(options.Validate(), p => p.Contains("not measured"));
    }

    [Fact]
    public void Lambda_is_measured_every_n_epochs_and_at_the_last_without_changing_the_search()
    {
        foreach (var method in new[] { "darts-v1", "gdas", "drnas" })
        {
            var off = Tiny.Options(method, seed: 1, epochs: 5) with { Channels = 4, HessianEvery = 0 };
            var dirOff = Tiny.TempDir();
            var dirOn = Tiny.TempDir();
            var a = SearchRunner.Run(off, dirOff);
            var b = SearchRunner.Run(off with { HessianEvery = 2 }, dirOn);
            Assert.Equal(a.Arch, b.Arch);
            Assert.Equal(a.Alphas.SelectMany(r => r), b.Alphas.SelectMany(r => r));     // the diagnostic draws nothing of the search's
            var lambdas = Lambdas(dirOn);
            Assert.Equal([false, true, false, true, true], lambdas.Select(l => l is not null));
            Assert.All(lambdas.OfType<double>(), l => Assert.True(double.IsFinite(l), $"{method}: λ {l}"));
            Assert.All(Lambdas(dirOff), l => Assert.Null(l));
            var declared = JsonNode.Parse(File.ReadAllText(Path.Combine(dirOn, "config.json")))!["metrics"]!.AsArray().Select(m => (string)m!["key"]!);
            Assert.Contains(HessianSharpness.Key, declared);
        }
    }

    [Fact]
    public void A_search_stopped_by_the_rule_ends_where_the_same_search_without_it_meets_the_rule_and_returns_that_cell()
    {
        var rule = new DartsEarlyStop { Window = 1, Ratio = 0.99, StartEpoch = 2 };
        var options = Tiny.Options("darts-v1", seed: 0, epochs: 8) with { HessianEvery = 1 };
        var fullDir = Tiny.TempDir();
        SearchRunner.Run(options, fullDir);
        var full = Lambdas(fullDir);
        var stopAt = Enumerable.Range(1, full.Length).First(e => rule.Decide(full, e) is not null);     // the tiny seed's λ dips and grows back
        Assert.True(stopAt < 8, "the tiny search meets the rule before its last epoch");

        var dir = Tiny.TempDir();
        var result = SearchRunner.Run(options with { DartsEs = rule }, dir);
        var epochs = File.ReadAllLines(Path.Combine(dir, "epochs.jsonl")).Select(l => JsonNode.Parse(l)!).ToArray();
        Assert.Equal(stopAt, epochs.Length);
        Assert.Equal(full[..stopAt], Lambdas(dir));
        Assert.Equal(stopAt - 1, result.ResultEpoch);
        Assert.StartsWith($"DARTS-ES after epoch {stopAt}: mean λ_max grew", result.Stop);
        Assert.EndsWith($"the result is epoch {stopAt - 1}'s cell", result.Stop);
        var back = epochs[stopAt - 2];
        Assert.Equal((string)back["arch"]!, result.Arch);
        Assert.Equal(back["alphas"]!.ToJsonString(), System.Text.Json.JsonSerializer.SerializeToNode(result.Alphas)!.ToJsonString());
        Assert.Equal(result.Stop, (string?)epochs[^1]["stop"]);

        // resumed, a stopped search stays stopped with the same result
        var again = SearchRunner.Run(options with { DartsEs = rule }, dir, resume: true);
        Assert.Equal((result.Arch, result.ResultEpoch, result.Stop), (again.Arch, again.ResultEpoch, again.Stop));
        Assert.Equal(stopAt, File.ReadAllLines(Path.Combine(dir, "epochs.jsonl")).Length);
    }

    private static double?[] Lambdas(string dir) =>
        [.. File.ReadAllLines(Path.Combine(dir, "epochs.jsonl")).Select(l => (double?)JsonNode.Parse(l)!["metrics"]![HessianSharpness.Key])];
}
