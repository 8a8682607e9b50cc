namespace SingleDarts.Search.Data;

/// <summary>
/// A seeded, learnable, class-conditional image set for tests and the embedded default.
/// Class c is an oriented sinusoidal grating (its own angle and spatial frequency) tinted with
/// its own colour; each image draws a random phase, contrast and brightness, and pixel noise.
/// The phase makes the class a matter of local texture and colour, not of fixed pixel positions,
/// so a convolutional cell has to learn it (a linear model on raw pixels does poorly).
/// </summary>
public static class SyntheticImages
{
    public const int DefaultTrainSize = 10_000;

    public static Dataset Create(int classes, int trainCount, int testCount, int size, long dataSeed)
    {
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), "at least 2 classes are needed");
        if (trainCount < classes) throw new ArgumentOutOfRangeException(nameof(trainCount), "need at least one image per class");
        if (size < 4) throw new ArgumentOutOfRangeException(nameof(size), "images must be at least 4x4");

        var rng = Rng.For(dataSeed, "synthetic-classes");
        var prototypes = Enumerable.Range(0, classes).Select(c => new ClassPattern(
            Angle: Math.PI * c / classes + 0.3 * rng.NextDouble(),
            Frequency: 1.5 + 2.5 * rng.NextDouble(),
            Colour: [0.4 + 0.6 * rng.NextDouble(), 0.4 + 0.6 * rng.NextDouble(), 0.4 + 0.6 * rng.NextDouble()])).ToArray();
        var names = Enumerable.Range(0, classes).Select(c => $"class{c}").ToArray();

        var train = Draw(prototypes, names, trainCount, size, Rng.For(dataSeed, "synthetic-train"));
        var test = testCount > 0 ? Draw(prototypes, names, testCount, size, Rng.For(dataSeed, "synthetic-test")) : null;
        var (mean, std) = train.ChannelStatistics();
        return new Dataset($"synthetic(classes={classes},seed={dataSeed})", DataFormats.Synthetic, train, test, mean, std);
    }

    private sealed record ClassPattern(double Angle, double Frequency, double[] Colour);

    private static ImageSet Draw(ClassPattern[] classes, string[] names, int count, int size, Rng rng)
    {
        var labels = Enumerable.Range(0, count).Select(i => i % classes.Length).ToArray();
        rng.Shuffle(labels);
        var plane = size * size;
        var pixels = new byte[count * 3 * plane];
        for (var i = 0; i < count; i++)
        {
            var p = classes[labels[i]];
            var phase = 2 * Math.PI * rng.NextDouble();
            var contrast = 50 + 30 * rng.NextDouble();
            var brightness = 100 + 50 * rng.NextDouble();
            var (cos, sin) = (Math.Cos(p.Angle), Math.Sin(p.Angle));
            var k = 2 * Math.PI * p.Frequency / size;
            var offset = i * 3 * plane;
            for (var y = 0; y < size; y++)
                for (var x = 0; x < size; x++)
                {
                    var wave = Math.Sin(k * (x * cos + y * sin) + phase);
                    for (var c = 0; c < 3; c++)
                    {
                        var v = brightness * p.Colour[c] + contrast * p.Colour[c] * wave + 25 * rng.NextGaussian();
                        pixels[offset + c * plane + y * size + x] = (byte)Math.Clamp(Math.Round(v), 0, 255);
                    }
                }
        }
        return new ImageSet(pixels, labels, size, size, names);
    }
}
