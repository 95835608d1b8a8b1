using System.Security.Cryptography;
using System.Text;
using BuildFarm.Execution.Files;
using BuildFarm.Execution.Tests.Sources;

namespace BuildFarm.Execution.Tests.Files;

public sealed class AddTests : IDisposable
{
    private static readonly string[] Extracted =
    [
        "/opt d 0755 0:0",
        "/opt/pkg d 0755 0:0",
        "/opt/pkg/bin d 0750 1000:1001",
        "/opt/pkg/bin/tool f 0755 1000:1001 #!/bin/sh",
        "/opt/pkg/etc d 0755 1000:1001",
        "/opt/pkg/etc/.wh.conf f 0600 1000:1001 not a whiteout",
        "/opt/pkg/etc/conf l 1000:1001 -> /etc/real.conf",
    ];

    private readonly CopyScene _scene = new("copy-add");
    private readonly HttpClient _http = new();
    private readonly StaticHttpServer _server = new();

    public void Dispose()
    {
        _server.Dispose();
        _http.Dispose();
        _scene.Dispose();
    }

    private string[] Listing => _scene.Listing;

    private Task AddAsync(CopyRequest request) => _scene.CopyAsync(request with { IsAdd = true }, _http);

    private CopyRequest Request(string destination, params string[] sources) => _scene.Request(destination, sources);

    /// <summary>Makes an archive of a small package in the context with tar's own compressor option, under a name that says nothing.</summary>
    private string MakeArchive(string name, string? compressor)
    {
        var stage = _scene.Temp.CreateDirectory("stage-" + name);
        TreeBuilder.Write(stage, ("bin/tool", "#!/bin/sh"), ("etc/.wh.conf", "not a whiteout"));
        TreeBuilder.Link(stage, "etc/conf", "/etc/real.conf");
        TreeListing.Run("chmod", "755", Path.Combine(stage, "bin/tool"));
        TreeListing.Run("chmod", "750", Path.Combine(stage, "bin"));
        TreeListing.Run("chmod", "600", Path.Combine(stage, "etc/.wh.conf"));
        var archive = Path.Combine(_scene.Context, name);
        string[] options = ["-C", stage, "--owner=1000", "--group=1001", "--numeric-owner", "--mtime=@1500000000", "--sort=name"];
        TreeListing.Run("tar", [.. options, .. compressor is null ? Array.Empty<string>() : [compressor], "-cf", archive, "."]);
        return archive;
    }

    [Theory]
    [InlineData(null)]
    [InlineData("--gzip")]
    [InlineData("--bzip2")]
    [InlineData("--xz")]
    [InlineData("--zstd")]
    public async Task A_local_archive_is_extracted_whatever_its_compression_keeping_its_owners_and_modes(string? compressor)
    {
        MakeArchive("package.bin", compressor);
        await AddAsync(Request("/opt/pkg", "package.bin"));
        Assert.Equal(Extracted, Listing);
        Assert.Equal(1500000000, TreeListing.Status(Path.Combine(_scene.Root, "opt/pkg/bin/tool")).MTime);
    }

    [Fact]
    public async Task Chown_owns_every_extracted_entry_but_chmod_does_not_touch_them()
    {
        MakeArchive("package.tgz", "--gzip");
        await AddAsync(Request("/opt/pkg/", "package.tgz") with { Chown = "7:8", Chmod = "700" });
        Assert.Equal(Extracted.Select(line => line.Replace("1000:1001", "7:8", StringComparison.Ordinal).Replace("0:0", "7:8", StringComparison.Ordinal)), Listing);
    }

    [Fact]
    public async Task Unpack_false_copy_and_non_archives_are_copied_as_files()
    {
        MakeArchive("package.tar", null);
        TreeBuilder.Write(_scene.Context, ("notes.txt", "plain"));
        File.WriteAllBytes(Path.Combine(_scene.Context, "notes.txt.gz"), Gzip("not a tar"));
        File.WriteAllBytes(Path.Combine(_scene.Context, "empty.tar"), new byte[1024]);

        await AddAsync(Request("/keep/", "package.tar") with { Unpack = false });
        await AddAsync(Request("/files/", "notes.txt", "notes.txt.gz", "empty.tar"));
        await _scene.CopyAsync(Request("/copied/", "package.tar"));
        Assert.Equal(
            [
                "/copied d 0755 0:0", "/copied/package.tar f 0644 0:0",
                "/files d 0755 0:0", "/files/empty.tar f 0644 0:0", "/files/notes.txt f 0644 0:0", "/files/notes.txt.gz f 0644 0:0",
                "/keep d 0755 0:0", "/keep/package.tar f 0644 0:0",
            ],
            Listing.Select(line => string.Join(' ', line.Split(' ').Take(4))));
        Assert.Equal(File.ReadAllBytes(Path.Combine(_scene.Context, "package.tar")), File.ReadAllBytes(Path.Combine(_scene.Root, "keep/package.tar")));
        Assert.Equal(Gzip("not a tar"), File.ReadAllBytes(Path.Combine(_scene.Root, "files/notes.txt.gz")));
    }

    [Fact]
    public async Task A_corrupt_archive_after_a_valid_start_is_an_error()
    {
        var archive = MakeArchive("package.tar.xz", "--xz");
        var bytes = File.ReadAllBytes(archive);
        File.WriteAllBytes(archive, bytes[..(bytes.Length - 40)]);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => AddAsync(Request("/opt/", "package.tar.xz")));
        Assert.StartsWith("xz could not decompress the archive (exit code 1): xz: (stdin): Unexpected end of input", error.Message);
    }

    [Fact]
    public async Task A_url_is_downloaded_as_a_0600_file_named_after_its_path_with_the_servers_time()
    {
        var url = _server.Add("/files/tool%20v1.sh", "echo 1"u8.ToArray(), new DateTimeOffset(2020, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var bare = _server.Add("/", "root page"u8.ToArray());
        await AddAsync(new CopyRequest { Sources = [url, bare + "?q=1"], Destination = "/dl/" });
        Assert.Equal(["/dl d 0755 0:0", "/dl/__unnamed__ f 0600 0:0 root page", "/dl/tool v1.sh f 0600 0:0 echo 1"], Listing);
        Assert.Equal(new DateTimeOffset(2020, 1, 2, 3, 4, 5, TimeSpan.Zero).ToUnixTimeSeconds(), TreeListing.Status(Path.Combine(_scene.Root, "dl/tool v1.sh")).MTime);
        Assert.Equal(0, TreeListing.Status(Path.Combine(_scene.Root, "dl/__unnamed__")).MTime);
    }

    [Fact]
    public async Task A_downloaded_archive_is_extracted_only_with_unpack_true()
    {
        var archive = File.ReadAllBytes(MakeArchive("package.tgz", "--gzip"));
        var url = _server.Add("/package.tgz", archive);
        await AddAsync(new CopyRequest { Sources = [url], Destination = "/dl/", Chmod = "644" });
        await AddAsync(new CopyRequest { Sources = [url], Destination = "/opt/pkg", Unpack = true });
        Assert.Equal(archive, File.ReadAllBytes(Path.Combine(_scene.Root, "dl/package.tgz")));
        // An octal --chmod is also the created directory's mode (fsutil 183e7fb "fix custom chmod for parent directories").
        Assert.Equal(["/dl d 0644 0:0", "/dl/package.tgz f 0644 0:0", .. Extracted], Listing.Select(line => line.StartsWith("/dl/", StringComparison.Ordinal) ? string.Join(' ', line.Split(' ').Take(4)) : line));
    }

    [Fact]
    public async Task A_checksum_is_verified_and_a_mismatch_names_the_url_and_both_digests()
    {
        var body = "payload"u8.ToArray();
        var url = _server.Add("/payload", body);
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
        var wrong = "sha256:" + new string('0', 64);

        var fetched = await UrlFetcher.FetchAsync(_http, url, _scene.Temp.Combine("fetch"), digest, CancellationToken.None);
        Assert.Equal(("payload", digest), (fetched.FileName, fetched.Digest.ToString()));
        Assert.Equal("payload", File.ReadAllText(fetched.ContentPath));

        var error = await Assert.ThrowsAsync<FileCopyException>(() => AddAsync(new CopyRequest { Sources = [url], Destination = "/x/", Checksum = wrong }));
        Assert.Equal($"digest mismatch for {url}: {digest} (expected: {wrong})", error.Message);
        var malformed = await Assert.ThrowsAsync<FileCopyException>(() => AddAsync(new CopyRequest { Sources = [url], Destination = "/x/", Checksum = "md5:abc" }));
        Assert.Equal("invalid --checksum=md5:abc: expected sha256: and 64 lowercase hex digits", malformed.Message);
        Assert.Empty(Listing);

        await AddAsync(new CopyRequest { Sources = [url], Destination = "/x/", Checksum = digest, FetchedUrls = [fetched] });
        Assert.Equal(["/x d 0755 0:0", "/x/payload f 0600 0:0 payload"], Listing);
    }

    [Fact]
    public async Task A_failed_download_is_an_error_naming_the_url_and_status()
    {
        var url = _server.BaseUrl + "/missing.txt";
        var error = await Assert.ThrowsAsync<FileCopyException>(() => AddAsync(new CopyRequest { Sources = [url], Destination = "/x/" }));
        Assert.Equal($"ADD {url}: invalid response status 404", error.Message);
        var copy = await Assert.ThrowsAsync<FileCopyException>(() => FileCopier.CopyAsync(new CopyRequest { Sources = [url], Destination = "/x/" }, _scene.Root, _http, CancellationToken.None));
        Assert.Equal($"COPY {url}: source can't be a URL for COPY", copy.Message);
    }

    private static byte[] Gzip(string text)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        return buffer.ToArray();
    }
}
