using MessagePack;
using Orleans.Runtime;

namespace BuildFarm.Grains.Images;

/// <summary>One image name, cluster-wide; persisted, and remembered as removed once removed.</summary>
public sealed class ImageNameGrain(
    [PersistentState("image-name", GrainStorage.Name)] IPersistentState<ImageNameState> state,
    TimeProvider time) : Grain, IImageNameGrain
{
    public Task<ImageNameRecord?> GetAsync() => Task.FromResult(state.State.Record);

    public async Task<ImageNameRecord?> SetAsync(ImageNameRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var previous = state.State.Record;
        if (previous is not null && previous.Target.AsSpan().SequenceEqual(record.Target))
        {
            return previous;
        }

        var now = time.GetUtcNow();
        await WriteAsync(record with { Name = this.GetPrimaryKeyString(), CreatedAt = previous?.CreatedAt ?? now, UpdatedAt = now });
        return previous;
    }

    public async Task<bool> RemoveAsync()
    {
        if (state.State.Record is null)
        {
            return false;
        }

        await WriteAsync(null);
        return true;
    }

    public async Task<ImageNameRecord?> AdoptAsync(ImageNameRecord local)
    {
        ArgumentNullException.ThrowIfNull(local);
        if (!state.State.Known)
        {
            await WriteAsync(local with { Name = this.GetPrimaryKeyString() });
        }

        return state.State.Record;
    }

    // The name's own state first: it is the authority, and a name whose index entry lags is still found by name.
    private async Task WriteAsync(ImageNameRecord? record)
    {
        state.State.Record = record;
        state.State.Known = true;
        await state.WriteStateAsync();
        var index = GrainFactory.GetGrain<IImageNameIndexGrain>(0);
        await (record is null ? index.RemoveAsync(this.GetPrimaryKeyString()) : index.PutAsync(record));
    }
}

[MessagePackObject]
public sealed class ImageNameState
{
    /// <summary>What the name names; null when it names nothing (never set, or removed).</summary>
    [Key(0)]
    public ImageNameRecord? Record { get; set; }

    /// <summary>Whether the name was ever set: a removed name is known and names nothing.</summary>
    [Key(1)]
    public bool Known { get; set; }
}
