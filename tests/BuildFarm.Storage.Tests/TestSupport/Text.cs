using System.Text;
using BuildFarm.Oci;

namespace BuildFarm.Storage.Tests.TestSupport;

internal static class Text
{
    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public static Digest DigestOf(string text) => Digest.Sha256(Bytes(text));
}
