using BuildFarm.Oci.Images;
using BuildFarm.Oci.Registry.Internal;

namespace BuildFarm.Oci.Tests.Registry;

public class VerifyingReadStreamTests
{
    private static readonly byte[] Content = "hello, blob"u8.ToArray();
    private static readonly Descriptor Blob = Descriptor.FromContent(MediaTypes.OciLayer, Content);

    private static async Task<byte[]> ReadAllAsync(byte[] served, Descriptor expected)
    {
        await using var stream = new VerifyingReadStream(new MemoryStream(served), expected, "GET test");
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        Assert.Equal(0, await stream.ReadAsync(new byte[8])); // the end may be read again
        return copy.ToArray();
    }

    [Fact]
    public async Task Passes_the_blob_through_when_it_is_what_the_descriptor_says()
    {
        Assert.Equal(Content, await ReadAllAsync(Content, Blob));
    }

    [Fact]
    public async Task A_short_blob_fails_at_its_end()
    {
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ReadAllAsync(Content[..5], Blob));

        Assert.Equal($"GET test: blob {Blob.Digest} ended after 5 of its {Content.Length} bytes.", error.Message);
    }

    [Fact]
    public async Task A_long_blob_fails_as_soon_as_it_passes_its_size()
    {
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ReadAllAsync([.. Content, .. "!"u8], Blob));

        Assert.Equal($"GET test: blob {Blob.Digest} is longer than its {Content.Length} bytes.", error.Message);
    }

    [Fact]
    public async Task Other_bytes_of_the_same_size_fail_with_both_digests()
    {
        var other = "HELLO, BLOB"u8.ToArray();

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ReadAllAsync(other, Blob));

        Assert.Equal($"GET test: the content's digest is {Digest.Sha256(other)}, not the expected {Blob.Digest}.", error.Message);
    }

    [Fact]
    public void Only_sha256_content_is_verified()
    {
        var sha512 = Digest.Parse("sha512:" + new string('a', 128));

        var error = Assert.Throws<NotSupportedException>(() => new VerifyingReadStream(new MemoryStream(), Blob with { Digest = sha512 }, "GET test"));

        Assert.Equal($"GET test: {sha512} is a sha512 digest; only sha256 content can be verified.", error.Message);
    }
}
