using BuildFarm.Oci;
using BuildFarm.Oci.Images;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Images.Internal;

namespace BuildFarm.Storage.Images;

/// <summary>
/// Image names (<c>repo:tag</c>, normalised by the caller) mapped to the manifest or index they
/// name, persisted in <c>&lt;data-dir&gt;/images.msgpack</c>. Every name is a root for eviction:
/// the blobs its image reaches are kept.
/// </summary>
public sealed class ImageStore
{
    private readonly string _path;
    private readonly Lock _gate;
    private readonly TimeProvider _time;
    private readonly SortedDictionary<string, ImageRecord> _images = new(StringComparer.Ordinal);

    private ImageStore(string path, Lock gate, TimeProvider time, IEnumerable<ImageRecord> images)
    {
        _path = path;
        _gate = gate;
        _time = time;
        foreach (var image in images)
        {
            _images.Add(image.Name, image);
        }
    }

    /// <summary>Names <paramref name="target"/> (a manifest or index) <paramref name="name"/>, replacing what the name named before.</summary>
    public ImageRecord Set(string name, Descriptor target)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(target);
        if (!MediaTypes.IsManifest(target.MediaType) && !MediaTypes.IsIndex(target.MediaType))
        {
            throw new ArgumentException($"Image '{name}' must name an image manifest or index, not content of media type '{target.MediaType}'.", nameof(target));
        }

        lock (_gate)
        {
            var now = _time.GetUtcNow();
            _images.TryGetValue(name, out var existing);
            if (existing is not null && existing.Target == target)
            {
                return existing;
            }

            var image = new ImageRecord(name, target, existing?.CreatedAt ?? now, now);
            Save(images => images[name] = image);
            return image;
        }
    }

    public ImageRecord? Get(string name)
    {
        lock (_gate)
        {
            return _images.GetValueOrDefault(name);
        }
    }

    /// <summary>All names, in ordinal order.</summary>
    public IReadOnlyList<ImageRecord> List()
    {
        lock (_gate)
        {
            return [.. _images.Values];
        }
    }

    /// <summary>Removes a name; its blobs stay until eviction needs the space.</summary>
    public bool Delete(string name)
    {
        lock (_gate)
        {
            if (!_images.ContainsKey(name))
            {
                return false;
            }

            Save(images => images.Remove(name));
            return true;
        }
    }

    internal static ImageStore Open(string dataDirectory, Lock gate, TimeProvider time)
    {
        var path = ImageNamesFile.PathIn(dataDirectory);
        return new ImageStore(path, gate, time, ImageNamesFile.Read(path));
    }

    /// <summary>What every name reaches. Caller holds the gate so no name changes meanwhile.</summary>
    internal ImageReach MarkReachable(ContentStore store, bool withDiffIds) =>
        ReachableBlobs.Mark(store, _images.Values.Select(static image => image.Target), withDiffIds);

    /// <summary>Applies a change to a copy, persists the copy, and only then makes it current.</summary>
    private void Save(Action<SortedDictionary<string, ImageRecord>> change)
    {
        var changed = new SortedDictionary<string, ImageRecord>(_images, StringComparer.Ordinal);
        change(changed);
        ImageNamesFile.Write(_path, changed.Values);
        _images.Clear();
        foreach (var (name, image) in changed)
        {
            _images.Add(name, image);
        }
    }
}
