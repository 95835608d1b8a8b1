using BuildFarm.Cli.Tests.TestSupport;
using BuildFarm.Testing;

namespace BuildFarm.Cli.Tests.Images;

/// <summary>Expected failures: one <c>Error:</c> line naming what went wrong, exit code 1, no stack trace.</summary>
public sealed class ErrorTests : IDisposable
{
    private readonly FarmSession _farm = new();

    [Theory]
    [InlineData("save", "-o", "x.tar", "nothere")]
    [InlineData("tag", "nothere", "other")]
    [InlineData("rmi", "nothere")]
    [InlineData("push", "nothere")]
    public async Task An_unknown_image_is_named(params string[] args)
    {
        var result = await _farm.RunAsync(args);

        Assert.Equal(new FarmResult(1, "", "Error: No such image: nothere:latest\n"), result);
    }

    [Theory]
    [InlineData("Error: tag can't be used with --all-tags/-a: app:1\n", "push", "-a", "app:1")]
    [InlineData("Error: An image does not exist locally with the tag: nothere\n", "push", "-a", "nothere")]
    [InlineData("Error: --all-tags pushes a repository to itself; it takes no TARGET\n", "push", "-a", "busybox", "other")]
    [InlineData("Error: cannot push to other@sha256:0000000000000000000000000000000000000000000000000000000000000000: a push needs a tag, not a digest\n", "push", "busybox", "other@sha256:0000000000000000000000000000000000000000000000000000000000000000")]
    public async Task A_push_that_cannot_be_done_says_why(string error, params string[] args)
    {
        await _farm.LoadBusyboxAsync();

        var result = await _farm.RunAsync(args);

        Assert.Equal(new FarmResult(1, "", error), result);
    }

    [Fact]
    public async Task An_invalid_name_says_why()
    {
        var result = await _farm.RunAsync("tag", "busybox", "Bad:tag");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("Error: 'Bad:tag' is not a valid image reference: ", result.Error);
        Assert.Equal("", result.Output);
    }

    [Fact]
    public async Task A_missing_archive_is_named()
    {
        var missing = _farm.Combine("missing.tar");

        // Without the session's server: the command fails before it looks for one (it would start one).
        var result = await FarmRunner.RunAsync(_farm.Environment, "--data-dir", _farm.DataDirectory, "load", "-i", missing);

        Assert.Equal(new FarmResult(1, "", $"Error: cannot read the archive {missing}: no such file\n"), result);
        Assert.False(Directory.Exists(_farm.DataDirectory));
    }

    [Fact]
    public async Task A_garbage_archive_is_named_with_what_is_wrong()
    {
        var garbage = _farm.Combine("garbage.tar");
        await File.WriteAllBytesAsync(garbage, [.. Enumerable.Range(0, 4096).Select(static i => (byte)(i * 7 + 3))]);

        var result = await _farm.RunAsync("load", "-i", garbage);

        Assert.Equal(new FarmResult(1, "", $"Error: {garbage} is not a valid image archive: Tar header at offset 0 has a bad checksum: this is not a tar stream, or it is corrupt.\n"), result);
        Assert.Equal("", await _farm.RunCheckedAsync("images", "-q"));
    }

    [Fact]
    public async Task A_tar_that_is_no_image_archive_says_what_it_lacks()
    {
        var directory = Directory.CreateDirectory(_farm.Combine("files")).FullName;
        await File.WriteAllTextAsync(Path.Combine(directory, "hello.txt"), "hello\n");
        var archive = _farm.Combine("files.tar");
        await ProcessRunner.RunCheckedAsync("tar", ["-cf", archive, "-C", directory, "hello.txt"]);

        var result = await _farm.RunAsync("load", "-i", archive);

        Assert.Equal(new FarmResult(1, "", $"Error: {archive} is not a valid image archive: it has neither oci-layout (an OCI archive) nor manifest.json (a docker save archive)\n"), result);
    }

    [Fact]
    public async Task An_archive_missing_a_blob_is_refused()
    {
        var busybox = await Busybox.GetAsync();
        var archive = _farm.Combine("partial.tar");
        await ProcessRunner.RunCheckedAsync("tar", ["-cf", archive, "-C", busybox.Image.LayoutDirectory, "oci-layout", "index.json", $"blobs/sha256/{busybox.ManifestDigest["sha256:".Length..]}", $"blobs/sha256/{busybox.ConfigDigest["sha256:".Length..]}"]);

        var result = await _farm.RunAsync("load", "-i", archive);

        Assert.Equal(new FarmResult(1, "", $"Error: {archive} is not a valid image archive: OCI archive lacks the blob {busybox.LayerDigest} (application/vnd.oci.image.layer.v1.tar+gzip) that its images need.\n"), result);
    }

    [Fact]
    public async Task Load_from_a_terminal_and_save_to_a_terminal_are_refused()
    {
        var load = await _farm.RunAsync("load");
        var save = await _farm.RunAsync("save", "busybox");

        Assert.Equal(new FarmResult(1, "", "Error: requested load from stdin, but stdin is a terminal: give an archive with -i or redirect stdin\n"), load);
        Assert.Equal(new FarmResult(1, "", "Error: cowardly refusing to save to a terminal. Use the -o flag or redirect\n"), save);
    }

    [Fact]
    public async Task Saving_into_a_missing_directory_names_it_and_leaves_nothing()
    {
        var busybox = await _farm.LoadBusyboxAsync();
        var directory = _farm.Combine("no", "such");

        var result = await _farm.RunAsync("save", "busybox", "-o", Path.Combine(directory, "x.tar"));

        Assert.Equal(new FarmResult(1, "", $"Error: cannot write {directory}/x.tar: the directory {directory} does not exist\n"), result);
    }

    [Fact]
    public async Task An_unknown_format_is_a_usage_error()
    {
        var result = await _farm.RunAsync("save", "busybox", "-o", "x.tar", "--format", "zip");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("Argument 'zip' not recognized. Must be one of:", result.Error);
    }

    public void Dispose() => _farm.Dispose();
}
