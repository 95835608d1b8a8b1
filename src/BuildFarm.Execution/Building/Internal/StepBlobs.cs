using BuildFarm.Oci;
using BuildFarm.Oci.Images;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Trees;

namespace BuildFarm.Execution.Building.Internal;

/// <summary>
/// Brings into the engine's store every blob a described step needs and the store lacks, from the
/// engine's blob source: the Dockerfile, the base images' manifests and configs (the plan reads
/// them), the parent and input layers, downloads, and the context tree's nodes and files. What
/// it fetches joins the step's lease, so eviction leaves it while the step runs.
/// </summary>
internal static class StepBlobs
{
    // A few transfers at once: enough to overlap round trips, few enough not to swamp a peer.
    private const int ParallelFetches = 4;

    /// <param name="withContext">Whether the context tree must be checked too (not when the build is coordinated on this silo, whose store has it).</param>
    /// <exception cref="BlobNotFoundException">No holder of a needed blob could be found.</exception>
    public static async Task FetchMissingAsync(BuildEngine engine, Steps.StepDescription step, Steps.StepSession session, bool withContext, CancellationToken cancellationToken)
    {
        if (engine.Blobs is not { } source)
        {
            return;
        }

        var fetcher = new Fetcher(engine, source, session.BlobOrigin, session.LeaseId);

        await fetcher.FetchAllAsync(step.Blobs(), cancellationToken).ConfigureAwait(false);
        var configs = new List<Digest>();
        foreach (var manifest in step.Build.BaseImages.Values.Distinct())
        {
            configs.Add(ImageManifest.Parse(await ReadAsync(engine.Content, manifest, cancellationToken).ConfigureAwait(false)).Config.Digest);
        }

        await fetcher.FetchAllAsync(configs, cancellationToken).ConfigureAwait(false);
        if (withContext && step.Build.ContextTree is { } root)
        {
            await FetchTreeAsync(fetcher, root, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Brings the blobs the store lacks of <paramref name="digests"/> from any silo that holds them, under <paramref name="leaseId"/>.</summary>
    /// <exception cref="BlobNotFoundException">No holder of one of them could be found.</exception>
    public static Task FetchAsync(BuildEngine engine, IEnumerable<Digest> digests, string? leaseId, CancellationToken cancellationToken) =>
        engine.Blobs is { } source
            ? new Fetcher(engine, source, origin: null, leaseId).FetchAllAsync(digests, cancellationToken)
            : Task.CompletedTask;

    // Level by level: a directory's node must be here before its entries can be listed.
    private static async Task FetchTreeAsync(Fetcher fetcher, Digest root, CancellationToken cancellationToken)
    {
        IReadOnlyList<Digest> level = [root];
        while (level.Count > 0)
        {
            await fetcher.FetchAllAsync(level, cancellationToken).ConfigureAwait(false);
            var files = new List<Digest>();
            var directories = new List<Digest>();
            foreach (var node in level)
            {
                foreach (var entry in TreeNode.Parse(await ReadAsync(fetcher.Engine.Content, node, cancellationToken).ConfigureAwait(false), node).Entries)
                {
                    if (entry.Kind == TreeEntryKind.Directory)
                    {
                        directories.Add(entry.Digest!.Value);
                    }
                    else if (entry.Kind == TreeEntryKind.File)
                    {
                        files.Add(entry.Digest!.Value);
                    }
                }
            }

            await fetcher.FetchAllAsync(files, cancellationToken).ConfigureAwait(false);
            level = [.. directories.Distinct()];
        }
    }

    private static async Task<byte[]> ReadAsync(ContentStore store, Digest digest, CancellationToken cancellationToken)
    {
        await using var stream = store.OpenRead(digest);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    private sealed class Fetcher(BuildEngine engine, IBlobSource source, string? origin, string? leaseId)
    {
        public BuildEngine Engine => engine;

        public Task FetchAllAsync(IEnumerable<Digest> digests, CancellationToken cancellationToken) =>
            Parallel.ForEachAsync(
                digests.Distinct().Where(digest => !engine.Content.Exists(digest)).ToList(),
                new ParallelOptions { MaxDegreeOfParallelism = ParallelFetches, CancellationToken = cancellationToken },
                async (digest, token) =>
                {
                    if (!await source.FetchAsync(engine.Content, digest, origin, token).ConfigureAwait(false))
                    {
                        throw new BlobNotFoundException(digest, Path.Combine(engine.Content.DataDirectory, "blobs"));
                    }

                    if (leaseId is not null)
                    {
                        engine.Content.Leases.Add(leaseId, digest);
                    }
                });
    }
}
