using SingleDarts.Search.Data;
using SingleDarts.Search.Runs;

namespace SingleDarts.Search.Tests;

[Trait("Category", "unit")]
public class DataTests
{
    [Fact]
    public void Rng_is_reproducible_and_resumes_from_its_state()
    {
        var a = Rng.For(7, "x");
        var b = Rng.For(7, "x");
        var first = Enumerable.Range(0, 5).Select(_ => a.NextUInt64()).ToArray();
        Assert.Equal(first, Enumerable.Range(0, 5).Select(_ => b.NextUInt64()).ToArray());
        Assert.NotEqual(first, Enumerable.Range(0, 5).Select(_ => Rng.For(8, "x").NextUInt64()).ToArray());
        Assert.NotEqual(first[0], Rng.For(7, "y").NextUInt64());

        var saved = a.State;
        var next = Enumerable.Range(0, 5).Select(_ => a.NextInt(10)).ToArray();
        var c = new Rng(123) { State = saved };
        Assert.Equal(next, Enumerable.Range(0, 5).Select(_ => c.NextInt(10)).ToArray());
    }

    [Fact]
    public void Rng_integers_are_in_range_and_roughly_uniform()
    {
        var rng = new Rng(1);
        var counts = new int[7];
        for (var i = 0; i < 70_000; i++) counts[rng.NextInt(7)]++;
        Assert.All(counts, c => Assert.InRange(c, 9_500, 10_500));
        var perm = Enumerable.Range(0, 100).ToArray();
        rng.Shuffle(perm);
        Assert.Equal(Enumerable.Range(0, 100), perm.Order());
        Assert.NotEqual(Enumerable.Range(0, 100), perm);
    }

    [Fact]
    public void Synthetic_images_are_seeded_balanced_and_depend_on_the_data_seed()
    {
        var a = SyntheticImages.Create(4, 100, 20, 8, 0);
        var b = SyntheticImages.Create(4, 100, 20, 8, 0);
        var c = SyntheticImages.Create(4, 100, 20, 8, 1);
        Assert.Equal(a.Train.Pixels, b.Train.Pixels);
        Assert.Equal(a.Train.Labels, b.Train.Labels);
        Assert.NotEqual(a.Train.Pixels, c.Train.Pixels);
        Assert.Equal(100, a.Train.Count);
        Assert.Equal(20, a.Test!.Count);
        Assert.All(Enumerable.Range(0, 4), k => Assert.Equal(25, a.Train.Labels.Count(l => l == k)));
        Assert.All(a.Std, s => Assert.True(s > 0.05));
    }

    [Fact]
    public void Loader_without_augmentation_normalises_pixels_exactly()
    {
        var data = SyntheticImages.Create(3, 30, 0, 6, 0);
        var loader = new BatchLoader(data.Train, [4, 2], 2, shuffle: false, augment: false, data.Mean, data.Std, new Rng(1));
        using var batch = loader.Epoch().Single();
        var values = Tiny.Values(batch.Images);
        var image = data.Train.Image(4);
        for (var c = 0; c < 3; c++)
            for (var i = 0; i < 36; i++)
                Assert.Equal((float)((image[c * 36 + i] / 255.0 - data.Mean[c]) / data.Std[c]), values[c * 36 + i], 5);
        Assert.Equal([(long)data.Train.Labels[4], data.Train.Labels[2]], batch.Labels.data<long>().ToArray());
    }

    [Fact]
    public void Augmentation_crops_within_four_pixels_of_padding_and_flips()
    {
        // a single image whose pixel values encode their position: every augmented view must be a
        // shifted (±4, zero-padded) and possibly mirrored copy of it
        const int size = 8;
        var pixels = new byte[3 * size * size];
        for (var c = 0; c < 3; c++)
            for (var y = 0; y < size; y++)
                for (var x = 0; x < size; x++)
                    pixels[c * size * size + y * size + x] = (byte)(1 + y * size + x);
        var set = new ImageSet(pixels, [0], size, size, ["a", "b"]);
        var loader = new BatchLoader(set, [0], 1, shuffle: false, augment: true, [0f, 0f, 0f], [1 / 255f, 1 / 255f, 1 / 255f], new Rng(3));
        var flips = 0;
        var shifts = new HashSet<(int, int)>();
        for (var trial = 0; trial < 200; trial++)
        {
            using var batch = loader.Epoch().Single();
            var v = Tiny.Values(batch.Images).Select(f => (int)Math.Round(f)).ToArray();
            var found = false;
            for (var dy = -4; dy <= 4 && !found; dy++)
                for (var dx = -4; dx <= 4 && !found; dx++)
                    foreach (var flip in new[] { false, true })
                        if (Matches(v, dx, dy, flip))
                        {
                            found = true;
                            shifts.Add((dx, dy));
                            if (flip) flips++;
                            break;
                        }
            Assert.True(found, "an augmented image is not a padded crop (±4) of the original, flipped or not");
        }
        Assert.InRange(flips, 60, 140);
        Assert.True(shifts.Count > 30, $"only {shifts.Count} distinct crops in 200 draws");

        static bool Matches(int[] v, int dx, int dy, bool flip)
        {
            for (var y = 0; y < size; y++)
                for (var x = 0; x < size; x++)
                {
                    var sy = y + dy;
                    var sx = (flip ? size - 1 - x : x) + dx;
                    var expected = sy < 0 || sy >= size || sx < 0 || sx >= size ? 0 : 1 + sy * size + sx;
                    if (v[y * size + x] != expected) return false;
                }
            return true;
        }
    }

    [Fact]
    public void Loader_order_is_seeded_and_covers_the_subset_once_per_epoch()
    {
        var data = SyntheticImages.Create(4, 40, 0, 4, 0);
        int[] subset = [.. Enumerable.Range(5, 30)];
        List<long> Labels(BatchLoader l) => l.Epoch().SelectMany(b => { using (b) return b.Labels.data<long>().ToArray(); }).ToList();
        var a = new BatchLoader(data.Train, subset, 8, true, true, data.Mean, data.Std, Rng.For(1, "t"));
        var b = new BatchLoader(data.Train, subset, 8, true, true, data.Mean, data.Std, Rng.For(1, "t"));
        Assert.Equal(4, a.BatchesPerEpoch);
        var epochA = Labels(a);
        Assert.Equal(epochA, Labels(b));
        Assert.Equal(subset.Select(i => (long)data.Train.Labels[i]).Order(), epochA.Order());
        Assert.NotEqual(epochA, Labels(a)); // the next epoch is shuffled anew
    }

    [Fact]
    public void Split_takes_the_first_portion_for_search_and_the_rest_for_validation()
    {
        var (search, heldOut) = Datasets.Split(10, 0.5);
        Assert.Equal([0, 1, 2, 3, 4], search);
        Assert.Equal([5, 6, 7, 8, 9], heldOut);
        var (all, none) = Datasets.Split(10, 1.0);
        Assert.Equal(10, all.Length);
        Assert.Empty(none);
    }

    [Fact]
    public void Prefetching_yields_exactly_the_batches_and_draws_of_enumerating_in_place()
    {
        var data = SyntheticImages.Create(4, 50, 0, 6, 0);
        BatchLoader Loader() => new(data.Train, [.. Enumerable.Range(0, 50)], 8, true, true, data.Mean, data.Std, Rng.For(3, "p"));
        var inPlace = Loader();
        var expected = inPlace.Cycle(11).Select(b => { using (b) return (Tiny.Values(b.Images), b.Labels.data<long>().ToArray()); }).ToList();

        var prefetched = Loader();
        using (var source = new PrefetchingSource(prefetched.Cycle(11)))
        {
            for (var i = 0; i < 11; i++)
                using (var b = source.Next())
                {
                    Assert.Equal(expected[i].Item1, Tiny.Values(b.Images));
                    Assert.Equal(expected[i].Item2, b.Labels.data<long>().ToArray());
                }
            Assert.Equal(11, source.Pulled);
            Assert.Throws<InvalidOperationException>(() => source.Next());
        }
        Assert.Equal(inPlace.RngState, prefetched.RngState); // 11 batches = one epoch of 7 and 4 more: same draws
    }

    [Fact]
    public async Task Disposing_a_prefetching_source_early_stops_the_producer()
    {
        var data = SyntheticImages.Create(4, 200, 0, 6, 0);
        var loader = new BatchLoader(data.Train, [.. Enumerable.Range(0, 200)], 4, true, true, data.Mean, data.Std, new Rng(1));
        var produced = 0;
        IEnumerable<Strategies.Batch> Counted()
        {
            foreach (var batch in loader.Epoch())
            {
                Interlocked.Increment(ref produced);
                yield return batch;
            }
        }
        var source = new PrefetchingSource(Counted(), depth: 2);
        source.Next().Dispose();
        // Dispose must return (not hang on the producer blocked on the full queue), and the producer must stop there
        var disposing = Task.Run(source.Dispose);
        Assert.True(await Task.WhenAny(disposing, Task.Delay(TimeSpan.FromSeconds(10))) == disposing, "Dispose did not return within 10 s: the producer was not stopped");
        var stoppedAt = Volatile.Read(ref produced);
        Assert.InRange(stoppedAt, 1, 1 + 2 + 1);          // the batch taken, a full queue of 2, the one the producer was adding
        await Task.Delay(100);
        Assert.Equal(stoppedAt, Volatile.Read(ref produced));   // of the epoch's 50 batches, no more are made
    }
}
