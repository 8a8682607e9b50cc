using System.Diagnostics;
using SingleDarts.Search.Checkpoints;
using SingleDarts.Search.Nn;
using SingleDarts.Search.Strategies;

namespace SingleDarts.Search.Runs;

/// <summary>
/// The step loop of one epoch, the same for a search and an evaluation: from a fresh start or from where a
/// mid-epoch checkpoint left the epoch (<see cref="EpochProgress"/>), one step at a time, with the epoch's
/// running sums. Cancellation is honoured between steps; when it comes after at least one step of the epoch,
/// <paramref name="interrupted"/> hears where the epoch stands before the loop throws, so the run can write it.
/// </summary>
internal static class StepLoop
{
    /// <param name="from">the epoch's start (Step 0) or a restored progress.</param>
    /// <param name="lrAt">the learning rate of a step (0-based within the epoch).</param>
    /// <param name="step">one step at a learning rate.</param>
    /// <returns>the epoch's sums after its last step.</returns>
    public static EpochProgress Run(EpochProgress from, int steps, Func<int, double> lrAt, Func<double, StepStats> step,
        GcPacer gcPacer, CancellationToken cancel, Action<StepInfo>? onStep, Action<EpochProgress> interrupted)
    {
        var clock = Stopwatch.StartNew();
        var progress = from;
        while (progress.Step < steps)
        {
            if (cancel.IsCancellationRequested)
            {
                if (progress.Step > 0) interrupted(progress with { Seconds = from.Seconds + clock.Elapsed.TotalSeconds });
                cancel.ThrowIfCancellationRequested();
            }
            var lr = lrAt(progress.Step);
            var started = clock.Elapsed;
            StepStats stats;
            try
            {
                stats = step(lr);
            }
            catch (NonFiniteException ex)
            {
                throw new SearchDivergedException(progress.Epoch, progress.Step + 1, ex.What);
            }
            gcPacer.Step();
            var took = clock.Elapsed - started;
            progress = progress.After(stats.Loss, stats.Correct, stats.Count, lr, took);
            onStep?.Invoke(new StepInfo(progress.Epoch, progress.Step, steps, stats.Count, took));
        }
        return progress with { Seconds = from.Seconds + clock.Elapsed.TotalSeconds };
    }
}
