using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Dockerfile.Scoping;

namespace BuildFarm.Dockerfile.Planning;

/// <summary>
/// What a build will do: the stages the target needs, in the order they run, each a chain of
/// steps that knows exactly what goes into its cache key.
/// </summary>
/// <param name="FileName">The Dockerfile the plan was made from.</param>
/// <param name="Stages">Needed stages in Dockerfile order (a stage only uses stages before it).</param>
/// <param name="Warnings">Things worth telling the user, <c>file:line: message</c> where a line is to blame.</param>
/// <param name="StagesInDockerfile">How many stages the Dockerfile has, needed or not.</param>
public sealed record BuildPlan(string FileName, IReadOnlyList<PlannedStage> Stages, IReadOnlyList<string> Warnings, int StagesInDockerfile)
{
    /// <summary>The stage whose result is the image: always the last one.</summary>
    public PlannedStage Target => Stages[^1];

    /// <summary>A needed stage by its index in the Dockerfile.</summary>
    public PlannedStage Stage(int index) => Stages.Single(s => s.Index == index);
}

/// <summary>How a stage begins.</summary>
public enum StageBaseKind
{
    /// <summary>An image from a registry or store.</summary>
    Image,

    /// <summary>The result of an earlier stage.</summary>
    Stage,

    /// <summary>The empty file system.</summary>
    Scratch,
}

/// <summary>What a stage's FROM resolved to.</summary>
/// <param name="Image">The normalized image reference, for <see cref="StageBaseKind.Image"/>.</param>
/// <param name="Stage">The base stage's index, for <see cref="StageBaseKind.Stage"/>.</param>
public sealed record StageBase(StageBaseKind Kind, string? Image, int? Stage)
{
    public static StageBase Scratch { get; } = new(StageBaseKind.Scratch, null, null);

    public static StageBase FromImage(string reference) => new(StageBaseKind.Image, reference, null);

    public static StageBase FromStage(int index) => new(StageBaseKind.Stage, null, index);
}

/// <summary>One stage of the plan.</summary>
/// <param name="Index">Its index in the Dockerfile (what <c>COPY --from=N</c> counts).</param>
/// <param name="Name">The stage name in lower case, or null.</param>
/// <param name="Base">What it starts from.</param>
/// <param name="Platform">The platform it builds for (<c>--platform</c> expanded, or the build's).</param>
/// <param name="From">Its FROM instruction as written.</param>
/// <param name="Steps">Its steps in order; ONBUILD triggers of a base stage come first.</param>
public sealed record PlannedStage(int Index, string? Name, StageBase Base, string Platform, FromInstruction From, IReadOnlyList<PlannedStep> Steps)
{
    /// <summary>The name BuildKit shows: the stage name, or <c>stage-N</c>.</summary>
    public string DisplayName => Name ?? $"stage-{Index}";
}

/// <summary>A step by its stage index and 1-based position in that stage.</summary>
public readonly record struct StepId(int Stage, int Step)
{
    public override string ToString() => $"{Stage}.{Step}";
}

/// <summary>What kind of thing a step reads.</summary>
public enum InputKind
{
    /// <summary>Files of the build context.</summary>
    Context,

    /// <summary>Files of an earlier stage's result.</summary>
    Stage,

    /// <summary>Files of an image (COPY --from=image, RUN --mount from=image).</summary>
    Image,

    /// <summary>An HTTP(S) download (ADD).</summary>
    Url,

    /// <summary>A Git repository (ADD).</summary>
    Git,

    /// <summary>A file written from a heredoc.</summary>
    Inline,
}

/// <summary>Something a step reads, whose content goes into its cache key.</summary>
/// <param name="Reference">The image reference, URL or Git remote; the heredoc name for inline files; null otherwise.</param>
/// <param name="Stage">The stage index, for <see cref="InputKind.Stage"/>.</param>
/// <param name="Paths">The paths read, cleaned and rooted at the source's root (<c>/src</c>; wildcards kept).</param>
/// <param name="Content">The body of an inline file.</param>
public sealed record StepInput(InputKind Kind, string? Reference, int? Stage, IReadOnlyList<string> Paths, string? Content = null)
{
    // Two inputs are the same when they read the same paths, not when they share a list instance.
    public bool Equals(StepInput? other) =>
        other is not null && Kind == other.Kind && Reference == other.Reference && Stage == other.Stage
        && Content == other.Content && Paths.SequenceEqual(other.Paths, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Kind, Reference, Stage, Content, Paths.Count);
}

/// <summary>One named part of a step's cache key, e.g. <c>env</c> = <c>PATH=/usr/bin</c>.</summary>
public sealed record CacheKeyInput(string Name, string Value);

/// <summary>
/// One step: an instruction with variables expanded, and everything it depends on.
/// Metadata-only instructions (ENV, LABEL, CMD, ...) are steps that change the config and make no layer.
/// </summary>
/// <param name="Id">Stage index and position.</param>
/// <param name="Parent">The step before it, or null when it is the first on top of an image or scratch.</param>
/// <param name="Instruction">The instruction with variables expanded where BuildKit expands them; COPY/ADD destinations made absolute.</param>
/// <param name="Text">A canonical one-line form of <see cref="Instruction"/>, heredoc bodies appended.</param>
/// <param name="ProducesLayer">True for RUN, COPY, ADD and a WORKDIR other than <c>/</c>.</param>
/// <param name="FromOnbuild">True for a trigger inherited from the base stage's ONBUILD.</param>
/// <param name="Command">For RUN, CMD and ENTRYPOINT: the argv, shell prepended for the shell form.</param>
/// <param name="Environment">For RUN: the variables the command runs with (image env, ENV and ARG values).</param>
/// <param name="BuildArgs">For RUN: the ARG names in scope (BuildKit lists them in the history).</param>
/// <param name="ProxyEnvironment">For RUN: the proxy variables it also gets (<see cref="PredefinedArgs.ProxyEnvironment"/>), kept out of the cache key; they win over a variable of the same name.</param>
/// <param name="WorkingDirectory">The working directory in force.</param>
/// <param name="User">The user in force, or empty for the image default.</param>
/// <param name="Mounts">For RUN: mounts, variables expanded and defaults filled in (absolute target, cache id, secret target).</param>
/// <param name="Inputs">What it reads besides its parent.</param>
/// <param name="CacheKey">Everything its cache key is made of, in a fixed order; input contents are hashed by the executor.</param>
public sealed record PlannedStep(
    StepId Id,
    StepId? Parent,
    Instruction Instruction,
    string Text,
    bool ProducesLayer,
    bool FromOnbuild,
    IReadOnlyList<string>? Command,
    IReadOnlyList<ScopedVariable> Environment,
    IReadOnlyList<string> BuildArgs,
    IReadOnlyList<KeyValuePair<string, string>> ProxyEnvironment,
    string WorkingDirectory,
    string User,
    IReadOnlyList<RunMount> Mounts,
    IReadOnlyList<StepInput> Inputs,
    IReadOnlyList<CacheKeyInput> CacheKey)
{
    /// <summary>
    /// What a RUN step's process gets, <c>NAME=value</c>: <see cref="Environment"/> in order, a
    /// proxy variable replacing one of the same name (BuildKit appends them, and the last wins).
    /// </summary>
    public IReadOnlyList<string> ProcessEnvironment()
    {
        var proxies = ProxyEnvironment.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        return
        [
            .. Environment.Where(v => !proxies.Contains(v.Name)).Select(v => $"{v.Name}={v.Value}"),
            .. ProxyEnvironment.Select(p => $"{p.Key}={p.Value}"),
        ];
    }
}
