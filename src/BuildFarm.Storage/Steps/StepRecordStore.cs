using BuildFarm.Oci;
using BuildFarm.Storage.Pruning;
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

    public StepRecord? Find(Digest key) => Read(PathOf(key));

    public void Record(Digest key, StepRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        AtomicFile.Write(PathOf(key), stream => MessagePackSerializer.Serialize(stream, record, Options));
    }

    /// <summary>Every readable record with the bytes its file takes, for disk usage and pruning.</summary>
    public IReadOnlyList<(StepRecord Record, long Bytes)> List()
    {
        var records = new List<(StepRecord, long)>();
        foreach (var file in new DirectoryInfo(_directory).EnumerateFiles())
        {
            if (!file.Name.EndsWith(AtomicFile.TemporarySuffix, StringComparison.Ordinal) && Read(file.FullName) is { } record)
            {
                records.Add((record, file.Length));
            }
        }

        return records;
    }

    /// <summary>Forgets every record (<c>farm prune --all</c>); blobs stay until pruned or evicted.</summary>
    public Amount Clear() => DiskSpace.Empty(_directory);

    private static StepRecord? Read(string path)
    {
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

    private string PathOf(Digest key) => Path.Combine(_directory, $"{key.Algorithm}-{key.Hex}");
}
