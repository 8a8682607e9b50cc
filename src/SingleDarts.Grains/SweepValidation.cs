using SingleDarts.Abstractions;
using SingleDarts.Search;
using SingleDarts.Search.Measurement;
using SingleDarts.Search.Metrics;
using SingleDarts.Search.Options;
using SingleDarts.Search.Runs;
using SingleDarts.Search.Spaces;

namespace SingleDarts.Grains;

/// <summary>Checks a sweep spec completely and turns it into per-seed search options.</summary>
public static class SweepValidation
{
    /// <summary>Every problem with the spec, each one sentence naming what is wrong; empty when it can run.</summary>
    public static IReadOnlyList<string> Validate(SweepSpec spec, string? sweepId = null)
    {
        var problems = new List<string>();
        if (sweepId is not null && !SweepKeys.IsValidId(sweepId))
            problems.Add($"sweep id '{sweepId}' may only hold letters, digits, '.', '_' and '-' (at most 100, not starting with '.')");
        if (spec.Methods.Length == 0) problems.Add("methods: give at least one method");
        foreach (var m in spec.Methods.Where(m => spec.MethodJsonOf(m) is null && !MethodPresets.TryGet(m, out _)).Distinct())
            problems.Add($"methods: unknown method '{m}' (known: {MethodPresets.Known}; a composed method is a mapping {{name: …, preset: …, level: …}})");
        foreach (var m in spec.Methods.GroupBy(m => m).Where(g => g.Count() > 1))
            problems.Add($"methods: '{m.Key}' is listed {m.Count()} times");
        foreach (var m in spec.MethodJson?.Keys.Where(m => !spec.Methods.Contains(m)) ?? [])
            problems.Add($"methods.{m}: '{m}' is not one of the sweep's methods ({string.Join(", ", spec.Methods)})");
        foreach (var (m, json) in spec.MethodJson ?? [])
            problems.AddRange(MethodPartsProblems(m, json));
        if (spec.MethodSeeds is null)
        {
            if (spec.Seeds.Length == 0) problems.Add("seeds: give at least one seed");
            foreach (var s in spec.Seeds.GroupBy(s => s).Where(g => g.Count() > 1))
                problems.Add($"seeds: {s.Key} is listed {s.Count()} times");
        }
        else
        {
            foreach (var m in spec.MethodSeeds.Keys.Where(m => !spec.Methods.Contains(m)))
                problems.Add($"seeds.{m}: '{m}' is not one of the sweep's methods ({string.Join(", ", spec.Methods)})");
            foreach (var m in spec.Methods.Distinct())
            {
                var seeds = spec.SeedsOf(m);
                if (seeds.Length == 0) problems.Add($"seeds.{m}: give at least one seed");
                foreach (var s in seeds.GroupBy(s => s).Where(g => g.Count() > 1))
                    problems.Add($"seeds.{m}: {s.Key} is listed {s.Count()} times");
            }
        }
        var shared = SearchOptionsJson.Parse(spec.SearchJson, problems);
        if (shared is not null && SearchSpaces.TryGet(shared.Space, out var space))
        {
            var rules = CollapseRules.Of(space);
            if (spec.CollapseRule.Length > 0 && !rules.Contains(spec.CollapseRule))
                problems.Add($"collapse_rule: unknown rule '{spec.CollapseRule}' for the {space.Name} space (known: {string.Join(", ", rules)})");
            var (rule, _) = CollapseRuleOf(spec, space);
            if (spec.CollapseThreshold < 0 || spec.CollapseThreshold > space.CountedEdges)
                problems.Add($"collapse_threshold must be in 1..{space.CountedEdges} ({rule} edges of the {space.Name} space's counted cell; 0 or none: {space.DefaultCollapseThreshold}), got {spec.CollapseThreshold}");
        }
        if (shared is not null)
        {
            var known = spec.Methods.Where(m => spec.MethodJsonOf(m) is not null || MethodPresets.TryGet(m, out _)).Distinct().DefaultIfEmpty(shared.Method);
            var methodProblems = new List<string>();
            foreach (var m in known)
            {
                var parsed = SearchOptionsJson.ForMethod(spec.SearchJson, m, spec.MethodJsonOf(m), methodProblems);
                var section = spec.MethodJsonOf(m) is null ? "search" : $"methods.{m}";
                foreach (var problem in parsed?.Validate() ?? []) methodProblems.Add($"{section}: {problem.TrimStart('-')}");
            }
            problems.AddRange(methodProblems.Distinct());
        }
        if (spec.DartsEs is { } es && shared is not null)
            problems.AddRange(EarlyStopOf(es).Problems(shared.Epochs, shared.HessianEvery));
        if (spec.AlarmEpochs < -1) problems.Add($"collapse_alarm.epochs must be at least 1 (or the alarm off), got {spec.AlarmEpochs}");
        if (spec.AlarmWarmup is { } warmup && !(warmup >= 0 && warmup < 1))          // NaN and the infinities fail too
            problems.Add($"collapse_alarm.warmup must be a share of the epochs from 0 to below 1 (0.5: no alarm in the first half), got {spec.AlarmWarmup}");
        if (spec.StopOnCollapse && spec.AlarmEpochs == -1) problems.Add("on_collapse: stop needs the collapse alarm, which is off");
        if (shared is not null && SearchSpaces.TryGet(shared.Space, out var alarmSpace) && (spec.AlarmThreshold < 0 || spec.AlarmThreshold > alarmSpace.CountedEdges))
            problems.Add($"collapse_alarm.threshold must be in 1..{alarmSpace.CountedEdges} (left out: the collapse threshold), got {spec.AlarmThreshold}");
        if (spec.EvaluateJson is { } evaluate && shared is not null && SearchSpaces.TryGet(shared.Space, out var evalSpace))
        {
            var options = EvalOptionsJson.ForSweep(evaluate, shared, problems);
            // any genotype of the space stands in for the seeds' (each is checked again when its evaluation starts)
            if (options is not null)
                foreach (var problem in (options with { Arch = Placeholder(evalSpace) }).Validate())
                    problems.Add($"evaluate: {problem.TrimStart('-')}");
        }
        // the shared options are parsed once for the sweep and again for each method: a problem in them is said once
        return [.. problems.Distinct()];
    }

    /// <summary>A composed method's mapping: only the parts' keys, a preset named, and a name of its own.</summary>
    private static IEnumerable<string> MethodPartsProblems(string method, string json)
    {
        var problems = new List<string>();
        if (OptionsJson<SearchOptions>.Object(json, $"methods.{method}", problems) is not { } parts) return problems;
        foreach (var key in parts.Select(p => p.Key).Where(k => !SearchOptionsJson.MethodKeys.Contains(k)))
            problems.Add($"methods.{method}.{key}: not a part of a method (known: name, {string.Join(", ", SearchOptionsJson.MethodKeys)}; shared options go in search)");
        if (!parts.ContainsKey("preset"))
            problems.Add($"methods.{method}: name the preset it is composed from (preset: one of {MethodPresets.Known})");
        if (MethodPresets.TryGet(method, out _))
            problems.Add($"methods.{method}: a composed method needs a name of its own, not the preset's '{method}' (its results must not pass for the published method's)");
        return problems;
    }

    private static string Placeholder(ISearchSpace space)
    {
        var rows = space.AlphaGroups.Sum(g => g.Edges.Count);
        var zeros = new float[rows, space.Operations.Count];
        return space.Derive(zeros, zeros).Text;
    }

    /// <summary>The collapse alarm of the spec's seeds, the defaults filled in; null when it is off.</summary>
    public static CollapseAlarm? AlarmOf(SweepSpec spec, ISearchSpace space)
    {
        if (spec.AlarmEpochs == -1) return null;
        var (rule, threshold) = CollapseRuleOf(spec, space);
        return new CollapseAlarm
        {
            Rule = rule,
            Threshold = spec.AlarmThreshold > 0 ? spec.AlarmThreshold : threshold,
            Epochs = spec.AlarmEpochs > 0 ? spec.AlarmEpochs : space.DefaultAlarmEpochs,
            Stop = spec.StopOnCollapse,
            Warmup = spec.AlarmWarmupOrNone,
        };
    }

    /// <summary>The evaluation options every seed's evaluation shares, its genotype and seed aside (call after <see cref="Validate"/> found no problem); null without an evaluate section.</summary>
    public static EvalOptions? EvaluationOptions(SweepSpec spec)
    {
        if (spec.EvaluateJson is not { } json) return null;
        var problems = new List<string>();
        var options = EvalOptionsJson.ForSweep(json, SharedOptions(spec), problems);
        return options is not null && problems.Count == 0 ? options : throw new SearchConfigException(problems);
    }

    /// <summary>The numbers the spec's seeds report (a search's; the evaluation stage's are the space's cell counts among them).</summary>
    public static IReadOnlyList<MetricDefinition> Declared(SweepSpec spec)
    {
        var shared = SharedOptions(spec);
        var methods = MethodOptions(spec);
        var declared = spec.Methods.SelectMany(m => MetricSources.Declared(RunScope.Of(methods[m]))).ToList();
        return [.. declared.DistinctBy(d => d.Key)];
    }

    /// <summary>The spec's collapse rule and threshold, the space's defaults where the spec leaves them out.</summary>
    public static (string Rule, int Threshold) CollapseRuleOf(SweepSpec spec, ISearchSpace space) =>
        (spec.CollapseRule.Length > 0 ? spec.CollapseRule : space.DefaultCollapseRule,
         spec.CollapseThreshold > 0 ? spec.CollapseThreshold : space.DefaultCollapseThreshold);

    /// <summary>The options every seed of the sweep shares (call after <see cref="Validate"/> found no problem).</summary>
    public static SearchOptions SharedOptions(SweepSpec spec)
    {
        var problems = new List<string>();
        var options = SearchOptionsJson.Parse(spec.SearchJson, problems);
        return options is not null && problems.Count == 0 ? options : throw new SearchConfigException(problems);
    }

    /// <summary>Every method's options, its seed aside (call after <see cref="Validate"/> found no problem).</summary>
    public static IReadOnlyDictionary<string, SearchOptions> MethodOptions(SweepSpec spec)
    {
        var problems = new List<string>();
        var options = spec.Methods.Distinct().ToDictionary(m => m, m => SearchOptionsJson.ForMethod(spec.SearchJson, m, spec.MethodJsonOf(m), problems));
        var earlyStop = spec.DartsEs is { } es ? EarlyStopOf(es) : null;
        return problems.Count == 0
            ? options.ToDictionary(kv => kv.Key, kv => kv.Value! with { DartsEs = earlyStop ?? kv.Value!.DartsEs })
            : throw new SearchConfigException(problems);
    }

    private static DartsEarlyStop EarlyStopOf(DartsEsSpec es) => new() { Window = es.Window, Ratio = es.Ratio, StartEpoch = es.StartEpoch };

    /// <summary>The options of one seed (call after <see cref="Validate"/> found no problem).</summary>
    public static SearchOptions OptionsFor(SweepSpec spec, string method, long seed) => MethodOptions(spec)[method] with { Seed = seed };
}
