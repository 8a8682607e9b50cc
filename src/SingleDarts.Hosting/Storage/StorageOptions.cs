using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using SingleDarts.Grains;
using SingleDarts.Search.Checkpoints;

namespace SingleDarts.Hosting.Storage;

/// <summary>
/// Where sweeps keep what must survive (section <c>SingleDarts:Storage</c>):
/// <list type="bullet">
/// <item><c>local</c> (default): grain state in memory (<c>GrainState: memory</c>) or in a folder
/// (<c>folder</c>, <see cref="StateFolder"/>); checkpoints in each seed's run folder; in-memory reminders;
/// localhost clustering.</item>
/// <item><c>azure</c>: grain state in Azure Table (<c>table</c>, default) or Blob (<c>blob</c>) storage,
/// checkpoints in a Blob container, reminders and cluster membership in Azure Tables — one
/// connection string, from the environment (<c>SingleDarts__Storage__ConnectionString</c> or
/// <c>ConnectionStrings__SingleDartsStorage</c>), never from a committed file.</item>
/// </list>
/// </summary>
public sealed partial class StorageOptions
{
    public const string Section = "SingleDarts:Storage";
    public const string ConnectionStringName = "SingleDartsStorage";

    public string Kind { get; set; } = "local";

    /// <summary>local: memory | folder; azure: table | blob. Empty: <see cref="LocalGrainStateDefault"/> (local), table (azure).</summary>
    public string? GrainState { get; set; }

    /// <summary>The local grain state when none is configured: memory for the CLI's embedded silo, folder for the silo host.</summary>
    public string LocalGrainStateDefault { get; set; } = "memory";
    public string StateFolder { get; set; } = "state";
    public string? ConnectionString { get; set; }
    public string CheckpointContainer { get; set; } = "singledarts-checkpoints";
    public string StateContainer { get; set; } = "singledarts-state";
    public string StateTable { get; set; } = "SingleDartsState";
    public string ReminderTable { get; set; } = "SingleDartsReminders";
    public string ClusterTable { get; set; } = "SingleDartsCluster";

    /// <summary>Newest checkpoints kept per seed.</summary>
    public int KeepCheckpoints { get; set; } = 2;

    /// <summary>How long a seed waits out a checkpoint store that is down before it fails (its earlier checkpoints stay).</summary>
    public double CheckpointRetrySeconds { get; set; } = 300;

    public bool IsAzure => string.Equals(Kind, "azure", StringComparison.OrdinalIgnoreCase);
    public string EffectiveGrainState => (GrainState ?? "").Trim().ToLowerInvariant() is { Length: > 0 } g ? g : IsAzure ? "table" : LocalGrainStateDefault;

    public CheckpointPolicy CheckpointPolicy => new() { Keep = KeepCheckpoints, RetryFor = TimeSpan.FromSeconds(CheckpointRetrySeconds) };

    public static StorageOptions From(IConfiguration configuration, string localGrainStateDefault = "memory")
    {
        var options = configuration.GetSection(Section).Get<StorageOptions>() ?? new StorageOptions();
        options.LocalGrainStateDefault = localGrainStateDefault;
        if (string.IsNullOrWhiteSpace(options.ConnectionString)) options.ConnectionString = configuration.GetConnectionString(ConnectionStringName);
        return options;
    }

    /// <summary>Every problem with the settings, each naming its key.</summary>
    public List<string> Validate()
    {
        var problems = new List<string>();
        var kind = Kind.Trim().ToLowerInvariant();
        if (kind is not ("local" or "azure"))
        {
            problems.Add($"{Section}:Kind must be local or azure, got '{Kind}'");
            return problems;
        }
        var allowed = IsAzure ? new[] { "table", "blob" } : ["memory", "folder"];
        if (!allowed.Contains(EffectiveGrainState))
            problems.Add($"{Section}:GrainState must be {string.Join(" or ", allowed)} with {kind} storage, got '{GrainState}'");
        if (KeepCheckpoints < 1) problems.Add($"{Section}:KeepCheckpoints must be at least 1, got {KeepCheckpoints}");
        if (CheckpointRetrySeconds < 0) problems.Add($"{Section}:CheckpointRetrySeconds must not be negative, got {CheckpointRetrySeconds}");
        if (!IsAzure)
        {
            if (EffectiveGrainState == "folder" && string.IsNullOrWhiteSpace(StateFolder)) problems.Add($"{Section}:StateFolder must name a folder");
            return problems;
        }
        if (string.IsNullOrWhiteSpace(ConnectionString))
            problems.Add($"azure storage needs a connection string: set SingleDarts__Storage__ConnectionString (or ConnectionStrings__{ConnectionStringName}) in the environment");
        else if (!ConnectionString.Contains('=', StringComparison.Ordinal))
            problems.Add($"{Section}:ConnectionString is not a storage connection string (Key=Value;...)");
        else if (ParseProblem(ConnectionString) is { } problem)
            problems.Add($"{Section}:ConnectionString is not a usable storage connection string: {problem}");
        foreach (var (key, value) in new[] { ("CheckpointContainer", CheckpointContainer), ("StateContainer", StateContainer) })
            if (!ContainerName().IsMatch(value)) problems.Add($"{Section}:{key} '{value}' is not a container name (3-63 lowercase letters, digits, single hyphens)");
        foreach (var (key, value) in new[] { ("StateTable", StateTable), ("ReminderTable", ReminderTable), ("ClusterTable", ClusterTable) })
            if (!TableName().IsMatch(value)) problems.Add($"{Section}:{key} '{value}' is not a table name (3-63 letters and digits, a letter first)");
        return problems;
    }

    /// <summary>What the Azure SDK says of a connection string it cannot use (credentials never quoted); null when it can.</summary>
    private static string? ParseProblem(string connectionString)
    {
        try
        {
            _ = new Azure.Storage.Blobs.BlobServiceClient(connectionString);
            _ = new Azure.Data.Tables.TableServiceClient(connectionString);
            return null;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            return Secrets.Redact(ex.Message.Split('\n')[0].Trim());
        }
    }

    /// <summary>What the storage is, safe to log (no credentials).</summary>
    public string Describe() => IsAzure
        ? $"azure ({Secrets.Describe(ConnectionString ?? "")}): grain state in {EffectiveGrainState} storage, checkpoints in container {CheckpointContainer}, keep {KeepCheckpoints}"
        : $"local: grain state in {(EffectiveGrainState == "folder" ? $"folder {Path.GetFullPath(StateFolder)}" : "memory")}, checkpoints in the run folders, keep {KeepCheckpoints}";

    [GeneratedRegex("^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex ContainerName();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    private static partial Regex TableName();
}

/// <summary>The storage settings are wrong (the silo does not start; each problem names its key).</summary>
public sealed class StorageConfigException(IReadOnlyList<string> problems) : Exception(string.Join("; ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
