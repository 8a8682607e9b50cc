using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using SingleDarts.Search.Checkpoints;
using SingleDarts.Search.Data;
using SingleDarts.Search.Measurement;
using SingleDarts.Search.Metrics;
using SingleDarts.Search.Nn;
using SingleDarts.Search.Optim;
using SingleDarts.Search.Options;
using SingleDarts.Search.Spaces;
using SingleDarts.Search.Strategies;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SingleDarts.Search.Runs;

/// <summary>An evaluation's files and checkpoints: config.json, result.json, and its whole state through the one checkpoint codec.</summary>
public sealed partial class EvalRun
{
    private readonly MidEpoch midEpoch = new();

    /// <inheritdoc />
    public EpochProgress? Interrupted => midEpoch.Interrupted;

    /// <inheritdoc />
    public EpochProgress? ResumePoint => midEpoch.ResumePoint;

    public void WriteResult(RunFolder folder) => folder.WriteResult(Result());

    public void WriteConfig(RunFolder folder) => folder.WriteConfig(Kind, Options, Device, Metrics,
        ("data", new JsonObject
        {
            ["name"] = Dataset.Name,
            ["classes"] = Dataset.Classes,
            ["image_size"] = Dataset.Train.Height,
            ["train_images"] = TrainImages,
            ["test_images"] = TestImages,
            ["steps_per_epoch"] = StepsPerEpoch,
            // what a user of model.pt normalises inputs with (per channel, from the training images), as the run did
            ["mean"] = new JsonArray([.. Dataset.Mean.Select(m => JsonValue.Create(m))]),
            ["std"] = new JsonArray([.. Dataset.Std.Select(m => JsonValue.Create(m))]),
        }),
        ("model", new JsonObject
        {
            ["space"] = Space.Name,
            ["network"] = Network.GetName(),
            ["weights"] = Network.WeightCount,
            ["weights_with_auxiliary"] = Network.AllWeightCount,
        }));

    public byte[] CheckpointBytes()
    {
        using var genState = generator.get_state();
        return RunCheckpoint.Serialize(EpochsDone, midEpoch.Stamp(CheckpointState(genState)));
    }

    public void Restore(byte[] checkpoint, string name)
    {
        using var genState = generator.get_state();
        var meta = RunCheckpoint.Load(checkpoint, name, CheckpointState(genState));
        generator.set_state(genState);
        trainLoader.RngState = meta.Rng["train"];
        history.Clear();
        history.AddRange(meta.History.Deserialize<List<EpochRecord>>(Json.Line) ?? []);
        midEpoch.Restored(meta.Progress);
    }

    private CheckpointState CheckpointState(Tensor genState)
    {
        var tensors = new List<(string, Tensor)>();
        for (var i = 0; i < weights.Length; i++) tensors.Add(($"net.{weightNames[i]}", weights[i]));
        foreach (var (name, b) in buffers) tensors.Add(($"net.{name}", b));
        foreach (var (name, t) in optimizer.StateTensors()) tensors.Add(($"sgd.{name}", t));
        tensors.Add(("generator", genState));
        return new CheckpointState(Kind, JsonSerializer.SerializeToElement(Options, Json.Line), tensors,
            new Dictionary<string, ulong[]> { ["train"] = trainLoader.RngState }, [], JsonSerializer.SerializeToElement(history, Json.Line));
    }

    /// <summary>What the metric sources read at the end of an epoch: the fixed genotype.</summary>
    private sealed class Context(RunScope scope, int epoch, ISpaceGenotype genotype) : IEpochContext
    {
        public RunScope Scope => scope;
        public int Epoch => epoch;
        public ISpaceGenotype Genotype => genotype;
        public IBenchmarkLookup? Benchmark => null;
        public float[,]? Relaxed => null;
        public ISearchModel? Model => null;
        public IReadOnlyList<Batch> HeldOutBatches(int count) => [];
    }
}
