namespace SingleDarts.Search;

/// <summary>A user mistake in the options or inputs of a run: reported as one line per problem, never a stack trace.</summary>
public sealed class SearchConfigException(IReadOnlyList<string> problems) : Exception(string.Join("; ", problems))
{
    public SearchConfigException(string problem) : this([problem]) { }

    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// A loss, a gradient or the trained state became NaN or infinite: the run cannot continue.
/// <paramref name="what"/> says which ("the gradient of w became NaN (first in …)"); step 0 means
/// the check at the end of the epoch.
/// </summary>
public sealed class SearchDivergedException(int epoch, int step, string what)
    : Exception(step > 0 ? $"{what} at epoch {epoch}, step {step}" : $"{what} after epoch {epoch}")
{
    public int Epoch { get; } = epoch;
    public int Step { get; } = step;
}
