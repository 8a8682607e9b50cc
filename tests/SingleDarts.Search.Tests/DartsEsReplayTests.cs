using SingleDarts.Reports;

namespace SingleDarts.Search.Tests;

/// <summary>
/// The report replays DARTS-ES on recorded λ_max with its own copy of the rule (the report library must not load the search core):
/// both copies decide the same on the same series — random ones with gaps, non-positive values and several settings.
/// </summary>
[Trait("Category", "unit")]
public sealed class DartsEsReplayTests
{
    [Theory]
    [InlineData(5, 0.75, 10)]
    [InlineData(2, 0.75, 1)]
    [InlineData(3, 0.5, 0)]
    [InlineData(1, 0.9, 4)]
    public void The_reports_copy_of_darts_es_decides_as_the_search_core_does(int window, double ratio, int start)
    {
        var core = new DartsEarlyStop { Window = window, Ratio = ratio, StartEpoch = start };
        var copy = new DartsEsRule(window, ratio, start);
        var random = new Random(window * 1000 + start);
        var stops = 0;
        for (var series = 0; series < 200; series++)
        {
            // a growing curvature with noise, measured every 1–3 epochs, now and then non-positive
            var every = 1 + series % 3;
            var growth = random.NextDouble() * 0.3;
            var lambdas = Enumerable.Range(1, 30).Select(e => e % every == 0
                ? (double?)(random.Next(20) == 0 ? -random.NextDouble() : Math.Exp(growth * e) * (0.8 + 0.4 * random.NextDouble()))
                : null).ToArray();
            for (var epoch = 1; epoch <= 31; epoch++)
                Assert.Equal(core.Decide(lambdas, epoch)?.ResultEpoch, copy.Decide(lambdas, epoch));
            var first = Enumerable.Range(1, 30).FirstOrDefault(e => core.Decide(lambdas, e) is not null);
            Assert.Equal(first == 0 ? (int?)null : first, copy.FirstStop(lambdas));
            if (first != 0) stops++;
        }
        Assert.InRange(stops, 1, 199);     // the series exercise both outcomes
    }
}
