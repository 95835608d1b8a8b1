using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BuildFarm.Storage;
using BuildFarm.Storage.Pruning;
using MessagePack;
using MessagePack.Resolvers;
using Orleans.Runtime;
using Orleans.Storage;

namespace BuildFarm.Grains.Persistence;

/// <summary>
/// Grain state on the silo's disk, one MessagePack file per grain and state name under
/// <c>&lt;data-dir&gt;/grains/</c>, each replaced atomically, so state survives a restart and a
/// crash leaves the old state or the new one. The ETag is a version number kept in the file:
/// a write from a stale activation is refused as Orleans expects. The files are read and written
/// on the thread pool, never on the calling grain's scheduler.
/// </summary>
public sealed class DiskGrainStorage : IGrainStorage
{
    private static readonly MessagePackSerializerOptions Options =
        MessagePackSerializerOptions.Standard.WithResolver(StandardResolver.Instance).WithSecurity(MessagePackSecurity.UntrustedData);

    private readonly string _directory;
    private readonly Lock[] _stripes = [.. Enumerable.Range(0, 64).Select(_ => new Lock())];

    public DiskGrainStorage(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        _directory = Path.Combine(dataDirectory, "grains");
        Directory.CreateDirectory(_directory);
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        OffGrainAsync(stateName, grainId, () => ReadState(stateName, grainId, grainState));

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        OffGrainAsync(stateName, grainId, () => WriteState(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        OffGrainAsync(stateName, grainId, () => ClearState(stateName, grainId, grainState));

    // On the thread pool, and one at a time per state: a version check and the write after it
    // must not interleave with another operation on the same file.
    private Task OffGrainAsync(string stateName, GrainId grainId, Action operation) => Task.Run(() =>
    {
        lock (_stripes[(uint)HashCode.Combine(stateName, grainId) % (uint)_stripes.Length])
        {
            operation();
        }
    });

    private void ReadState<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        if (!File.Exists(path))
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }

        var file = MessagePackSerializer.Deserialize<StoredState<T>>(File.ReadAllBytes(path), Options);
        grainState.State = file.State;
        grainState.ETag = file.Version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    private void WriteState<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        var version = CheckVersion(path, grainState.ETag, stateName, grainId) + 1;
        var bytes = MessagePackSerializer.Serialize(new StoredState<T>(version, grainState.State!), Options);
        AtomicFile.Write(path, stream => stream.Write(bytes));
        grainState.ETag = version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    private void ClearState<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        CheckVersion(path, grainState.ETag, stateName, grainId);
        File.Delete(path);
        grainState.State = Activator.CreateInstance<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    /// <summary>
    /// Every stored state named <paramref name="stateName"/>, each with the bytes its file takes,
    /// read without activating the grains (for disk usage and pruning). Unreadable files are skipped.
    /// </summary>
    public IReadOnlyList<(T State, long Bytes)> ReadAll<T>(string stateName)
    {
        var directory = new DirectoryInfo(Path.Combine(_directory, stateName));
        if (!directory.Exists)
        {
            return [];
        }

        var states = new List<(T, long)>();
        foreach (var file in directory.EnumerateFiles("*.msgpack"))
        {
            try
            {
                states.Add((MessagePackSerializer.Deserialize<StoredState<T>>(File.ReadAllBytes(file.FullName), Options).State, file.Length));
            }
            catch (Exception e) when (e is MessagePackSerializationException or FileNotFoundException)
            {
                // Torn by a crash or deleted meanwhile: no state to report.
            }
        }

        return states;
    }

    /// <summary>
    /// Deletes every stored state named <paramref name="stateName"/> behind the grains' backs. Only
    /// for states whose grains cope with that (see <see cref="Steps.CacheKeyGrain"/>): an activation
    /// still holding a deleted state's ETag has its next write refused.
    /// </summary>
    public Amount DeleteAll(string stateName) => DiskSpace.Empty(Path.Combine(_directory, stateName));

    private static long CheckVersion(string path, string? etag, string stateName, GrainId grainId)
    {
        long stored = 0;
        if (File.Exists(path))
        {
            var bytes = File.ReadAllBytes(path);
            stored = MessagePackSerializer.Deserialize<StoredVersion>(bytes, Options).Version;
        }

        var expected = etag is null ? 0 : long.Parse(etag, CultureInfo.InvariantCulture);
        if (stored != expected)
        {
            throw new InconsistentStateException($"State {stateName} of {grainId} is at version {stored} on disk, not {expected}.", stored.ToString(CultureInfo.InvariantCulture), etag ?? "none");
        }

        return stored;
    }

    // Grain ids hold characters no file name may (/, :): the file is named by a hash, with a readable prefix.
    private string PathOf(string stateName, GrainId grainId)
    {
        var id = grainId.ToString();
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)))[..32];
        var directory = Path.Combine(_directory, stateName);
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, hash + ".msgpack");
    }

    [MessagePackObject]
    public sealed record StoredState<T>([property: Key(0)] long Version, [property: Key(1)] T State);

    [MessagePackObject]
    public sealed record StoredVersion([property: Key(0)] long Version);
}
