using BuildFarm.Oci;
using MessagePack;
using MessagePack.Resolvers;

namespace BuildFarm.Storage.Steps;

/// <summary>
/// Step results by cache key on a silo's disk, one small file each under
/// <c>&lt;data-dir&gt;/steps/</c>, written atomically so a crash leaves the old record or the new one.
/// A record that cannot be read counts as absent: the step runs again and rewrites it.
/// </summary>
public sealed class StepRecordStore
{
    private static readonly MessagePackSerializerOptions Options =
        MessagePackSerializerOptions.Standard
            .WithResolver(StandardResolver.Instance)
            .WithSecurity(MessagePackSecurity.UntrustedData);

    private readonly string _directory;

    public StepRecordStore(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        _directory = Path.Combine(dataDirectory, "steps");
        Directory.CreateDirectory(_directory);
    }

    public StepRecord? Find(Digest key)
    {
        var path = PathOf(key);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            return MessagePackSerializer.Deserialize<StepRecord>(stream, Options);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (MessagePackSerializationException)
        {
            return null;
        }
    }

    public void Record(Digest key, StepRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        AtomicFile.Write(PathOf(key), stream => MessagePackSerializer.Serialize(stream, record, Options));
    }

    /// <summary>Forgets every record (<c>farm prune --all</c>); blobs stay until evicted.</summary>
    public int Clear()
    {
        var count = 0;
        foreach (var file in Directory.EnumerateFiles(_directory))
        {
            File.Delete(file);
            count++;
        }

        return count;
    }

    private string PathOf(Digest key) => Path.Combine(_directory, $"{key.Algorithm}-{key.Hex}");
}
