using MessagePack;
using Orleans.Runtime;

namespace BuildFarm.Grains.Images;

/// <summary>Every image name in ordinal order, paged by name; persisted as one sorted list.</summary>
public sealed class ImageNameIndexGrain([PersistentState("image-names", GrainStorage.Name)] IPersistentState<ImageNameIndexState> state) : Grain, IImageNameIndexGrain
{
    private const int MaxPage = 1000;

    public async Task PutAsync(ImageNameRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var at = Find(record.Name);
        if (at >= 0)
        {
            state.State.Names[at] = record;
        }
        else
        {
            state.State.Names.Insert(~at, record);
        }

        await state.WriteStateAsync();
    }

    public async Task RemoveAsync(string name)
    {
        var at = Find(name);
        if (at >= 0)
        {
            state.State.Names.RemoveAt(at);
            await state.WriteStateAsync();
        }
    }

    public Task<ImageNamePage> ListAsync(string? after, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var names = state.State.Names;
        var start = after is null ? 0 : Find(after) is var at && at >= 0 ? at + 1 : ~at;
        var count = Math.Min(Math.Min(limit, MaxPage), names.Count - start);
        var page = names.GetRange(start, count);
        var next = start + count < names.Count ? page[^1].Name : null;
        return Task.FromResult(new ImageNamePage(page, next));
    }

    // The list's index of the name, or the bitwise complement of where it would go (List.BinarySearch's convention).
    private int Find(string name)
    {
        var names = state.State.Names;
        int low = 0, high = names.Count - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            var order = string.CompareOrdinal(names[middle].Name, name);
            if (order == 0)
            {
                return middle;
            }

            (low, high) = order < 0 ? (middle + 1, high) : (low, middle - 1);
        }

        return ~low;
    }
}

[MessagePackObject]
public sealed class ImageNameIndexState
{
    /// <summary>The names, in ordinal order of <see cref="ImageNameRecord.Name"/>.</summary>
    [Key(0)]
    public List<ImageNameRecord> Names { get; set; } = [];
}
