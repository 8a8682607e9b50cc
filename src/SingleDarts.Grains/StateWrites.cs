using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace SingleDarts.Grains;

/// <summary>A grain state that names the activation that wrote it (see <see cref="StateWrites{T}"/>).</summary>
public interface IWriterStamped
{
    /// <summary>The id of the activation that wrote this state last; set by <see cref="StateWrites{T}"/> on every write.</summary>
    string? Writer { get; set; }
}

/// <summary>
/// A grain's state writes when the storage may be away: a failed write leaves the state marked
/// <see cref="Dirty"/> (logged once, credentials redacted) for the grain's timer to write again, and
/// the recovery is logged too. Nothing is lost while the activation lives.
/// <para>
/// An ETag conflict does not by itself mean another activation: a write the storage applied whose
/// answer was lost (the client retries and finds its own ETag gone), or a storage that came back
/// without its last writes, conflict too. Every write stamps this activation's id; on a conflict the
/// stored row is read, and only a writer that is neither this activation nor the one whose state this
/// activation started from makes it <see cref="Stale"/>. Otherwise this activation's state is written
/// again over the row it found.
/// </para>
/// </summary>
internal sealed partial class StateWrites<T>(IPersistentState<T> state, ILogger logger, string grain) where T : class, IWriterStamped
{
    private readonly string self = Guid.NewGuid().ToString("N");
    private readonly string? predecessor = state.State.Writer;

    public bool Dirty { get; private set; }

    /// <summary>Another activation wrote the state since this one read it: this activation is stale and must stop.</summary>
    public bool Stale { get; private set; }

    /// <summary>Marks the state as this activation's, for a write the grain makes itself (one that must throw when it fails).</summary>
    public void Stamp() => state.State.Writer = self;

    public async Task<bool> Save()
    {
        if (Stale) return false;
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                Stamp();
                try
                {
                    // never a timer's token: disposing a timer cancels it, and this write must happen
                    await state.WriteStateAsync(CancellationToken.None);
                    break;
                }
                catch (InconsistentStateException ex) when (attempt == 0)
                {
                    if (!await TakeOver(Secrets.Brief(ex))) return false;
                }
            }
            if (Dirty) LogSaved(logger, grain);
            Dirty = false;
            return true;
        }
        catch (InconsistentStateException ex)
        {
            MarkStale(Secrets.Brief(ex));
            return false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (!Dirty) LogFailed(logger, grain, Secrets.Brief(ex));
            Dirty = true;
            return false;
        }
    }

    /// <summary>After a conflict: reads the stored row; true (with the stored ETag and this activation's state) when no other activation wrote it.</summary>
    private async Task<bool> TakeOver(string conflict)
    {
        var mine = state.State;
        await state.ReadStateAsync(CancellationToken.None);     // throws when the storage is away: the state stays dirty
        var found = state.RecordExists ? state.State.Writer : null;
        state.State = mine;
        if (found is not null && found != self && found != predecessor)
        {
            MarkStale($"{conflict}; written by activation {found}");
            return false;
        }
        LogRewritten(logger, grain, found is null ? "no row" : found == self ? "an earlier write of this activation" : "the row this activation started from");
        return true;
    }

    private void MarkStale(string reason)
    {
        if (!Stale) LogStale(logger, grain, reason);
        Stale = true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Grain}: its state could not be written ({Reason}); the grain's timer writes it when the storage is back")]
    private static partial void LogFailed(ILogger logger, string grain, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Grain}: another activation has written its state ({Reason}); this one stops")]
    private static partial void LogStale(ILogger logger, string grain, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Grain}: its state's ETag had changed but the storage held {Found}, not another activation's write; written again")]
    private static partial void LogRewritten(ILogger logger, string grain, string found);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Grain}: its state is written again")]
    private static partial void LogSaved(ILogger logger, string grain);
}
