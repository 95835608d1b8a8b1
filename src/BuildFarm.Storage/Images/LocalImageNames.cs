using BuildFarm.Oci.Images;

namespace BuildFarm.Storage.Images;

/// <summary>The names of one content store's <see cref="ImageStore"/>: the farm's names on one machine.</summary>
public sealed class LocalImageNames(ImageStore images) : IImageNames
{
    public Task<ImageRecord?> GetAsync(string name, CancellationToken cancellationToken = default) => Task.FromResult(images.Get(name));

    public Task<IReadOnlyList<ImageRecord>> ListAsync(CancellationToken cancellationToken = default) => Task.FromResult(images.List());

    public Task<ImageRecord?> SetAsync(string name, Descriptor target, CancellationToken cancellationToken = default)
    {
        var previous = images.Get(name);
        images.Set(name, target);
        return Task.FromResult(previous);
    }

    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default) => Task.FromResult(images.Delete(name));
}
