using BuildFarm.Client.Context;
using BuildFarm.Oci;
using BuildFarm.Storage.Content;

namespace BuildFarm.Execution.Tests.TestSupport;

/// <summary>Hands a context directory to a store as the farm gets it from a client.</summary>
public static class ContextTrees
{
    /// <summary>
    /// Snapshots the whole context with the client's own walker (<c>.dockerignore</c> applied, as a
    /// client sends it), stores the blobs the store lacks, as the farm's upload would, and returns
    /// the tree's root.
    /// </summary>
    public static async Task<Digest> SendAsync(string contextDirectory, ContentStore store, CancellationToken cancellationToken = default)
    {
        var snapshot = ContextSnapshot.Take(new ContextSnapshotOptions { ContextDirectory = contextDirectory, OnlyPathsTheDockerfileReads = false }, cancellationToken);
        foreach (var blob in snapshot.Blobs.Where(blob => !store.Exists(blob.Digest)))
        {
            await using var content = blob.OpenRead();
            await store.WriteAsync(content, blob.Digest, blob.Size, cancellationToken: cancellationToken);
        }

        return snapshot.Root;
    }
}
