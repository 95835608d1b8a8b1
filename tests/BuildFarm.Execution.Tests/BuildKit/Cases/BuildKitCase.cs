using System.Text.Json;
using BuildFarm.Testing;
using BuildFarm.Testing.FileTrees;

namespace BuildFarm.Execution.Tests.BuildKit.Cases;

/// <summary>An image a case's build needs, built first from another data directory and named.</summary>
/// <param name="Data">The directory under TestData holding its Dockerfile and context.</param>
/// <param name="Name">The name its Dockerfile's <c>FROM</c> uses, in full (<c>docker.io/buildkit/x:latest</c>).</param>
public sealed record PrerequisiteImage(string Data, string Name);

/// <summary>
/// One case ported from BuildKit's Dockerfile integration tests: which test it comes from, how it
/// is built (a data directory under TestData, build args, target) and what BuildKit's test asserts
/// of the outcome, written as exact expectations. The engine runner and the <c>farm build</c>
/// runner both build it and compare <see cref="Observe"/> with <see cref="Expected"/>.
/// </summary>
/// <param name="Name">Unique; also the data directory unless <see cref="Data"/> says otherwise.</param>
/// <param name="Origin">BuildKit's test file and function: <c>dockerfile_copy_test.go testCopyWildcards</c>.</param>
public sealed record BuildKitCase(string Name, string Origin)
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    /// <summary>The directory under TestData with the Dockerfile and context, when cases share one.</summary>
    public string Data { get => field ?? Name; init; }

    /// <summary>The Dockerfile's path in the context (<c>-f</c>).</summary>
    public string Dockerfile { get; init; } = "Dockerfile";

    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    public string? Target { get; init; }

    /// <summary><c>--label</c>: labels the build adds to the image.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary><c>--allow</c>: the entitlements the build asks for.</summary>
    public IReadOnlyList<string> Entitlements { get; init; } = [];

    /// <summary>Images built and named before this case's build.</summary>
    public IReadOnlyList<PrerequisiteImage> Images { get; init; } = [];

    /// <summary>Regular files of the image and their exact content.</summary>
    public IReadOnlyDictionary<string, string> Files { get; init; } = new Dictionary<string, string>();

    /// <summary>Entries of the image compared whole: kind, mode, owner, content, link target.</summary>
    public IReadOnlyList<FileTreeEntry> Entries { get; init; } = [];

    /// <summary>Paths the image must not have.</summary>
    public IReadOnlyList<string> Absent { get; init; } = [];

    /// <summary>Fields of the image config by path (<c>config/User</c>) and their JSON, compact; <c>null</c> for a field that must be absent.</summary>
    public IReadOnlyDictionary<string, string?> Config { get; init; } = new Dictionary<string, string?>();

    /// <summary>The names of the build's steps, in plan order, as its progress shows them; empty when the case does not check them.</summary>
    public IReadOnlyList<string> StepNames { get; init; } = [];

    /// <summary>
    /// For a case whose build must fail: the first line of the error, exactly. It holds the words
    /// BuildKit's test looks for, and says where as ours does.
    /// </summary>
    public string? Error { get; init; }

    /// <summary>
    /// True for a case whose assertions are all inside its RUN steps (<c>[ "$(id -u)" = 1001 ]</c>):
    /// the build succeeding is what BuildKit's test asserts, and the case says nothing of the result.
    /// </summary>
    public bool ChecksInsideSteps { get; init; }

    /// <summary>What <see cref="Observe"/> gives for an image as BuildKit's test expects it: one line per expectation.</summary>
    public IReadOnlyList<string> Expected =>
    [
        .. Files.Select(f => FileLine(FileTreeEntry.File(f.Key, f.Value))),
        .. Entries.Select(e => e.ToString()),
        .. Absent.Select(MissingLine),
        .. Config.Select(c => ConfigLine(c.Key, c.Value)),
    ];

    /// <summary>The same lines, read from an image: what it has at each path and config field the case names.</summary>
    public IReadOnlyList<string> Observe(ImageContents image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return
        [
            .. Files.Keys.Select(path => image.Tree[path] is { Kind: FileKind.File } file ? FileLine(file) : image.Tree[path]?.ToString() ?? MissingLine(path)),
            .. Entries.Select(e => image.Tree[e.Path]?.ToString() ?? MissingLine(e.Path)),
            .. Absent.Select(path => image.Tree[path]?.ToString() ?? MissingLine(path)),
            .. Config.Keys.Select(field => ConfigLine(field, ConfigField(image.Config, field))),
        ];
    }

    public override string ToString() => Name;

    /// <summary>
    /// Known not to pass yet, and why (a feature the farm lacks, a difference from BuildKit): the
    /// runners leave such a case out, and README.md lists it as failing.
    /// </summary>
    public string? Fails { get; init; }

    /// <summary>An error message with the build context's path taken out, so that it reads the same wherever the context was.</summary>
    public static string WithoutContextPath(string message, string context)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Replace(context + "/", string.Empty, StringComparison.Ordinal);
    }

    /// <summary>The directory of a case's (or a prerequisite image's) Dockerfile and context in the checkout.</summary>
    public static string DataDirectory(string data) =>
        RepositoryRoot.Combine("tests", "BuildFarm.Execution.Tests", "BuildKit", "TestData", data);

    /// <summary>
    /// Copies a data directory to <paramref name="destination"/> (made here) with group and other
    /// write bits cleared, so that a checkout made under umask 002 gives the modes one made under 022 does.
    /// </summary>
    public static async Task<string> CopyDataAsync(string data, string destination)
    {
        await ProcessRunner.RunCheckedAsync("cp", ["-a", DataDirectory(data), destination]);
        await ProcessRunner.RunCheckedAsync("chmod", ["-R", "go-w", destination]);
        return destination;
    }

    private static string FileLine(FileTreeEntry file) => $"{file.Path} = {(file.Text is null ? file.ContentDigest : JsonSerializer.Serialize(file.Text))}";

    private static string MissingLine(string path) => $"{path}  (missing)";

    private static string ConfigLine(string field, string? json) => $"config {field}: {json ?? "(absent)"}";

    private static string? ConfigField(JsonDocument config, string field)
    {
        var element = config.RootElement;
        foreach (var name in field.Split('/'))
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return null;
            }
        }

        return JsonSerializer.Serialize(element, Compact);
    }
}
