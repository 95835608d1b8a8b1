using BuildFarm.Oci.References;

namespace BuildFarm.Oci.Tests.References;

public class ImageReferenceTests
{
    private const string Hex = "9e6c8b8f5a2a0a1b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70819203";

    [Theory]
    [InlineData("busybox", "docker.io", "library/busybox", "latest", null)]
    [InlineData("busybox:1.36", "docker.io", "library/busybox", "1.36", null)]
    [InlineData("me/app", "docker.io", "me/app", "latest", null)]
    [InlineData("docker.io/busybox", "docker.io", "library/busybox", "latest", null)]
    [InlineData("index.docker.io/me/app:v1", "docker.io", "me/app", "v1", null)]
    [InlineData("docker.io/library/busybox:latest", "docker.io", "library/busybox", "latest", null)]
    [InlineData("ghcr.io/org/team/app:v2.0-rc_1", "ghcr.io", "org/team/app", "v2.0-rc_1", null)]
    [InlineData("localhost/app", "localhost", "app", "latest", null)]
    [InlineData("localhost:5000/app:dev", "localhost:5000", "app", "dev", null)]
    [InlineData("127.0.0.1:5000/a/b", "127.0.0.1:5000", "a/b", "latest", null)]
    [InlineData("[::1]:5000/app", "[::1]:5000", "app", "latest", null)]
    [InlineData("Registry.Example.COM/app", "Registry.Example.COM", "app", "latest", null)]
    [InlineData("my-registry:443/a.b/c__d/e---f:TAG_1", "my-registry:443", "a.b/c__d/e---f", "TAG_1", null)]
    [InlineData("busybox@sha256:" + Hex, "docker.io", "library/busybox", null, "sha256:" + Hex)]
    [InlineData("busybox:1.36@sha256:" + Hex, "docker.io", "library/busybox", "1.36", "sha256:" + Hex)]
    [InlineData("127.0.0.1:5000/app@sha256:" + Hex, "127.0.0.1:5000", "app", null, "sha256:" + Hex)]
    public void Parses_with_dockers_normalization(string input, string registry, string path, string? tag, string? digest)
    {
        var reference = ImageReference.Parse(input);

        Assert.Equal(registry, reference.Registry);
        Assert.Equal(path, reference.Repository.Path);
        Assert.Equal(tag, reference.Tag);
        Assert.Equal(digest, reference.Digest?.ToString());
    }

    [Theory]
    [InlineData("busybox", "docker.io/library/busybox:latest", "latest")]
    [InlineData("127.0.0.1:5000/app:v1", "127.0.0.1:5000/app:v1", "v1")]
    [InlineData("app:v1@sha256:" + Hex, "docker.io/library/app:v1@sha256:" + Hex, "sha256:" + Hex)]
    [InlineData("app@sha256:" + Hex, "docker.io/library/app@sha256:" + Hex, "sha256:" + Hex)]
    public void Prints_the_full_reference_and_asks_registries_for_the_digest_first(string input, string printed, string manifestReference)
    {
        var reference = ImageReference.Parse(input);

        Assert.Equal(printed, reference.ToString());
        Assert.Equal(manifestReference, reference.ManifestReference);
        Assert.Equal(reference, ImageReference.Parse(printed));
    }

    [Theory]
    [InlineData("", "An image reference is empty.")]
    [InlineData("Busybox", "'Busybox' is not a valid image reference: the repository name 'library/Busybox' must be lowercase.")]
    [InlineData("docker.io/Me/app", "'docker.io/Me/app' is not a valid image reference: the repository name 'Me/app' must be lowercase.")]
    [InlineData("app:", "'app:' is not a valid image reference: the tag '' is invalid: a tag has 1 to 128 characters from [A-Za-z0-9_.-] and does not start with '.' or '-'.")]
    [InlineData("app:-x", "'app:-x' is not a valid image reference: the tag '-x' is invalid: a tag has 1 to 128 characters from [A-Za-z0-9_.-] and does not start with '.' or '-'.")]
    [InlineData("app:a+b", "'app:a+b' is not a valid image reference: the tag 'a+b' is invalid: a tag has 1 to 128 characters from [A-Za-z0-9_.-] and does not start with '.' or '-'.")]
    [InlineData("app@sha256:abc", "'app@sha256:abc' is not a valid image reference: 'sha256:abc' is not a digest (expected sha256: followed by 64 lowercase hex digits).")]
    [InlineData("app@", "'app@' is not a valid image reference: '' is not a digest (expected sha256: followed by 64 lowercase hex digits).")]
    [InlineData(":v1", "'{0}' is not a valid image reference: the repository name is missing.")]
    [InlineData(Hex, "'{0}' is not a valid image reference: a 64-character hexadecimal string is an image ID, not a repository name.")]
    [InlineData("me//app", "'me//app' is not a valid image reference: the repository name 'me//app' has an empty path component.")]
    [InlineData("localhost:5000/", "'localhost:5000/' is not a valid image reference: the repository name '' has an empty path component.")]
    [InlineData("me/-app", "'me/-app' is not a valid image reference: the repository path component '-app' is invalid: it must be lowercase letters and digits, joined by '.', '_', '__' or dashes, starting and ending with a letter or digit.")]
    [InlineData("me/a___b", "'me/a___b' is not a valid image reference: the repository path component 'a___b' is invalid: it must be lowercase letters and digits, joined by '.', '_', '__' or dashes, starting and ending with a letter or digit.")]
    [InlineData("me/a..b", "'me/a..b' is not a valid image reference: the repository path component 'a..b' is invalid: it must be lowercase letters and digits, joined by '.', '_', '__' or dashes, starting and ending with a letter or digit.")]
    [InlineData("me/app.", "'me/app.' is not a valid image reference: the repository path component 'app.' is invalid: it must be lowercase letters and digits, joined by '.', '_', '__' or dashes, starting and ending with a letter or digit.")]
    [InlineData("my_registry.io/app", "'my_registry.io/app' is not a valid image reference: the registry host 'my_registry.io' is invalid: it must be dot-separated components of letters, digits and inner hyphens.")]
    [InlineData("-bad.io/app", "'-bad.io/app' is not a valid image reference: the registry host '-bad.io' is invalid: it must be dot-separated components of letters, digits and inner hyphens.")]
    [InlineData("localhost:99999/app", "'localhost:99999/app' is not a valid image reference: the registry 'localhost:99999' has an invalid port '99999' (expected 1-65535).")]
    [InlineData("localhost:x/app", "'localhost:x/app' is not a valid image reference: the registry 'localhost:x' has an invalid port 'x' (expected 1-65535).")]
    [InlineData("[zz::1]:5000/app", "'[zz::1]:5000/app' is not a valid image reference: the registry '[zz::1]:5000' has an invalid IPv6 address.")]
    [InlineData("app name", "'app name' is not a valid image reference: the repository path component 'app name' is invalid: it must be lowercase letters and digits, joined by '.', '_', '__' or dashes, starting and ending with a letter or digit.")]
    public void Rejects_bad_references_saying_what_is_wrong(string input, string message)
    {
        var error = Assert.Throws<FormatException>(() => ImageReference.Parse(input));

        Assert.Equal(string.Format(System.Globalization.CultureInfo.InvariantCulture, message, input), error.Message);
        Assert.False(ImageReference.TryParse(input, out _, out var tryError));
        Assert.Equal(error.Message, tryError);
    }

    [Fact]
    public void Rejects_names_longer_than_255_characters_including_the_registry()
    {
        var path = "me/" + new string('a', 252 - "docker.io/".Length);
        Assert.Equal(255, $"docker.io/{path}".Length);
        Assert.Equal(path, ImageReference.Parse(path).Repository.Path);

        var error = Assert.Throws<FormatException>(() => ImageReference.Parse(path + "a"));
        Assert.Equal($"'{path}a' is not a valid image reference: the repository name 'docker.io/{path}a' is longer than 255 characters.", error.Message);
    }

    [Fact]
    public void A_tag_has_at_most_128_characters()
    {
        var tag = new string('t', 128);
        Assert.Equal(tag, ImageReference.Parse($"app:{tag}").Tag);
        Assert.Throws<FormatException>(() => ImageReference.Parse($"app:{tag}t"));
    }

    [Fact]
    public void Builds_references_from_a_repository()
    {
        var repository = RepositoryName.Parse("127.0.0.1:5000/team/app");
        var digest = Digest.Parse("sha256:" + Hex);

        Assert.Equal("127.0.0.1:5000/team/app:abc123", ImageReference.ForTag(repository, "abc123").ToString());
        Assert.Equal($"127.0.0.1:5000/team/app@sha256:{Hex}", ImageReference.ForDigest(repository, digest).ToString());
        Assert.Equal(
            "the tag 'bad tag' is invalid: a tag has 1 to 128 characters from [A-Za-z0-9_.-] and does not start with '.' or '-' (Parameter 'tag')",
            Assert.Throws<ArgumentException>(() => ImageReference.ForTag(repository, "bad tag")).Message);
    }

    [Fact]
    public void A_repository_name_has_no_tag_or_digest()
    {
        Assert.Equal("docker.io/library/busybox", RepositoryName.Parse("busybox").ToString());
        Assert.Equal(
            "'busybox:latest' is not a repository name: it has a tag or digest.",
            Assert.Throws<FormatException>(() => RepositoryName.Parse("busybox:latest")).Message);
    }
}
