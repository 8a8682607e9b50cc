using System.Reflection;
using Microsoft.Extensions.Configuration;
using Orleans.Hosting.Kubernetes;
using SingleDarts.Hosting;
using SingleDarts.Hosting.Storage;
using SingleDarts.Search.Data;
using SingleDarts.Silo;

namespace SingleDarts.Grains.Tests;

/// <summary>
/// Every configuration key and environment variable the code reads, derived from the code: the
/// options classes (each type with a <c>const string Section</c> in the Grains, Hosting and Silo
/// assemblies, and their settable properties, nested classes as sub-sections) plus the few plain
/// variables the code names as constants.
/// </summary>
internal static class ConfigurationKeys
{
    public static IReadOnlyList<Type> OptionTypes { get; } =
    [
        .. new[] { typeof(WorkerOptions).Assembly, typeof(ClusterSettings).Assembly, typeof(SiloHost).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => t.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } f && f.FieldType == typeof(string)),
    ];

    /// <summary>"Section:Property[:Nested]" for every settable property.</summary>
    public static IReadOnlySet<string> Keys { get; } = OptionTypes
        .SelectMany(t => KeysOf(t, (string)t.GetField("Section")!.GetRawConstantValue()!)).ToHashSet(StringComparer.Ordinal);

    /// <summary>The keys as environment variables (':' written '__') and the variables the code reads by name.</summary>
    public static IReadOnlySet<string> EnvironmentVariables { get; } = Keys.Select(k => k.Replace(":", "__", StringComparison.Ordinal))
        .Append($"ConnectionStrings__{StorageOptions.ConnectionStringName}")
        .Append(DatasetCache.EnvironmentVariable)
        .Concat(typeof(KubernetesHostingOptions).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.Name.EndsWith("EnvironmentVariable", StringComparison.Ordinal)).Select(f => (string)f.GetRawConstantValue()!))
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>A variable the code (or a library it configures from the environment: the OTLP exporter) reads.</summary>
    public static bool IsKnown(string variable) =>
        EnvironmentVariables.Contains(variable) || IsArrayItem(variable) || variable.StartsWith("OTEL_EXPORTER_OTLP_", StringComparison.Ordinal);

    /// <summary>The configuration a container would see: variables as keys (':' for '__').</summary>
    public static IConfiguration Configuration(IEnumerable<KeyValuePair<string, string>> environment) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(environment.Select(e => KeyValuePair.Create(e.Key.Replace("__", ":", StringComparison.Ordinal), (string?)e.Value)))
            .Build();

    private static bool IsArrayItem(string variable)
    {
        var cut = variable.LastIndexOf("__", StringComparison.Ordinal);
        return cut > 0 && int.TryParse(variable[(cut + 2)..], out _) && EnvironmentVariables.Contains(variable[..cut]);
    }

    private static IEnumerable<string> KeysOf(Type type, string prefix)
    {
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true))
        {
            var t = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
            if (t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(TimeSpan) || t == typeof(decimal) || t.IsArray) yield return $"{prefix}:{p.Name}";
            else foreach (var k in KeysOf(t, $"{prefix}:{p.Name}")) yield return k;
        }
    }
}
