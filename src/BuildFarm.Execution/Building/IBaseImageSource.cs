using BuildFarm.Oci.Images;
using BuildFarm.Oci.References;

namespace BuildFarm.Execution.Building;

/// <summary>
/// Where a build gets the base images its store lacks (<c>FROM</c>, <c>COPY --from=image</c>,
/// <c>RUN --mount from=image</c>), and the current content of a tag with <see cref="BuildRequest.Pull"/>.
/// </summary>
public interface IBaseImageSource
{
    /// <summary>
    /// Brings <paramref name="reference"/> for <paramref name="platform"/> into the engine's
    /// content store and names it there as the reference is written, so that the store resolves
    /// it afterwards.
    /// </summary>
    /// <exception cref="BaseImageNotFoundException">The image cannot be had; the message names the reference and where it was looked for.</exception>
    Task PullAsync(ImageReference reference, Platform platform, CancellationToken cancellationToken);
}
