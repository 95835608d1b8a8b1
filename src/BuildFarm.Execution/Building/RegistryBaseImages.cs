using BuildFarm.Oci.Images;
using BuildFarm.Oci.References;
using BuildFarm.Oci.Registry;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Images;

namespace BuildFarm.Execution.Building;

/// <summary>
/// Base images pulled from their registries into a content store as <c>farm pull</c> pulls them:
/// with the <see cref="RegistryClient"/>'s credentials and plain-HTTP registries. Builds that need
/// the same image at the same time share one pull. The pulled image is named in <paramref name="names"/>
/// (the store's own names when none are given).
/// </summary>
/// <param name="availability">Fetches the blobs of an image another silo of a cluster named, so that it is not pulled again; none on one machine.</param>
public sealed class RegistryBaseImages(ContentStore store, RegistryClient registry, IImageNames? names = null, IBlobAvailability? availability = null) : IBaseImageSource
{
    private readonly ImageCatalog _images = names is null ? new(store) : new(store, names, availability);
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Reference, string Platform), Task> _pulls = [];

    public Task PullAsync(ImageReference reference, Platform platform, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(platform);
        var key = (reference.ToString(), platform.ToString());
        Task pull;
        lock (_gate)
        {
            if (!_pulls.TryGetValue(key, out pull!))
            {
                // Started on the pool, so that its removal (which takes the gate) comes after this add.
                // Not cancelled with the build that started it: others may be waiting for it; the
                // registry client's request timeout bounds it.
                pull = Task.Run(() => PullOnceAsync(reference, platform, key), CancellationToken.None);
                _pulls.Add(key, pull);
            }
        }

        return pull.WaitAsync(cancellationToken);
    }

    private async Task PullOnceAsync(ImageReference reference, Platform platform, (string, string) key)
    {
        try
        {
            // A name the cluster knows (another silo loaded, pulled or built it) is fetched from the
            // silos that hold it rather than pulled: the name means what it means on that silo.
            if (availability is not null && await _images.FindAsync(reference).ConfigureAwait(false) is { } known)
            {
                await _images.EnsureLocalAsync(known.Target, withLayers: false).ConfigureAwait(false);
                if (store.Exists(known.Target.Digest))
                {
                    await _images.NameAsync(reference, known.Target).ConfigureAwait(false);
                    return;
                }
            }

            using var import = _images.BeginImport();
            var pulled = await new ImagePuller(registry).PullAsync(reference, import.Blobs, platform, CancellationToken.None).ConfigureAwait(false);
            await _images.NameAsync(reference, pulled.Manifest).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RegistryException or HttpRequestException)
        {
            throw new BaseImageNotFoundException(reference.ToString(), $"pulling it from {reference.Registry} failed: {e.Message}");
        }
        finally
        {
            lock (_gate)
            {
                _pulls.Remove(key);
            }
        }
    }
}
