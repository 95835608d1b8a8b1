using BuildFarm.Dockerfile;
using BuildFarm.Dockerfile.Expansion;
using BuildFarm.Dockerfile.Matching;
using BuildFarm.Dockerfile.Planning;

namespace BuildFarm.Client.Context.Internal;

/// <summary>How a context path relates to the paths a Dockerfile reads.</summary>
internal enum PathReach
{
    /// <summary>Nothing read is at or below it.</summary>
    Unread,

    /// <summary>A directory on the way to something read: walked, but sent only for what it leads to.</summary>
    OnTheWay,

    /// <summary>Inside something read: sent whole.</summary>
    Inside,

    /// <summary>Named by a COPY/ADD source or bind mount itself: sent whole, and a symlink there would be followed.</summary>
    Named,
}

/// <summary>
/// The context paths a Dockerfile reads, from its build plan: the sources of COPY and ADD and the
/// sources of RUN bind mounts, in every stage the target needs, wildcards matched one path
/// component at a time as Go's <c>path.Match</c> does.
/// </summary>
/// <remarks>
/// A base image's ONBUILD triggers run first in a stage built on it and may COPY from the
/// context, so with <see cref="ContextSnapshotOptions.BaseImages"/> (the farm's configs of them)
/// the plan includes them as the farm's will; a base image the farm does not have cannot be
/// seen into, and then the whole context is sent.
/// </remarks>
internal sealed class PathSelection
{
    private readonly List<string[]> _patterns;

    private PathSelection(IReadOnlyList<string> paths)
    {
        Paths = paths;
        _patterns = [.. paths.Select(static p => p.Split('/', StringSplitOptions.RemoveEmptyEntries))];
    }

    /// <summary>The rooted paths read, wildcards kept, in plan order without repeats.</summary>
    public IReadOnlyList<string> Paths { get; }

    /// <summary>The selection for a build, or null with the reason when the whole context must be sent.</summary>
    public static PathSelection? FromDockerfile(ContextSnapshotOptions options, out string reason)
    {
        if (TryPlan(options, options.BaseImages, out reason) is not { } plan)
        {
            return null;
        }

        if (options.BaseImages is { } known
            && plan.Stages.FirstOrDefault(stage => stage.Base.Kind == StageBaseKind.Image && known.Find(stage.Base.Image!, stage.Platform) is null) is { } unknown)
        {
            reason = $"the farm does not have the base image {unknown.Base.Image}, whose ONBUILD triggers may read the context";
            return null;
        }

        var paths = plan.Stages
            .SelectMany(static stage => stage.Steps)
            .SelectMany(static step => step.Inputs)
            .Where(static input => input.Kind == InputKind.Context)
            .SelectMany(static input => input.Paths)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (paths.Contains("/"))
        {
            reason = "the Dockerfile reads the whole context (\"/\")";
            return null;
        }

        reason = string.Empty;
        return new PathSelection(paths);
    }

    /// <summary>The base images the stages a build needs start from, each with its platform; none when the Dockerfile cannot be planned.</summary>
    public static IReadOnlyList<(string Image, string Platform)> BaseImagesOf(ContextSnapshotOptions options) =>
        TryPlan(options, baseImages: null, out _) is { } plan
            ? [.. plan.Stages.Where(static stage => stage.Base.Kind == StageBaseKind.Image).Select(static stage => (stage.Base.Image!, stage.Platform)).Distinct()]
            : [];

    /// <summary>How <paramref name="relativePath"/> (slash-separated, no leading slash) relates to what is read.</summary>
    public PathReach Reach(string relativePath)
    {
        var components = relativePath.Split('/');
        var reach = PathReach.Unread;
        foreach (var pattern in _patterns)
        {
            var common = Math.Min(pattern.Length, components.Length);
            var matches = true;
            for (var i = 0; i < common && matches; i++)
            {
                matches = PathMatch.HasWildcards(pattern[i]) ? PathMatch.Matches(pattern[i], components[i]) : pattern[i] == components[i];
            }

            if (!matches)
            {
                continue;
            }

            var here = components.Length > pattern.Length ? PathReach.Inside
                : components.Length == pattern.Length ? PathReach.Named
                : PathReach.OnTheWay;
            reach = (PathReach)Math.Max((int)reach, (int)here);
        }

        return reach;
    }

    private static BuildPlan? TryPlan(ContextSnapshotOptions options, IBaseImageConfigSource? baseImages, out string reason)
    {
        var dockerfile = options.ResolvedDockerfilePath;
        try
        {
            var planOptions = new BuildPlanOptions { BuildArgs = options.BuildArgs, Target = options.Target, BaseImages = baseImages };
            if (options.Platform is { } platform)
            {
                planOptions = planOptions with { Platform = platform };
            }

            reason = string.Empty;
            return BuildPlanner.Plan(File.ReadAllText(dockerfile), Path.GetFileName(dockerfile), planOptions);
        }
        catch (Exception ex) when (ex is DockerfileException or WordExpansionException or IOException or UnauthorizedAccessException)
        {
            // The server reports the Dockerfile's errors when it plans the build; here they only
            // mean the paths cannot be known.
            reason = $"the Dockerfile could not be planned: {ex.Message}";
            return null;
        }
    }
}
