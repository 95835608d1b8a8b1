using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Dockerfile.Planning;
using BuildFarm.Execution.Files;
using BuildFarm.Execution.Files.Internal;
using BuildFarm.Execution.Internal;
using BuildFarm.Execution.Sources;
using BuildFarm.Oci;
using BuildFarm.Oci.Layers;
using BuildFarm.Storage.Trees;

namespace BuildFarm.Execution.Building.Internal;

/// <summary>
/// The last result of each COPY from a context tree that ran on this silo, by the step's key with
/// the context's content left out (its "family"): the next run of the same COPY on a changed tree
/// patches that result (<see cref="ContextCopyPatch"/>) instead of copying everything again.
/// Kept in memory and bounded: after a restart, or once forgotten, a COPY is copied whole, which
/// gives the same layer.
/// </summary>
internal sealed class ContextCopyHistory
{
    // Enough for the COPY steps of many monorepo builds; an entry is two digests and a layer.
    private const int Capacity = 10_000;

    // Stands for the context's checksum in a family key: every tree gives the same.
    private static readonly Digest AnyContent = Digest.Sha256("buildfarm.copy-family.any-content"u8.ToArray());

    private readonly BoundedMemo<Digest, (Digest Tree, LayerBlob Layer)> _results = new(Capacity);
    private long _patched;

    /// <summary>How many COPY steps were made by patching an earlier result.</summary>
    public long Patched => Interlocked.Read(ref _patched);

    /// <summary>
    /// The step's family: its key as if every context were the same (parents, instruction, flags,
    /// destination all count), plus the ignore file in force, which decides what shows.
    /// </summary>
    public static Digest Family(PlannedStep step, IReadOnlyList<LayerBlob> parents, ContentSourceTree context, string? ignoreFile)
    {
        var key = StepKeys.Step(step, StepKeys.FileSystem(parents), [.. step.Inputs.Select(_ => AnyContent)]);
        var ignore = ignoreFile is null ? null : context.Tree.Find(ignoreFile)?.Digest;
        return Digest.Sha256(System.Text.Encoding.UTF8.GetBytes($"{key}\n{ignoreFile}\n{ignore}"));
    }

    public void Record(Digest family, Digest tree, LayerBlob layer) => _results.Set(family, (tree, layer));

    /// <summary>
    /// This run's layer made by patching the family's last result, or null when there is none to
    /// patch (none recorded, the same tree, its blobs gone) or the request is not one a patch can redo.
    /// </summary>
    public async Task<LayerBlob?> TryPatchAsync(Digest family, CopyRequest request, FileInstruction instruction, IReadOnlyList<LayerBlob> parents, DescribedStep step)
    {
        var content = step.Engine.Content;
        if (request.Source is not ContentSourceTree context
            || !_results.TryGetValue(family, out var earlier)
            || earlier.Tree == context.Tree.Root
            || !content.Exists(earlier.Layer.Descriptor.Digest))
        {
            return null;
        }

        ContextCopyPatch? patch;
        try
        {
            patch = ContextCopyPatch.TryCreate(request, new TreeView(earlier.Tree, content));
        }
        catch (Exception e) when (e is Storage.Content.BlobNotFoundException or TreeBlobMissingException)
        {
            return null; // the earlier tree's nodes were evicted
        }

        if (patch is null)
        {
            return null;
        }

        try
        {
            var layer = await step.Engine.Execution.PatchAsync(
                instruction.Link ? [] : parents,
                earlier.Layer,
                root =>
                {
                    patch.Apply(root.Path, step.Cancellation);
                    return Task.CompletedTask;
                },
                step.LayerOptions,
                step.Session.LeaseId,
                step.Cancellation).ConfigureAwait(false);
            Interlocked.Increment(ref _patched);
            return layer;
        }
        catch (NotSupportedException)
        {
            return null; // the earlier layer is not plain (a whiteout over the parent's file): copy whole
        }
    }
}
