using BuildFarm.Oci.Images;

namespace BuildFarm.Oci.Registry;

/// <summary>Where a pull puts blobs (layers, configs, manifests): a directory, the content store.</summary>
public interface IBlobSink
{
    ValueTask<bool> ContainsAsync(Digest digest, CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="content"/> as the blob <paramref name="descriptor"/> describes. The
    /// stream checks itself: reading it to the end throws when its digest or size differ from the
    /// descriptor, and a sink must not keep a blob whose stream threw.
    /// </summary>
    Task WriteAsync(Descriptor descriptor, Stream content, CancellationToken cancellationToken);
}
