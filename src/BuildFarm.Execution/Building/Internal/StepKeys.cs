using System.Security.Cryptography;
using System.Text;
using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Dockerfile.Planning;
using BuildFarm.Execution.Sandbox;
using BuildFarm.Oci;
using BuildFarm.Oci.Layers;

namespace BuildFarm.Execution.Building.Internal;

/// <summary>
/// Cache keys. A step's key covers the file system it starts from — the diffIDs of the layers
/// below it, not the key of the step before, so a step that re-ran and made the same layer
/// leaves the steps after it hits (content-based early cut-off) — and everything the plan lists
/// for it (expanded instruction, environment, mounts, ...) with the checksum of each input's content.
/// </summary>
internal static class StepKeys
{
    private const string Version = "buildfarm.step.v1";

    /// <summary>The identity of a file system: the diffIDs of its layers, bottom first.</summary>
    public static Digest FileSystem(IEnumerable<LayerBlob> layers) =>
        Hash(string.Concat(layers.Select(layer => layer.DiffId + "\n")));

    /// <param name="below">The file system the step starts from.</param>
    /// <param name="inputs">The content checksum of each of <see cref="PlannedStep.Inputs"/>, in order.</param>
    /// <param name="linkOwner">The ids a <c>COPY --link --chown=NAME</c> resolved to below it, or null.</param>
    /// <param name="extraHosts">
    /// The build's <c>--add-host</c> lines: part of a RUN step's key, as BuildKit's exec op holds
    /// them (a step may read them); in order, and only when there are some, so other keys stay.
    /// </param>
    public static Digest Step(PlannedStep step, Digest below, IReadOnlyList<Digest> inputs, string? linkOwner = null, IReadOnlyList<ExtraHost>? extraHosts = null)
    {
        var text = new StringBuilder(Version).Append('\n');

        // COPY --link makes a layer of its own, independent of what is below it.
        if (step.Instruction is not FileInstruction { Link: true })
        {
            text.Append("below\0").Append(below).Append('\n');
        }

        foreach (var part in step.CacheKey.Where(part => part.Name != "parent"))
        {
            text.Append(part.Name).Append('\0').Append(part.Value).Append('\n');
        }

        foreach (var input in inputs)
        {
            text.Append("content\0").Append(input).Append('\n');
        }

        if (linkOwner is not null)
        {
            text.Append("link-owner\0").Append(linkOwner).Append('\n');
        }

        if (step.Instruction is RunInstruction && extraHosts is { Count: > 0 })
        {
            text.Append("extra-hosts\0").AppendJoin(',', extraHosts).Append('\n');
        }

        return Hash(text.ToString());
    }

    private static Digest Hash(string text) => Digest.Sha256(Encoding.UTF8.GetBytes(text));
}
