using SingleDarts.Search.Strategies;
using SingleDarts.Search.Runs;

namespace SingleDarts.Search.Tests;

/// <summary>
/// No TorchSharp object of a search is left to the finalizer: a Scalar or Tensor that nobody owns
/// can be freed by the finalizer thread while libtorch still reads it, which in long-lived silos
/// showed as "Expected false to be true … toFloat" aborts and silently wrong accuracies. The
/// analyzer (SD1001–SD1003) refuses the patterns it can see in the source; this watches what
/// actually runs — every method, evaluation, checkpoints, a resume — with a collector forcing
/// collections all the while, and counts finalized TorchSharp objects by type.
/// </summary>
[Trait("Category", "unit")]
public class FinalizationTests
{
    private sealed class CancelAfterFirstEpoch(CancellationTokenSource cts) : IRunObserver
    {
        public void EpochDone(EpochRecord record) => cts.Cancel();
    }

    [Fact]
    public void A_search_leaves_no_TorchSharp_object_to_the_finalizer()
    {
        using var watch = new FinalizerWatch();
        using var stop = new CancellationTokenSource();
        var hammer = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                Thread.Sleep(1);
            }
        }) { IsBackground = true };
        watch.Start();
        hammer.Start();
        try
        {
            foreach (var method in Tiny.Levels)
            {
                var dir = Tiny.TempDir();
                var options = Tiny.Options(method, seed: 5, epochs: 2);
                using (var cts = new CancellationTokenSource())
                    Assert.ThrowsAny<OperationCanceledException>(() =>
                        SearchRunner.Run(options, dir, observer: new CancelAfterFirstEpoch(cts), cancel: cts.Token));
                Assert.Equal(2, SearchRunner.Run(options, dir, resume: true).Epochs);
            }
        }
        finally
        {
            stop.Cancel();
            hammer.Join();
        }
        var finalized = watch.Stop();
        Assert.True(finalized.Count == 0,
            "finalized instead of disposed: " + string.Join(", ", finalized.Select(kv => $"{kv.Value}× {kv.Key}")));
    }
}
