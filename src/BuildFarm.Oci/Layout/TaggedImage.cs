using BuildFarm.Oci.Images;

namespace BuildFarm.Oci.Layout;

/// <summary>
/// An image (a manifest, or an index of manifests) and the names it goes by in an archive: the
/// <c>org.opencontainers.image.ref.name</c> of an OCI layout, the <c>RepoTags</c> of a docker archive.
/// </summary>
public sealed record TaggedImage(Descriptor Descriptor, IReadOnlyList<string> Tags);
