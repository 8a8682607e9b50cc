using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace SingleDarts.Grains;

/// <summary>
/// A grain's state writes when the storage may be away: a failed write leaves the state marked
/// <see cref="Dirty"/> (logged once, credentials redacted) for the grain's timer to write again, and
/// the recovery is logged too. Nothing is lost while the activation lives.
/// </summary>
internal sealed partial class StateWrites<T>(IPersistentState<T> state, ILogger logger, string grain)
{
    public bool Dirty { get; private set; }

    /// <summary>Another activation wrote the state since this one read it (ETag conflict): this activation is stale and must stop.</summary>
    public bool Stale { get; private set; }

    public async Task<bool> Save()
    {
        try
        {
            // never a timer's token: disposing a timer cancels it, and this write must happen
            await state.WriteStateAsync(CancellationToken.None);
            if (Dirty) LogSaved(logger, grain);
            Dirty = false;
            return true;
        }
        catch (InconsistentStateException ex)
        {
            if (!Stale) LogStale(logger, grain, Secrets.Brief(ex));
            Stale = true;
            return false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (!Dirty) LogFailed(logger, grain, Secrets.Brief(ex));
            Dirty = true;
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Grain}: its state could not be written ({Reason}); the grain's timer writes it when the storage is back")]
    private static partial void LogFailed(ILogger logger, string grain, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Grain}: another activation has written its state ({Reason}); this one stops")]
    private static partial void LogStale(ILogger logger, string grain, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Grain}: its state is written again")]
    private static partial void LogSaved(ILogger logger, string grain);
}
