using BuildFarm.Dockerfile.Scoping;

namespace BuildFarm.Dockerfile.Planning;

/// <summary>What a build asks for besides the Dockerfile.</summary>
public sealed record BuildPlanOptions
{
    /// <summary><c>--build-arg NAME=value</c> pairs.</summary>
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    /// <summary><c>--target</c>: the stage to build (case-insensitive); null for the last stage.</summary>
    public string? Target { get; init; }

    /// <summary>The platform built on and for.</summary>
    public string Platform { get; init; } = PredefinedArgs.DefaultPlatform;

    /// <summary>
    /// Configs of the base images, where known. The env, working directory, user and shell of a
    /// base image take part in expansion and in what RUN steps see; unknown images count as empty
    /// (only the default PATH), as <c>scratch</c> does.
    /// </summary>
    public IBaseImageConfigSource? BaseImages { get; init; }
}

/// <summary>Looks up the config of a base image by its normalized reference.</summary>
public interface IBaseImageConfigSource
{
    /// <summary>The config of <paramref name="reference"/> for <paramref name="platform"/>, or null when unknown.</summary>
    BaseImageConfig? Find(string reference, string platform);
}

/// <summary>The parts of a base image's config that change how later steps are planned.</summary>
/// <param name="Env"><c>NAME=value</c> entries.</param>
/// <param name="WorkingDir">The working directory, or empty.</param>
/// <param name="User">The user, or empty.</param>
/// <param name="Shell">The shell for shell-form commands, or empty for the default.</param>
public sealed record BaseImageConfig(IReadOnlyList<string> Env, string WorkingDir, string User, IReadOnlyList<string> Shell)
{
    /// <summary>The image's ONBUILD triggers (each an instruction line), run first in a stage built on it.</summary>
    public IReadOnlyList<string> OnBuild { get; init; } = [];

    /// <summary>The PATH BuildKit gives a Linux image whose config sets none.</summary>
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>The shell used when neither the image nor a SHELL instruction sets one.</summary>
    public static IReadOnlyList<string> DefaultShell { get; } = ["/bin/sh", "-c"];

    /// <summary>An empty config: what <c>scratch</c> and unknown images start from.</summary>
    public static BaseImageConfig Empty { get; } = new([], string.Empty, string.Empty, []);
}
