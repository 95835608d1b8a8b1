using BuildFarm.Api.V1;
using BuildFarm.Oci;
using Grpc.Core;

namespace BuildFarm.Server.Content.Internal;

/// <summary>Reads the blob references clients send, turning bad ones into INVALID_ARGUMENT that names them.</summary>
internal static class BlobRefs
{
    public static Digest ParseDigest(BlobRef blob, string where)
    {
        if (!Digest.TryParse(blob.Digest, out var digest) || digest.Algorithm != "sha256")
        {
            throw Invalid($"{where}: \"{blob.Digest}\" is not a blob digest (expected \"sha256:\" and 64 lowercase hex digits)");
        }

        if (blob.Size < 0)
        {
            throw Invalid($"{where}: blob {digest} has the negative size {blob.Size}");
        }

        return digest;
    }

    public static BlobRef From(Digest digest, long size) => new() { Digest = digest.ToString(), Size = size };

    public static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
