using System.Text.RegularExpressions;

namespace SingleDarts.Grains;

/// <summary>Keeps storage credentials out of logs and messages.</summary>
public static partial class Secrets
{
    /// <summary>The text with account keys, SAS signatures and passwords replaced by "***".</summary>
    public static string Redact(string text) => Credential().Replace(text, m => $"{m.Groups[1].Value}***");

    /// <summary>The first line of an exception's innermost message, without credentials (for logs and one-line errors).</summary>
    public static string Brief(Exception ex) => Redact(ex.GetBaseException().Message.Split('\n')[0].Trim());

    /// <summary>What a connection string points at, without its credentials: the account and endpoints.</summary>
    public static string Describe(string connectionString)
    {
        var parts = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2)
            .Where(p => p[0] is "AccountName" or "BlobEndpoint" or "TableEndpoint" or "EndpointSuffix" || p[0] == "UseDevelopmentStorage")
            .Select(p => $"{p[0]}={p[1]}");
        return string.Join(";", parts);
    }

    [GeneratedRegex(@"((?:AccountKey|SharedAccessSignature|Password|sig)\s*=\s*)[^;&\s""']+", RegexOptions.IgnoreCase)]
    private static partial Regex Credential();
}
