using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;
using SingleDarts.Search.Data;
using SingleDarts.Search.Runs;

using SingleDarts.Search;

using SingleDarts.Hosting;

namespace SingleDarts.Cli;

/// <summary>
/// Exit codes: 0 success; 1 a failure of the run itself; 2 a user mistake (bad option, bad input),
/// reported as one line per problem on stderr without a stack trace; 3 the search diverged
/// (NaN/Inf loss, gradient or state); 4 a sweep ended with every one of its seeds failed;
/// 130 cancelled (Ctrl+C).
/// </summary>
public static class CliRunner
{
    public const int Ok = 0, Failed = 1, UsageError = 2, Diverged = 3, SweepFailed = 4, Cancelled = 130;

    public static int Run(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"error: {Describe(error)}");
            return UsageError;
        }
        try
        {
            // Ctrl+C cancels between steps; a full-size DARTS-V2 step takes seconds, so wait for it.
            return parse.Invoke(new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = TimeSpan.FromSeconds(60),
            });
        }
        catch (Exception ex) when (Unwrap(ex) is SearchConfigException config)
        {
            foreach (var problem in config.Problems) Console.Error.WriteLine($"error: {problem}");
            return UsageError;
        }
        catch (Exception ex) when (Unwrap(ex) is Hosting.Storage.StorageConfigException storage)
        {
            foreach (var problem in storage.Problems) Console.Error.WriteLine($"error: {problem}");
            return UsageError;
        }
        catch (Exception ex) when (Unwrap(ex) is Hosting.SiloConfigException silo)
        {
            foreach (var problem in silo.Problems) Console.Error.WriteLine($"error: {problem}");
            return UsageError;
        }
        catch (Exception ex) when (Unwrap(ex) is Reports.ReportException report)
        {
            Console.Error.WriteLine($"error: {report.Message}");
            return UsageError;
        }
        catch (Exception ex) when (Unwrap(ex) is DataException data)
        {
            foreach (var line in data.Message.Split(Environment.NewLine)) Console.Error.WriteLine($"error: {line}");
            return UsageError;
        }
        catch (Exception ex) when (Unwrap(ex) is DownloadException download)
        {
            Console.Error.WriteLine($"error: {download.Message}");
            return Failed;
        }
        catch (Exception ex) when (Unwrap(ex) is SearchDivergedException diverged)
        {
            Console.Error.WriteLine($"error: {diverged.Message}");
            return Diverged;
        }
        catch (Exception ex) when (Unwrap(ex) is Search.Strategies.NonFiniteException nonFinite)
        {
            // a step outside a run (bench): no epoch to name
            Console.Error.WriteLine($"error: {nonFinite.Message}");
            return Diverged;
        }
        catch (Exception ex) when (Unwrap(ex) is OperationCanceledException)
        {
            // only a run has something to continue; a query (sweep status, list, export) just stops
            Console.Error.WriteLine(parse.CommandResult.Command.Name is "search" or "evaluate"
                ? "cancelled: the run is in its checkpoints (mid-epoch where one was written); continue with --resume"
                : "cancelled");
            return Cancelled;
        }
        catch (Exception ex) when (Unwrap(ex) is ClusterException cluster)
        {
            Console.Error.WriteLine($"error: {cluster.Message}");
            return Failed;
        }
        catch (Exception ex) when (Unwrap(ex) is TimeoutException timeout && timeout.Message.Contains("did not arrive on time", StringComparison.Ordinal))
        {
            // a gateway that hangs (stopped process, lost host) rather than refusing: Orleans' response timeout
            Console.Error.WriteLine("error: the cluster did not answer within 30 s: its gateway stopped or hangs; check the silo at --gateway and try again");
            return Failed;
        }
        catch (Exception ex) when (Unwrap(ex) is TypeLoadException typeLoad && VersionMismatch(typeLoad.Message) is { } missing)
        {
            // a silo built from another version of the grain interfaces cannot resolve the call this CLI makes
            Console.Error.WriteLine($"error: the cluster's silos run another version of SingleDarts: they do not know {missing}; use the CLI of the silos' version, or upgrade the silos");
            return Failed;
        }
        catch (Exception ex) when (Unwrap(ex) is Orleans.Runtime.OrleansException or TimeoutException or System.Net.Sockets.SocketException)
        {
            // the gateway went away mid-command (a local sweep ended, a silo stopped)
            Console.Error.WriteLine($"error: lost the connection to the cluster ({Unwrap(ex).Message.Split('\n')[0].Trim()})");
            return Failed;
        }
        catch (Exception ex) when (Unwrap(ex) is Search.Checkpoints.CheckpointStoreException store)
        {
            // earlier checkpoints are intact: the run continues with --resume once the store is back (or space is freed)
            Console.Error.WriteLine(store.InnerException is Search.IO.DiskFullException
                ? $"error: {store.Message}; the run stopped, its earlier checkpoints intact: free space, then continue it with --resume"
                : $"error: {store.Message}; the run stopped after its last checkpoint, continue it with --resume");
            return Failed;
        }
        catch (Exception ex) when (Unwrap(ex) is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {Unwrap(ex).Message}");
            return Failed;
        }
    }

    /// <summary>"ISweepGrain.GetSeedStage" from Orleans' "Unable to resolve type alias" for a call the other side does not have; null for other type-load failures.</summary>
    public static string? VersionMismatch(string message) =>
        Regex.Match(message, @"Unable to resolve type alias .*\[[\w.]*\.(?<grain>I\w+)\],""(?<method>\w+)""") is { Success: true } m
            ? $"{m.Groups["grain"].Value}.{m.Groups["method"].Value}"
            : null;

    /// <summary>The parser's message, prefixed with the option it is about when it does not name it.</summary>
    private static string Describe(ParseError error)
    {
        var symbol = error.SymbolResult;
        while (symbol is not null and not OptionResult and not CommandResult) symbol = symbol.Parent;
        var message = Plain(Regex.Replace(error.Message, @"\s*\n\s*", " "));
        return symbol is OptionResult option && !message.Contains(option.Option.Name, StringComparison.Ordinal)
            ? $"{option.Option.Name}: {message}"
            : message;
    }

    /// <summary>System.CommandLine's "Cannot parse argument 'x' for option '--epochs' as expected type 'System.Int32'." in words a user knows.</summary>
    private static string Plain(string message) =>
        Regex.Replace(message, @"^Cannot parse argument '(?<value>.*)' for (option|command|argument) '(?<name>[^']*)' as expected type '(?<type>[\w.`\[\]]+)'\.?",
            m => $"{m.Groups["name"].Value}: {Search.IO.InputLimits.Quote(m.Groups["value"].Value)} is not {Kind(m.Groups["type"].Value)}");

    private static string Kind(string type) => type switch
    {
        _ when type.Contains("Int32", StringComparison.Ordinal) => $"a whole number from {int.MinValue} to {int.MaxValue}",
        _ when type.Contains("Int64", StringComparison.Ordinal) => "a whole number",
        _ when type.Contains("Double", StringComparison.Ordinal) || type.Contains("Single", StringComparison.Ordinal) => "a number",
        _ when type.Contains("Boolean", StringComparison.Ordinal) => "true or false",
        _ => "a valid value",
    };

    private static Exception Unwrap(Exception ex) =>
        ex is AggregateException { InnerExceptions.Count: 1 } agg ? Unwrap(agg.InnerExceptions[0]) : ex;
}
