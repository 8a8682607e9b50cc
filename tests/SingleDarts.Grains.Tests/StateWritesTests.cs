using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Storage;

namespace SingleDarts.Grains.Tests;

/// <summary>
/// <see cref="StateWrites{T}"/> against one storage row shared by activations, with the failures a real
/// storage has: away, a write applied whose answer was lost, a restart without its last writes.
/// </summary>
[Trait("Category", "unit")]
public sealed class StateWritesTests
{
    [Fact]
    public async Task A_write_the_storage_applied_but_whose_answer_was_lost_is_not_taken_for_another_activation()
    {
        var row = new Row();
        var a = await Activation.Read(row);
        var writes = Writes(a);
        a.State.TraceParent = "epoch 1";
        Assert.True(await writes.Save());

        row.LoseNextAnswer = true;      // applied, then the client's retry finds its own ETag gone
        a.State.TraceParent = "epoch 2";
        Assert.True(await writes.Save());
        Assert.False(writes.Stale);
        Assert.Equal("epoch 2", row.Value!.TraceParent);

        a.State.TraceParent = "epoch 3";        // and the ETag it holds now is the row's
        Assert.True(await writes.Save());
        Assert.Equal("epoch 3", row.Value!.TraceParent);
    }

    [Fact]
    public async Task A_storage_back_without_its_last_writes_gets_this_activations_state_again()
    {
        var row = new Row();
        var previous = await Activation.Read(row);     // the activation this one started from (a lost silo's)
        previous.State.TraceParent = "before";
        Assert.True(await Writes(previous).Save());

        var a = await Activation.Read(row);
        var writes = Writes(a);
        var snapshot = row.Snapshot();
        a.State.TraceParent = "epoch 1";
        Assert.True(await writes.Save());
        row.Restore(snapshot);          // e.g. an emulator killed before it saved

        a.State.TraceParent = "epoch 2";
        Assert.True(await writes.Save());
        Assert.False(writes.Stale);
        Assert.Equal("epoch 2", row.Value!.TraceParent);

        row.Restore(new Row.Saved(null, "gone"));       // even the row gone
        a.State.TraceParent = "epoch 3";
        Assert.True(await writes.Save());
        Assert.Equal("epoch 3", row.Value!.TraceParent);
    }

    [Fact]
    public async Task Another_activations_write_makes_this_one_stale_and_its_row_is_left_alone()
    {
        var row = new Row();
        var a = await Activation.Read(row);
        var writesA = Writes(a);
        a.State.TraceParent = "a";
        Assert.True(await writesA.Save());

        var b = await Activation.Read(row);     // e.g. a's silo was declared dead while a still ran
        var writesB = Writes(b);
        b.State.TraceParent = "b";
        Assert.True(await writesB.Save());

        a.State.TraceParent = "a again";
        Assert.False(await writesA.Save());
        Assert.True(writesA.Stale);
        Assert.Equal("b", row.Value!.TraceParent);
        Assert.Equal("a again", a.State.TraceParent);       // the stale activation's memory is not replaced by b's row

        Assert.False(await writesA.Save());     // and it never writes again
        Assert.Equal("b", row.Value!.TraceParent);
        Assert.True(await writesB.Save());
    }

    [Fact]
    public async Task A_storage_away_leaves_the_state_dirty_and_the_next_write_after_it_is_back_clears_it()
    {
        var row = new Row();
        var a = await Activation.Read(row);
        var writes = Writes(a);
        row.Away = true;
        a.State.TraceParent = "x";
        Assert.False(await writes.Save());
        Assert.True(writes.Dirty);
        Assert.False(writes.Stale);
        Assert.Null(row.Value);

        row.Away = false;
        Assert.True(await writes.Save());
        Assert.False(writes.Dirty);
        Assert.Equal("x", row.Value!.TraceParent);
    }

    private static StateWrites<SeedGrainState> Writes(Activation a) => new(a, NullLogger.Instance, "Seed test");

    /// <summary>One storage row: its value (copied in and out, as a serializer would) and ETag.</summary>
    private sealed class Row
    {
        private int version;

        public SeedGrainState? Value { get; private set; }
        public string? Etag { get; private set; }
        public bool Away { get; set; }
        public bool LoseNextAnswer { get; set; }

        public sealed record Saved(SeedGrainState? Value, string? Etag);

        public Saved Snapshot() => new(Value is null ? null : Copy(Value), Etag);

        public void Restore(Saved saved) => (Value, Etag) = (saved.Value is null ? null : Copy(saved.Value), saved.Value is null ? null : saved.Etag);

        public string Write(SeedGrainState value, string? etag)
        {
            if (Away) throw new IOException("connection refused");
            if (etag != Etag) throw new InconsistentStateException("ETag mismatch", Etag ?? "none", etag ?? "none");
            Value = Copy(value);
            Etag = $"v{++version}";
            if (LoseNextAnswer)
            {
                LoseNextAnswer = false;
                throw new InconsistentStateException("ETag mismatch (retry)", Etag, etag ?? "none");
            }
            return Etag;
        }

        public static SeedGrainState Copy(SeedGrainState s) => new() { TraceParent = s.TraceParent, Writer = s.Writer };
    }

    private sealed class Activation(Row row) : IPersistentState<SeedGrainState>
    {
        public SeedGrainState State { get; set; } = new();
        public string? Etag { get; private set; }
        public bool RecordExists { get; private set; }

        public static async Task<Activation> Read(Row row)
        {
            var a = new Activation(row);
            await a.ReadStateAsync();
            return a;
        }

        public Task ReadStateAsync()
        {
            if (row.Away) throw new IOException("connection refused");
            (State, Etag, RecordExists) = row.Value is { } v ? (Row.Copy(v), row.Etag, true) : (new SeedGrainState(), null, false);
            return Task.CompletedTask;
        }

        public Task WriteStateAsync()
        {
            Etag = row.Write(State, Etag);
            RecordExists = true;
            return Task.CompletedTask;
        }

        public Task ClearStateAsync() => throw new NotSupportedException();
    }
}
