using System.CommandLine;
using System.Globalization;
using SingleDarts.Hosting;
using SingleDarts.Hosting.Storage;
using SingleDarts.Search;
using SingleDarts.Search.Checkpoints;
using SingleDarts.Search.Options;

namespace SingleDarts.Cli;

/// <summary>
/// What a run command (search, evaluate) takes beyond its run's options — how it runs here, not what it computes, so none of
/// it is recorded or checked on --resume: how long a checkpoint write that fails transiently is retried.
/// </summary>
public sealed class RunSettings
{
    /// <summary>The most seconds the retry budget may be (a week).</summary>
    public const double MaxRetrySeconds = 7 * 24 * 3600;

    public Option<double?> CheckpointRetry { get; } = new("--checkpoint-retry")
    {
        Description = "seconds a checkpoint write that fails transiently (a lost mount) is retried, with delays doubling from 1 s to 30 s, before the run stops " +
                      "(0: no retry); a full disk stops it at once (default: $SingleDarts__Storage__CheckpointRetrySeconds, as on a silo, else 300)",
    };

    public void AddTo(Command command) => command.Options.Add(CheckpointRetry);

    /// <summary>The checkpoint policy: --checkpoint-retry, else the environment's SingleDarts:Storage:CheckpointRetrySeconds, else the default.</summary>
    /// <exception cref="SearchConfigException">a value that is not a number of seconds in 0..<see cref="MaxRetrySeconds"/>.</exception>
    public CheckpointPolicy Policy(ParseResult parse)
    {
        var (seconds, source) = parse.GetValue(CheckpointRetry) is { } given ? (given, "--checkpoint-retry") : FromEnvironment();
        if (!double.IsFinite(seconds) || seconds < 0 || seconds > MaxRetrySeconds)
            throw new SearchConfigException(string.Create(CultureInfo.InvariantCulture, $"{source} must be a number of seconds in 0..{MaxRetrySeconds}, got {seconds}"));
        return new CheckpointPolicy { RetryFor = TimeSpan.FromSeconds(seconds) };
    }

    private static (double Seconds, string Source) FromEnvironment()
    {
        const string variable = "SingleDarts__Storage__CheckpointRetrySeconds";
        try
        {
            return (StorageOptions.From(ClusterConnection.Environment).CheckpointRetrySeconds, variable);
        }
        catch (InvalidOperationException)
        {
            throw new SearchConfigException($"{variable} must be a number of seconds, got '{Environment.GetEnvironmentVariable(variable)}'");
        }
    }

    /// <summary>Says on stderr when the run's threads are more than this machine's cores (a slow run, not a different one).</summary>
    public static void WarnAboutThreads(int threads)
    {
        if (ThreadCount.Oversubscription(threads) is { } warning) Console.Error.WriteLine($"warning: {warning}");
    }
}
