using System.Globalization;

namespace BuildFarm.Testing;

/// <summary>What to build with <see cref="Buildah"/>: a context directory, its Dockerfile, build args and target.</summary>
public sealed record BuildahBuild(string ContextDirectory)
{
    /// <summary>The Dockerfile, relative to the context directory.</summary>
    public string DockerfilePath { get; init; } = "Dockerfile";

    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    public string? Target { get; init; }
}

/// <summary>A finished buildah build: the image as an OCI layout (named <see cref="Buildah.LayoutTag"/>) and its config.</summary>
/// <param name="LayoutDirectory">The OCI image layout the image was pushed to.</param>
/// <param name="DockerConfigJson">
/// The image config as buildah keeps it (Docker's format). The OCI layout's config lacks what OCI
/// configs cannot hold (ONBUILD, SHELL, HEALTHCHECK), so configs are compared from this one.
/// </param>
public sealed record BuildahImage(string LayoutDirectory, string DockerConfigJson);

/// <summary>
/// Real buildah (Debian's 1.28) as the reference builder: its own storage (overlay driver) and
/// configuration in a temp directory, nothing read from or written to the host's, no network.
/// The base images it may use are copied in from OCI layouts and named as the Dockerfiles name
/// them; <c>--pull=never</c> makes buildah resolve <c>FROM</c> in its own storage only.
/// Builds run with <c>--isolation chroot</c> in Docker's image format (which keeps ONBUILD, SHELL
/// and HEALTHCHECK) with one layer and one history entry per step (<c>--layers</c>), as Docker does.
/// Builds may run concurrently: buildah locks its storage.
/// </summary>
public sealed class Buildah : IDisposable
{
    /// <summary>The name an image carries in the OCI layouts <see cref="BuildAsync"/> writes.</summary>
    public const string LayoutTag = "latest";

    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    private readonly TempDirectory _directory;
    private int _builds;

    private Buildah(TempDirectory directory)
    {
        _directory = directory;
    }

    private string[] GlobalOptions =>
    [
        "--root", _directory.Combine("root"),
        "--runroot", _directory.Combine("runroot"),
        "--storage-driver", "overlay",
        "--registries-conf", _directory.Combine("registries.conf"),
        "--registries-conf-dir", _directory.Combine("registries.conf.d"),
    ];

    private string SignaturePolicy => _directory.Combine("policy.json");

    /// <summary>Creates the storage and its configuration; add base images with <see cref="AddImageAsync"/>.</summary>
    public static async Task<Buildah> CreateAsync()
    {
        var directory = new TempDirectory("buildfarm-buildah");
        try
        {
            // Short names resolve to docker.io, as Docker's do; the host's aliases are not read
            // (an empty registries.conf.d), and nothing is ever pulled.
            await File.WriteAllTextAsync(directory.Combine("registries.conf"), "unqualified-search-registries = [\"docker.io\"]\nshort-name-mode = \"disabled\"\n");
            directory.CreateDirectory("registries.conf.d");
            await File.WriteAllTextAsync(directory.Combine("policy.json"), "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}\n");
            return new Buildah(directory);
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Copies the image named <paramref name="refName"/> in the OCI layout <paramref name="layoutDirectory"/>
    /// into buildah's storage under the full name <paramref name="name"/> (e.g. <c>docker.io/library/busybox:latest</c>).
    /// </summary>
    public async Task AddImageAsync(string layoutDirectory, string refName, string name)
    {
        var id = (await RunAsync(["pull", "--quiet", "--signature-policy", SignaturePolicy, $"oci:{layoutDirectory}:{refName}"])).Trim();
        await RunAsync(["tag", id, name]);
    }

    /// <summary>
    /// Builds <paramref name="build"/> and pushes the result to the new OCI layout
    /// <paramref name="layoutDirectory"/>, its layers uncompressed (gzip would only cost time).
    /// </summary>
    /// <exception cref="InvalidOperationException">The build failed; the message holds buildah's output.</exception>
    public async Task<BuildahImage> BuildAsync(BuildahBuild build, string layoutDirectory)
    {
        var name = await BuildInStorageAsync(build);
        await RunAsync(["push", "--quiet", "--disable-compression", "--signature-policy", SignaturePolicy, name, $"oci:{layoutDirectory}:{LayoutTag}"]);
        return new BuildahImage(layoutDirectory, await RunAsync(["inspect", "--type", "image", "--format", "{{.Config}}", name]));
    }

    /// <summary>
    /// Builds <paramref name="build"/> into buildah's storage only (what <c>buildah bud --layers</c>
    /// costs, with no export) and returns the name the image got there.
    /// </summary>
    /// <exception cref="InvalidOperationException">The build failed; the message holds buildah's output.</exception>
    public async Task<string> BuildInStorageAsync(BuildahBuild build)
    {
        var name = $"localhost/buildfarm-differential/build-{Interlocked.Increment(ref _builds).ToString(CultureInfo.InvariantCulture)}:latest";
        List<string> arguments =
        [
            "build", "--format", "docker", "--layers", "--isolation", "chroot", "--pull=never",
            "--signature-policy", SignaturePolicy,
            "--file", Path.Combine(build.ContextDirectory, build.DockerfilePath),
            "--tag", name,
        ];
        foreach (var (key, value) in build.BuildArgs)
        {
            arguments.AddRange(["--build-arg", $"{key}={value}"]);
        }

        if (build.Target is not null)
        {
            arguments.AddRange(["--target", build.Target]);
        }

        arguments.Add(build.ContextDirectory);
        await RunAsync(arguments);
        return name;
    }

    /// <summary>Removes buildah's containers (and their mounts) and deletes its storage.</summary>
    public void Dispose()
    {
        try
        {
            ProcessRunner.RunAsync("buildah", [.. GlobalOptions, "rm", "--all"]).GetAwaiter().GetResult();
        }
        finally
        {
            // Detaches the storage's own mounts (its overlay home, image mounts) before deleting.
            _directory.Dispose();
        }
    }

    private Task<string> RunAsync(IEnumerable<string> arguments) =>
        ProcessRunner.RunCheckedAsync("buildah", [.. GlobalOptions, .. arguments], BuildTimeout);
}
