using System.Runtime.Versioning;
using System.Text;
using System.Text.Json;
using BuildFarm.Cli.Tests.TestSupport;

namespace BuildFarm.Cli.Tests.Conformance;

/// <summary>
/// One run of the Node.js conformance client against a farm of its own, on a context with nested
/// folders, a symlink, an empty file and directory, a long UTF-8 name, an executable and a file
/// larger than one upload chunk. Its steps run for the client first, so its events show them run.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class NodeConformanceRun : IAsyncLifetime
{
    private const string Dockerfile = """
        FROM busybox AS base
        ARG CONFORMANCE
        COPY . /ctx/
        RUN echo "built by $CONFORMANCE" > /by && ls -lnR /ctx > /listing
        FROM busybox
        COPY --from=base /by /listing /
        COPY --from=base /ctx /ctx

        """;

    internal FarmSession Farm { get; } = new();

    public Uri Server { get; private set; } = null!;

    public string Context => Farm.Combine("context");

    /// <summary>What the client reported (conformance.mjs).</summary>
    public JsonDocument Report { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Farm.LoadBusyboxAsync();
        Server = await Farm.StartServerAsync();
        Write("Dockerfile", Dockerfile);
        Write("docker/bad.Dockerfile", "FROM busybox\nFROB x\n");
        Write("a/b/c/deep.txt", "deep\n");
        Write("a/run.sh", "#!/bin/sh\necho run\n");
        File.SetUnixFileMode(Path.Combine(Context, "a/run.sh"), (UnixFileMode)0x1ED);
        Write("empty", string.Empty);
        Write("a-name-longer-than-thirty-one-bytes-é.txt", "long name\n");
        Directory.CreateDirectory(Path.Combine(Context, "empty-directory"));
        File.CreateSymbolicLink(Path.Combine(Context, "link"), "a/b/c/deep.txt");

        // Larger than one upload chunk (65,536 bytes): the client streams it through Content.Upload.
        var big = new byte[200_000];
        new Random(13).NextBytes(big);
        File.WriteAllBytes(Path.Combine(Context, "big.bin"), big);

        Report = await NodeClient.RunAsync(Server, Context);
    }

    public Task DisposeAsync()
    {
        Report?.Dispose();
        Farm.Dispose();
        return Task.CompletedTask;
    }

    private void Write(string path, string content)
    {
        var full = Path.Combine(Context, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content, new UTF8Encoding(false));
    }
}
