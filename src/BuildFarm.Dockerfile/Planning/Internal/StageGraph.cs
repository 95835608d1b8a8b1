using System.Globalization;
using BuildFarm.Dockerfile.Expansion;
using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Dockerfile.Parsing;
using BuildFarm.Dockerfile.Scoping;
using BuildFarm.Dockerfile.Internal;

namespace BuildFarm.Dockerfile.Planning.Internal;

/// <summary>What a <c>--from</c> or mount <c>from=</c> names: a stage, or else an image.</summary>
internal readonly record struct SourceReference(int? Stage, string? Image);

/// <summary>
/// The stages as a graph, as BuildKit's dispatcher builds it: each stage's base (image, scratch,
/// or an earlier stage), the ONBUILD triggers it inherits from a base stage, and the stages its
/// commands read from. Checks cycles and the target, and finds the stages the target needs.
/// </summary>
internal sealed class StageGraph
{
    private readonly Dictionary<string, int> _stagesByName;

    private StageGraph(IReadOnlyList<StageDefinition> stages, Dictionary<string, int> stagesByName)
    {
        Stages = stages;
        _stagesByName = stagesByName;
    }

    public IReadOnlyList<StageDefinition> Stages { get; }

    /// <summary>Per stage: the base it starts from.</summary>
    public List<StageBase> Bases { get; } = [];

    /// <summary>Per stage: the platform it builds for.</summary>
    public List<string> Platforms { get; } = [];

    /// <summary>Per stage: the commands it runs (inherited ONBUILD triggers first), each marked when it is a trigger.</summary>
    public List<List<(Instruction Instruction, bool FromOnbuild)>> Commands { get; } = [];

    /// <summary>The target stage's index.</summary>
    public int Target { get; private set; }

    /// <summary>The stages the target needs, in Dockerfile order.</summary>
    public IReadOnlyList<int> Needed { get; private set; } = [];

    /// <exception cref="DockerfileException">A FROM does not resolve, a reference is invalid or circular, or the target is unknown.</exception>
    public static StageGraph Build(DockerfileStages dockerfile, GlobalArgs globals, ShellWordExpander expander, BuildPlanOptions options, string fileName)
    {
        var stagesByName = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var stage in dockerfile.Stages.Where(s => s.From.StageName is not null))
        {
            stagesByName[stage.From.StageName!] = stage.Index;
        }

        var graph = new StageGraph(dockerfile.Stages, stagesByName);
        var edges = new List<List<(int Stage, Instruction Command)>>();
        foreach (var stage in dockerfile.Stages)
        {
            graph.ResolveFrom(stage, globals, expander, options.Platform);
            var commands = new List<(Instruction, bool)>();
            if (graph.Bases[^1] is { Kind: StageBaseKind.Stage, Stage: { } baseIndex })
            {
                // As in BuildKit, a trigger reports errors at the FROM line of the stage it runs in.
                commands.AddRange(dockerfile.Stages[baseIndex].Instructions.OfType<OnbuildInstruction>().Select(o => (o.Trigger with { Location = stage.From.Location }, true)));
            }
            else if (graph.Bases[^1] is { Kind: StageBaseKind.Image, Image: { } image } && options.BaseImages?.Find(image, graph.Platforms[^1]) is { } baseImage)
            {
                commands.AddRange(baseImage.OnBuild.Select(trigger => (ImageTrigger(trigger, image, stage.From.Location), true)));
            }

            commands.AddRange(stage.Instructions.Select(i => (i, false)));
            graph.Commands.Add(commands);
            edges.Add(commands
                .SelectMany(c => graph.SourcesOf(c.Item1, expander).Select(r => (r.Stage, c.Item1)))
                .Where(e => e.Stage is not null)
                .Select(e => (e.Stage!.Value, e.Item2))
                .ToList());
        }

        CheckCycles(dockerfile.Stages, edges);
        graph.Target = graph.ResolveTarget(options.Target, fileName);
        graph.Needed = graph.FindNeeded(edges);
        return graph;
    }

    // A base image's trigger is checked as an ONBUILD line of this Dockerfile would be.
    private static Instruction ImageTrigger(string trigger, string image, SourceLocation location)
    {
        try
        {
            var parsed = DockerfileParser.Parse("ONBUILD " + trigger, image);
            return ((OnbuildInstruction)InstructionParser.Parse(parsed.Instructions.Single())).Trigger with { Location = location };
        }
        catch (DockerfileException e)
        {
            throw new DockerfileException(location, $"ONBUILD trigger \"{trigger}\" of {image}: {e.Reason}");
        }
    }

    /// <summary>Resolves a <c>--from</c> / <c>from=</c> value: a stage index, a stage name (any case), or an image.</summary>
    public SourceReference Resolve(string from, SourceLocation location)
    {
        if (int.TryParse(from, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var index))
        {
            return index >= 0 && index < Stages.Count
                ? new SourceReference(index, null)
                : throw new DockerfileException(location, $"invalid stage index {from}");
        }

        return _stagesByName.TryGetValue(from, out var named) ? new SourceReference(named, null) : new SourceReference(null, from);
    }

    /// <summary>The stages and images a command reads from, before variables are known.</summary>
    public IEnumerable<SourceReference> SourcesOf(Instruction instruction, ShellWordExpander expander)
    {
        switch (instruction)
        {
            case CopyInstruction { From: { } from } copy:
                // BuildKit resolves --from before any variable is known, so it must be literal.
                if (expander.ExpandWord(from, DictionaryVariableLookup.Empty).Value != from)
                {
                    throw new DockerfileException(copy.Location, "variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround");
                }

                yield return Resolve(from, copy.Location);
                break;
            case RunInstruction run:
                foreach (var mount in run.Mounts)
                {
                    if (RunMountParser.RawFrom(mount) is { Length: > 0 } mountFrom)
                    {
                        yield return Resolve(mountFrom, run.Location);
                    }
                }

                break;
        }
    }

    private void ResolveFrom(StageDefinition stage, GlobalArgs globals, ShellWordExpander expander, string buildPlatform)
    {
        var from = stage.From;
        var baseName = GlobalArgs.Expand(expander, from.BaseName, globals, from);
        if (baseName.Length == 0)
        {
            throw new DockerfileException(from.Location, $"base name ({from.BaseName}) should not be blank");
        }

        var platform = buildPlatform;
        if (from.Platform is not null)
        {
            platform = GlobalArgs.Expand(expander, from.Platform, globals, from);
            if (platform.Length == 0)
            {
                throw new DockerfileException(from.Location, $"empty platform value from expression {from.Platform}");
            }

            var parts = platform.Split('/');
            if (parts.Length > 3 || parts.Any(p => p.Length == 0))
            {
                throw new DockerfileException(from.Location, $"failed to parse platform {from.Platform}: \"{platform}\" is not a valid platform (os/arch[/variant])");
            }
        }

        // FROM sees only the stages defined before it; a later stage's name is an image name.
        var earlier = Stages.Take(stage.Index).LastOrDefault(s => string.Equals(s.From.StageName, baseName, StringComparison.OrdinalIgnoreCase));
        StageBase stageBase;
        if (earlier is not null)
        {
            stageBase = StageBase.FromStage(earlier.Index);
            platform = from.Platform is null ? Platforms[earlier.Index] : platform;
        }
        else if (baseName == "scratch")
        {
            stageBase = StageBase.Scratch;
        }
        else
        {
            var reference = ImageReference.Normalize(baseName, out var error)
                ?? throw new DockerfileException(from.Location, $"failed to parse stage name \"{baseName}\": {error}");
            stageBase = StageBase.FromImage(reference);
        }

        Bases.Add(stageBase);
        Platforms.Add(platform);
    }

    private int ResolveTarget(string? target, string fileName)
    {
        if (string.IsNullOrEmpty(target))
        {
            return Stages.Count - 1;
        }

        return _stagesByName.TryGetValue(target, out var index)
            ? index
            : throw new DockerfileException(fileName, Suggestion.Append($"target stage \"{target}\" could not be found", target, _stagesByName.Keys, ignoreCase: true));
    }

    private List<int> FindNeeded(List<List<(int Stage, Instruction Command)>> edges)
    {
        var needed = new HashSet<int>();
        var pending = new Stack<int>([Target]);
        while (pending.TryPop(out var stage))
        {
            if (!needed.Add(stage))
            {
                continue;
            }

            if (Bases[stage].Stage is { } baseStage)
            {
                pending.Push(baseStage);
            }

            foreach (var (dependency, _) in edges[stage])
            {
                pending.Push(dependency);
            }
        }

        return [.. needed.Order()];
    }

    /// <summary>BuildKit checks every stage, needed or not, for a chain of references leading back to itself.</summary>
    private static void CheckCycles(IReadOnlyList<StageDefinition> stages, List<List<(int Stage, Instruction Command)>> edges)
    {
        var visited = new HashSet<int>();
        var onPath = new HashSet<int>();

        Instruction? Visit(int stage)
        {
            if (!visited.Add(stage))
            {
                return null;
            }

            onPath.Add(stage);
            foreach (var (dependency, command) in edges[stage])
            {
                if (onPath.Contains(dependency) || Visit(dependency) is not null)
                {
                    return command;
                }
            }

            onPath.Remove(stage);
            return null;
        }

        foreach (var stage in stages)
        {
            if (Visit(stage.Index) is { } command)
            {
                throw new DockerfileException(command.Location, $"circular dependency detected on stage: {stage.DisplayName}");
            }
        }
    }
}
