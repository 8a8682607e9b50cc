using System.Globalization;
using SingleDarts.Search.IO;

namespace SingleDarts.Search.Data;

/// <summary>
/// <c>singledarts data check imagenet16-120</c>: are the eleven files of the 16×16 release in the folder, readable,
/// and as many images as the release has — 1,281,167 training and 50,000 validation images, 151,700 and 6,000 of them
/// of the first 120 classes (the counts NAS-Bench-201's loader asserts; see <see cref="ImageNet16"/>)?
/// </summary>
public static class ImageNet16Check
{
    /// <param name="Lines">what was found, a line per file and the totals.</param>
    /// <param name="Problems">one line per problem; none means the copy is complete.</param>
    public sealed record Result(IReadOnlyList<string> Lines, IReadOnlyList<string> Problems)
    {
        public bool Complete => Problems.Count == 0;
    }

    /// <summary>How many images a complete copy holds: in the training files (each, and in all) and in val_data, and of the first 120 classes.</summary>
    public sealed record Counts(Func<string, int> TrainRows, int Train, int Val, int Train120, int Val120)
    {
        /// <summary>The published release (the counts NAS-Bench-201's loader asserts, the per-file ones its generator's cut).</summary>
        public static readonly Counts Release = new(ImageNet16.ReleaseRows, ImageNet16.ReleaseTrain, ImageNet16.ReleaseVal, ImageNet16.Train120, ImageNet16.Val120);
    }

    /// <param name="folder">the dataset's folder (<c>…/ImageNet16</c> in the dataset cache).</param>
    /// <param name="progress">told each file's name before it is read (a file takes seconds).</param>
    /// <param name="expected">the counts of a complete copy: the release's unless a test says otherwise.</param>
    public static Result Run(string folder, Action<string>? progress = null, Counts? expected = null)
    {
        var lines = new List<string>();
        var problems = new List<string>();
        var rows = new Dictionary<string, (int Rows, int Kept)>();
        var missing = ImageNet16.Files.Where(f => !File.Exists(Path.Combine(folder, f))).ToList();
        if (missing.Count > 0)
            problems.Add($"{folder}: {string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} missing; the folder must hold {string.Join(", ", ImageNet16.Files)}");
        foreach (var name in ImageNet16.Files.Except(missing))
        {
            var path = Path.Combine(folder, name);
            progress?.Invoke(name);
            if (InputLimits.TooLarge(path, InputLimits.ArchiveEntryBytes, "a dataset file") is { } tooLarge)
            {
                problems.Add(tooLarge);
                continue;
            }
            try
            {
                var part = ImageNet16.Read(name, File.ReadAllBytes(path), folder);
                rows[name] = (part.Rows, part.Kept);
                lines.Add(Inv($"{name,-20} {part.Rows,9:N0} images, {part.Kept,7:N0} of the first {ImageNet16.Classes} classes"));
            }
            catch (DataException ex)
            {
                problems.Add(ex.Message);
            }
        }
        if (problems.Count == 0) Totals(rows, expected ?? Counts.Release, lines, problems);
        return new Result(lines, problems);
    }

    private static void Totals(Dictionary<string, (int Rows, int Kept)> rows, Counts expected, List<string> lines, List<string> problems)
    {
        var train = ImageNet16.TrainFiles.Sum(f => (long)rows[f].Rows);
        var train120 = ImageNet16.TrainFiles.Sum(f => (long)rows[f].Kept);
        var (val, val120) = rows[ImageNet16.ValFile];
        lines.Add(Inv($"train: {train:N0} images, {train120:N0} of the first {ImageNet16.Classes} classes; val: {val:N0}, {val120:N0}"));
        if (train != expected.Train)
        {
            var off = ImageNet16.TrainFiles.Where(f => rows[f].Rows != expected.TrainRows(f)).Select(f => Inv($"{f} has {rows[f].Rows:N0} of {expected.TrainRows(f):N0}"));
            problems.Add(Inv($"the training files hold {train:N0} images, the release {expected.Train:N0} ({string.Join(", ", off)})"));
        }
        else if (train120 != expected.Train120)
            problems.Add(Inv($"the training files hold {train120:N0} images of the first {ImageNet16.Classes} classes, not {expected.Train120:N0}: not the published release"));
        if (val != expected.Val) problems.Add(Inv($"{ImageNet16.ValFile} holds {val:N0} images, the release {expected.Val:N0}"));
        else if (val120 != expected.Val120)
            problems.Add(Inv($"{ImageNet16.ValFile} holds {val120:N0} images of the first {ImageNet16.Classes} classes, not {expected.Val120:N0}: not the published release"));
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
