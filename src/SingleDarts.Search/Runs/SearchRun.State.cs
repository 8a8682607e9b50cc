using System.Text.Json;
using System.Text.Json.Nodes;
using SingleDarts.Search.Checkpoints;
using static TorchSharp.torch;

namespace SingleDarts.Search.Runs;

/// <summary>A search's files and checkpoints: config.json, result.json, and its whole state — at an epoch boundary or mid-epoch — through the one checkpoint codec.</summary>
public sealed partial class SearchRun
{
    private readonly MidEpoch midEpoch = new();

    /// <inheritdoc />
    public EpochProgress? Interrupted => midEpoch.Interrupted;

    /// <inheritdoc />
    public EpochProgress? ResumePoint => midEpoch.ResumePoint;

    public void WriteResult(RunFolder folder) => folder.WriteResult(Result());

    public void WriteConfig(RunFolder folder) => folder.WriteConfig(Kind, Options, Device, Metrics,
        ("method", new JsonObject
        {
            ["name"] = Options.Method,
            ["preset"] = Options.Preset ?? Options.Method,
            ["summary"] = Composition.ToString(),
            ["composition"] = JsonSerializer.SerializeToNode(Composition, Json.Options),
        }),
        ("data", new JsonObject
        {
            ["name"] = Dataset.Name,
            ["classes"] = Dataset.Classes,
            ["image_size"] = Dataset.Train.Height,
            ["search_images"] = SearchImages,
            ["validation_images"] = ValidationImages,
            ["held_out_accuracy_on"] = ValidSource,
            ["steps_per_epoch"] = StepsPerEpoch,
            ["benchmark"] = Benchmark is null ? null : new JsonObject { ["name"] = Space.Benchmark!.Name, ["table"] = Benchmark.Source, ["dataset"] = Benchmark.Dataset },
        }),
        ("model", new JsonObject
        {
            ["space"] = Space.Name,
            ["weights"] = Model.WeightCount,
            ["alphas"] = new JsonArray(Space.AlphaGroups.Sum(g => g.Edges.Count), Space.Operations.Count),
            ["alpha_groups"] = new JsonArray([.. Space.AlphaGroups.Select(g => (JsonNode)new JsonObject { ["name"] = g.Name, ["rows"] = g.Edges.Count })]),
            ["ops"] = new JsonArray([.. Space.Operations.Select(n => (JsonNode)n)]),
        }));

    /// <summary>The whole state after the last finished epoch — or where a cancelled epoch stopped — as a checkpoint's bytes.</summary>
    public byte[] CheckpointBytes()
    {
        using var genState = generator.get_state();
        return RunCheckpoint.Serialize(EpochsDone, midEpoch.Stamp(CheckpointState(genState)));
    }

    /// <summary>Continues from a checkpoint written by a run with the same options; <paramref name="name"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">the checkpoint is damaged.</exception>
    /// <exception cref="SearchConfigException">it belongs to another kind of run or to a run with other options.</exception>
    public void Restore(byte[] checkpoint, string name)
    {
        using var genState = generator.get_state();
        var meta = RunCheckpoint.Load(checkpoint, name, CheckpointState(genState));
        generator.set_state(genState);
        SetLoaderStates(meta.Rng);
        State.ArchOptimizer.StepCount = meta.Counters["arch_steps"];
        history.Clear();
        history.AddRange(meta.History.Deserialize<List<EpochRecord>>(Json.Line) ?? []);
        midEpoch.Restored(meta.Progress);
    }

    private Dictionary<string, ulong[]> LoaderStates()
    {
        var rng = new Dictionary<string, ulong[]> { ["train"] = trainLoader.RngState };
        if (validLoader is not null) rng["valid"] = validLoader.RngState;
        return rng;
    }

    private void SetLoaderStates(Dictionary<string, ulong[]> rng)
    {
        trainLoader.RngState = rng["train"];
        if (validLoader is not null) validLoader.RngState = rng["valid"];
    }

    private CheckpointState CheckpointState(Tensor genState)
    {
        var tensors = new List<(string, Tensor)>();
        for (var i = 0; i < Model.Weights.Count; i++) tensors.Add(($"net.{Model.WeightNames[i]}", Model.Weights[i]));
        foreach (var (name, b) in Model.Buffers) tensors.Add(($"net.{name}", b));
        tensors.Add(("alphas", Model.Alphas));
        // β of edge normalisation, where the method has it (a checkpoint without it is one of a method without it)
        foreach (var extra in Model.ArchParameters.Skip(1)) tensors.Add(("betas", extra));
        foreach (var (name, t) in State.WeightOptimizer.StateTensors()) tensors.Add(($"sgd.{name}", t));
        foreach (var (name, t) in State.ArchOptimizer.StateTensors()) tensors.Add(($"adam.{name}", t));
        tensors.Add(("generator", genState));
        return new CheckpointState(Kind, JsonSerializer.SerializeToElement(Options, Json.Line), tensors, LoaderStates(),
            new Dictionary<string, long> { ["arch_steps"] = State.ArchOptimizer.StepCount },
            JsonSerializer.SerializeToElement(history, Json.Line));
    }

}
