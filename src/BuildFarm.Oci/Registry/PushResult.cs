using BuildFarm.Oci.Images;
using BuildFarm.Oci.References;

namespace BuildFarm.Oci.Registry;

/// <summary>What a push did.</summary>
/// <param name="Manifest">The pushed manifest or index.</param>
/// <param name="References">Where it can be pulled: one reference per tag, or by digest when no tag was given.</param>
/// <param name="Blobs">Every config and layer blob once, with what pushing it took.</param>
public sealed record PushResult(Descriptor Manifest, IReadOnlyList<ImageReference> References, IReadOnlyList<PushedBlob> Blobs);

public sealed record PushedBlob(Descriptor Blob, BlobPushOutcome Outcome);
