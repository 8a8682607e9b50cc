using SingleDarts.Search.Runs;
using SingleDarts.Search.Spaces.Nb201;
using SingleDarts.Search.Strategies;
using static TorchSharp.torch;

namespace SingleDarts.Search.Tests;

/// <summary>
/// TorchSharp passes native handles of temporary Scalars without keeping them alive, so a
/// collection on another thread (any allocating thread does it: the data prefetcher, Orleans, the
/// test runner) can free one mid-call and abort the process (see Nn/Scalars.cs). This hammers the
/// training code with a thread that collects and finalizes non-stop. It is a stress test, and only
/// an optimised (Release) build shows the hazard — Debug keeps temporaries alive: with TorchSharp's
/// BatchNorm2d put back into the stem it failed 1 of 3 Release runs of 150 steps per method (and a
/// 6-second loop outside the tests crashed 3 of 4 times); the project's code ran clean in every try.
/// </summary>
[Trait("Category", "unit")]
public class ConcurrentGcTests
{
    [Fact]
    public void Searches_survive_a_collector_running_on_another_thread()
    {
        using var stop = new CancellationTokenSource();
        var hammer = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }) { IsBackground = true };
        hammer.Start();
        try
        {
            using var batch = Tiny.RandomBatch(1);
            var source = new CountingSource(batch);
            foreach (var method in Tiny.Levels)
            {
                using var state = new SearchState(Tiny.Model(), new OptimizerSettings());
                var strategy = Tiny.Strategy(method);
                for (var i = 0; i < 100; i++) strategy.Step(state, source, source, 0.025);
                Assert.True(Tiny.Values(state.Model.Alphas).All(float.IsFinite));
            }
            // the whole loop too: prefetching loaders, evaluation, checkpoints
            Assert.Equal(2, SearchRunner.Run(Tiny.Options("darts-v1", epochs: 2), Tiny.TempDir()).Epochs);
        }
        finally
        {
            stop.Cancel();
            hammer.Join();
        }
    }
}
