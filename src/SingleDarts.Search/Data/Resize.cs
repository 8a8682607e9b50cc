namespace SingleDarts.Search.Data;

/// <summary>
/// Area resampling of a CHW byte image (each output pixel is the area-weighted mean of the input
/// pixels it covers, like OpenCV's INTER_AREA); for 32→16 it is the exact 2×2 mean.
/// </summary>
public static class Resize
{
    public static byte[] Area(ReadOnlySpan<byte> src, int height, int width, int size)
    {
        if (height == size && width == size) return src.ToArray();
        var rows = Weights(height, size);
        var cols = Weights(width, size);
        var dst = new byte[3 * size * size];
        var plane = height * width;
        for (var c = 0; c < 3; c++)
            for (var y = 0; y < size; y++)
                for (var x = 0; x < size; x++)
                {
                    double sum = 0;
                    foreach (var (sy, wy) in rows[y])
                        foreach (var (sx, wx) in cols[x])
                            sum += wy * wx * src[c * plane + sy * width + sx];
                    dst[c * size * size + y * size + x] = (byte)Math.Clamp(Math.Round(sum), 0, 255);
                }
        return dst;
    }

    /// <summary>For each output index, the input indices it covers and their normalised overlaps.</summary>
    private static (int Index, double Weight)[][] Weights(int from, int to)
    {
        var scale = (double)from / to;
        var result = new (int, double)[to][];
        for (var o = 0; o < to; o++)
        {
            double start = o * scale, end = (o + 1) * scale;
            var list = new List<(int, double)>();
            for (var i = (int)Math.Floor(start); i < Math.Min(from, (int)Math.Ceiling(end)); i++)
            {
                var overlap = Math.Min(end, i + 1) - Math.Max(start, i);
                if (overlap > 1e-12) list.Add((i, overlap / scale));
            }
            result[o] = list.ToArray();
        }
        return result;
    }
}
