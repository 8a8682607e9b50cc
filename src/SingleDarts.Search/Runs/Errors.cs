namespace SingleDarts.Search.Runs;

/// <summary>A user mistake in the options or inputs of a run: reported as one line per problem, never a stack trace.</summary>
public sealed class SearchConfigException(IReadOnlyList<string> problems) : Exception(string.Join("; ", problems))
{
    public SearchConfigException(string problem) : this([problem]) { }

    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>The loss became NaN or infinite: the run cannot continue.</summary>
public sealed class SearchDivergedException(int epoch, int step, double loss)
    : Exception($"the training loss became {loss} at epoch {epoch}, step {step}")
{
    public int Epoch { get; } = epoch;
    public int Step { get; } = step;
}
