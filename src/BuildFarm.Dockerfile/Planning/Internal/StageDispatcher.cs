using BuildFarm.Dockerfile.Expansion;
using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Dockerfile.Internal;
using BuildFarm.Dockerfile.Scoping;

namespace BuildFarm.Dockerfile.Planning.Internal;

/// <summary>
/// Turns one stage's commands into steps, in BuildKit's dispatch order: each instruction is
/// expanded with the variables in force where BuildKit expands it, then changes the stage state
/// (variables, working directory, user, shell) the next instruction sees.
/// </summary>
internal sealed class StageDispatcher
{
    private const string InlinePipeDirectory = "/dev/pipes/";

    private readonly StageGraph _graph;
    private readonly GlobalArgs _globals;
    private readonly ShellWordExpander _expander;
    private readonly BuildPlanOptions _options;
    private readonly Dictionary<int, StageState> _finished = [];
    private readonly Dictionary<int, PlannedStage> _planned = [];

    // Heredoc bodies of COPY/ADD keep their quotes and always escape with a backslash (BuildKit's ExpandRaw).
    private readonly ShellWordExpander _heredocExpander = new('\\') { SkipProcessQuotes = true };

    public StageDispatcher(StageGraph graph, GlobalArgs globals, ShellWordExpander expander, BuildPlanOptions options)
    {
        _graph = graph;
        _globals = globals;
        _expander = expander;
        _options = options;
    }

    /// <summary>ARG names declared by the stages dispatched so far.</summary>
    public HashSet<string> DeclaredArgs { get; } = new(StringComparer.Ordinal);

    /// <summary>Plans stage <paramref name="index"/>; every stage it builds on must be planned already.</summary>
    public PlannedStage Dispatch(int index)
    {
        var definition = _graph.Stages[index];
        var stageBase = _graph.Bases[index];
        var platform = _graph.Platforms[index];
        var state = stageBase switch
        {
            { Kind: StageBaseKind.Stage, Stage: { } parent } => _finished[parent].Clone(),
            { Kind: StageBaseKind.Image, Image: { } image } => StageState.FromImage(_options.BaseImages?.Find(image, platform) ?? BaseImageConfig.Empty),
            _ => StageState.FromImage(BaseImageConfig.Empty),
        };

        var steps = new List<PlannedStep>();
        foreach (var (instruction, fromOnbuild) in _graph.Commands[index])
        {
            var context = new StepContext(this, definition, state, new StepId(index, steps.Count + 1), fromOnbuild, platform, stageBase);
            var step = context.Plan(instruction);
            steps.Add(step);
            state.LastStep = step.Id;
        }

        _finished[index] = state;
        var stage = new PlannedStage(index, definition.From.StageName, stageBase, platform, definition.From, steps);
        _planned[index] = stage;
        return stage;
    }

    /// <summary>Plans one instruction of one stage.</summary>
    private sealed class StepContext(
        StageDispatcher dispatcher,
        StageDefinition stage,
        StageState state,
        StepId id,
        bool fromOnbuild,
        string platform,
        StageBase stageBase)
    {
        private readonly List<StepInput> _inputs = [];
        private readonly List<RunMount> _mounts = [];
        private Instruction _instruction = null!;
        private IReadOnlyList<string>? _command;
        private bool _producesLayer;

        public PlannedStep Plan(Instruction instruction)
        {
            _instruction = instruction;
            var expanded = instruction switch
            {
                EnvInstruction env => Env(env),
                ArgInstruction arg => Arg(arg),
                LabelInstruction label => label with { Labels = label.Labels.Select(l => new KeyValue(Expand(l.Key), Expand(l.Value), l.HasDelimiter)).ToList() },
                WorkdirInstruction workdir => Workdir(workdir),
                UserInstruction user => User(user),
                VolumeInstruction volume => Volume(volume),
                StopSignalInstruction signal => StopSignal(signal),
                ExposeInstruction expose => Expose(expose),
                ShellInstruction shell => Shell(shell),
                CmdInstruction cmd => WithCommand(cmd, cmd.Command),
                EntrypointInstruction entrypoint => WithCommand(entrypoint, entrypoint.Command),
                RunInstruction run => Run(run),
                CopyInstruction copy => Copy(copy),
                AddInstruction add => Add(add),
                _ => instruction, // HEALTHCHECK, ONBUILD, MAINTAINER: nothing to expand
            };

            var isRun = expanded is RunInstruction;
            var proxies = isRun ? PredefinedArgs.ProxyEnvironment(dispatcher._options.BuildArgs) : [];
            var step = new PlannedStep(
                id,
                state.LastStep,
                expanded,
                InstructionText.Format(expanded),
                _producesLayer,
                fromOnbuild,
                _command,
                isRun ? [.. state.Variables.Variables] : [],
                isRun ? [.. state.Variables.DeclaredArgs] : [],
                proxies,
                state.WorkingDirectory,
                state.User,
                _mounts,
                _inputs,
                []);
            return step with { CacheKey = CacheKeyComposer.Compose(step, ParentDescription(), platform) };
        }

        private string ParentDescription()
        {
            if (state.LastStep is { } parent)
            {
                return $"step {parent}";
            }

            // A stage on top of a stage whose steps are all empty still starts from that stage's base.
            var current = stageBase;
            while (current is { Kind: StageBaseKind.Stage, Stage: { } index })
            {
                current = dispatcher._graph.Bases[index];
            }

            return current.Kind == StageBaseKind.Image ? $"image {current.Image} {platform}" : "scratch";
        }

        private EnvInstruction Env(EnvInstruction env)
        {
            // Every pair is expanded before any is set: ENV A=1 B=$A sees the old A.
            var pairs = env.Variables.Select(v => new KeyValue(Expand(v.Key), Expand(v.Value), v.HasDelimiter)).ToList();
            foreach (var pair in pairs)
            {
                state.Variables.Set(pair.Key, pair.Value, VariableOrigin.Env);
            }

            return env with { Variables = pairs };
        }

        private ArgInstruction Arg(ArgInstruction arg)
        {
            var resolved = new List<ArgDeclaration>();
            foreach (var declaration in arg.Arguments)
            {
                var name = declaration.Name;
                var value = declaration.DefaultValue;
                if (dispatcher._options.BuildArgs.TryGetValue(name, out var given))
                {
                    value = given;
                }
                else if (value is not null)
                {
                    value = Expand(value);
                }
                else if (dispatcher._globals.TryGet(name, out var global))
                {
                    // A bare ARG re-declares a global ARG (or a platform arg) inside the stage.
                    value = global;
                }

                if (value is not null)
                {
                    state.Variables.Set(name, value, VariableOrigin.Arg);
                }

                state.Variables.Declare(name);
                dispatcher.DeclaredArgs.Add(name);
                resolved.Add(new ArgDeclaration(name, value));
            }

            return arg with { Arguments = resolved };
        }

        private WorkdirInstruction Workdir(WorkdirInstruction workdir)
        {
            var path = Expand(workdir.Path);
            state.WorkingDirectory = UnixPath.Clean(path.StartsWith('/') ? path : UnixPath.Join(state.WorkingDirectory, path));
            _producesLayer = state.WorkingDirectory != "/";
            return workdir with { Path = state.WorkingDirectory };
        }

        private UserInstruction User(UserInstruction user)
        {
            state.User = Expand(user.User);
            return user with { User = state.User };
        }

        private VolumeInstruction Volume(VolumeInstruction volume)
        {
            var volumes = volume.Volumes.Select(Expand).ToList();
            return volumes.Any(v => v.Length == 0)
                ? throw Error("VOLUME specified can not be an empty string")
                : volume with { Volumes = volumes };
        }

        private StopSignalInstruction StopSignal(StopSignalInstruction signal)
        {
            var value = Expand(signal.Signal);
            return ModeRules.CheckSignal(value) is { } error ? throw Error(error) : signal with { Signal = value };
        }

        private ExposeInstruction Expose(ExposeInstruction expose)
        {
            var words = new List<string>();
            foreach (var word in expose.Ports)
            {
                try
                {
                    words.AddRange(dispatcher._expander.ExpandWords(word, state.Variables).Values);
                }
                catch (WordExpansionException e)
                {
                    throw Error(e.Message);
                }
            }

            try
            {
                return expose with { Ports = ExposedPorts.Parse(words) };
            }
            catch (FormatException e)
            {
                throw Error(e.Message);
            }
        }

        private ShellInstruction Shell(ShellInstruction shell)
        {
            state.Shell = shell.Shell;
            return shell;
        }

        private T WithCommand<T>(T instruction, CommandLine command)
            where T : Instruction
        {
            _command = command.PrependShell ? [.. state.Shell, string.Join(' ', command.Arguments)] : command.Arguments;
            return instruction;
        }

        private RunInstruction Run(RunInstruction run)
        {
            _producesLayer = true;
            foreach (var spec in run.Mounts)
            {
                _mounts.Add(ResolveMount(RunMountParser.Parse(spec, run.Location, Expand)));
            }

            _command = RunCommand(run.Command);
            return run with { Mounts = _mounts.Select(InstructionText.Mount).ToList() };
        }

        /// <summary>BuildKit's handling of heredocs in RUN, then the shell for the shell form.</summary>
        private IReadOnlyList<string> RunCommand(CommandLine command)
        {
            IReadOnlyList<string> args = command.Arguments;
            if (command.Heredocs.Count > 0)
            {
                var first = command.Heredocs[0];
                if (args.Count == 1 && command.PrependShell && Instructions.Internal.HeredocReference.NameOf(args[0]) is not null)
                {
                    var data = first.ChompedContent;
                    if (data.StartsWith("#!", StringComparison.Ordinal))
                    {
                        // A script with a shebang runs as a file of its own.
                        _inputs.Add(new StepInput(InputKind.Inline, first.Name, null, [InlinePipeDirectory + first.Name], data));
                        args = [InlinePipeDirectory + first.Name];
                    }
                    else
                    {
                        args = [data];
                    }
                }
                else
                {
                    args = [args[0] + string.Concat(command.Heredocs.Select(h => "\n" + h.Content + h.Name))];
                }
            }

            return command.PrependShell ? [.. state.Shell, string.Join(' ', args)] : args;
        }

        private RunMount ResolveMount(RunMount mount)
        {
            switch (mount.Type)
            {
                case MountType.Secret:
                    var secretId = NonEmpty(mount.Source) ?? NonEmpty(mount.Id)
                        ?? (NonEmpty(mount.Target) is { } secretTarget ? UnixPath.Base(secretTarget) : throw Error("one of source, target required"));
                    var target = NonEmpty(mount.Target) ?? (mount.Env is null ? "/run/secrets/" + UnixPath.Base(secretId) : null);
                    return mount with { Id = secretId, Source = null, Target = target };
                case MountType.Ssh:
                    return NonEmpty(mount.Source) is not null
                        ? throw Error("ssh does not support source")
                        : mount with { Id = NonEmpty(mount.Id) ?? "default" };
            }

            var given = mount.Target ?? string.Empty;
            var absolute = given.StartsWith('/') ? UnixPath.Clean(given) : UnixPath.Join("/", state.WorkingDirectory, given);
            if (absolute == "/")
            {
                throw Error($"invalid mount target \"{absolute}\"");
            }

            var resolved = mount with { Target = absolute };
            if (mount.Type == MountType.Cache)
            {
                resolved = resolved with { Id = NonEmpty(mount.Id) ?? UnixPath.Clean(given), Sharing = mount.Sharing ?? CacheSharing.Shared };
            }

            if (mount.Type != MountType.Tmpfs)
            {
                var paths = new[] { RootedPath(mount.Source ?? "/") };
                if (NonEmpty(mount.From) is { } from)
                {
                    _inputs.Add(ReadFrom(from, paths, () => $"cannot mount from stage \"{from}\" to \"{mount.Target}\", stage needs to be defined before current command"));
                }
                else if (mount.Type == MountType.Bind)
                {
                    _inputs.Add(new StepInput(InputKind.Context, null, null, paths));
                }
            }

            return resolved;
        }

        private CopyInstruction Copy(CopyInstruction copy)
        {
            var destination = Expand(copy.Destination);
            var expanded = copy with
            {
                Chown = ExpandOptional(copy.Chown),
                Chmod = CheckedChmod(ExpandOptional(copy.Chmod)),
                Sources = copy.Sources.Select(Expand).ToList(),
                InlineSources = ExpandInline(copy.InlineSources),
                Destination = Destination(destination),
                WrittenDestination = destination,
            };

            foreach (var source in expanded.Sources)
            {
                if (SourceKinds.IsGit(source))
                {
                    throw Error("source can't be a git ref for COPY");
                }

                if (SourceKinds.IsUrl(source))
                {
                    throw Error("source can't be a URL for COPY");
                }
            }

            var paths = expanded.Sources.Select(RootedPath).ToList();
            if (paths.Count > 0)
            {
                _inputs.Add(copy.From is { } from
                    ? ReadFrom(from, paths, () => $"cannot copy from stage \"{from}\", it needs to be defined before current stage \"{stage.DisplayName}\"")
                    : new StepInput(InputKind.Context, null, null, paths));
            }

            AddInlineInputs(expanded.InlineSources);
            _producesLayer = true;
            return expanded;
        }

        private AddInstruction Add(AddInstruction add)
        {
            var destination = Expand(add.Destination);
            var expanded = add with
            {
                Chown = ExpandOptional(add.Chown),
                Chmod = CheckedChmod(ExpandOptional(add.Chmod)),
                Checksum = ExpandOptional(add.Checksum),
                Sources = add.Sources.Select(Expand).ToList(),
                InlineSources = ExpandInline(add.InlineSources),
                Destination = Destination(destination),
                WrittenDestination = destination,
            };

            if (!string.IsNullOrEmpty(expanded.Checksum))
            {
                if (expanded.Sources.Count != 1)
                {
                    throw Error("checksum can't be specified for multiple sources");
                }

                if (!SourceKinds.IsUrl(expanded.Sources[0]) && !SourceKinds.IsGit(expanded.Sources[0]))
                {
                    throw Error("checksum requires HTTP(S) or Git sources");
                }
            }

            var local = new List<string>();
            foreach (var source in expanded.Sources)
            {
                if (SourceKinds.IsGit(source))
                {
                    _inputs.Add(new StepInput(InputKind.Git, source, null, []));
                }
                else if (SourceKinds.IsUrl(source))
                {
                    _inputs.Add(new StepInput(InputKind.Url, source, null, []));
                }
                else
                {
                    local.Add(RootedPath(source));
                }
            }

            if (local.Count > 0)
            {
                _inputs.Add(new StepInput(InputKind.Context, null, null, local));
            }

            AddInlineInputs(expanded.InlineSources);
            _producesLayer = true;
            return expanded;
        }

        /// <summary>An input read from a stage or an image named by <c>--from</c> / <c>from=</c>.</summary>
        private StepInput ReadFrom(string from, IReadOnlyList<string> paths, Func<string> laterStageError)
        {
            var reference = dispatcher._graph.Resolve(from, _instruction.Location);
            if (reference.Stage is { } index)
            {
                // Stages are dispatched in file order, so only earlier ones have a result yet.
                return index >= stage.Index
                    ? throw Error(laterStageError())
                    : new StepInput(InputKind.Stage, dispatcher._planned[index].DisplayName, index, paths);
            }

            var image = ImageReference.Normalize(reference.Image!, out var error) ?? throw Error($"failed to parse stage name \"{reference.Image}\": {error}");
            return new StepInput(InputKind.Image, image, null, paths);
        }

        private void AddInlineInputs(IReadOnlyList<InlineSource> inline)
        {
            foreach (var source in inline)
            {
                _inputs.Add(new StepInput(InputKind.Inline, source.Name, null, [source.Name], source.Content));
            }
        }

        private List<InlineSource> ExpandInline(IReadOnlyList<InlineSource> sources) =>
            sources.Select(s => s.Expand ? s with { Content = ExpandWith(dispatcher._heredocExpander, s.Content) } : s).ToList();

        /// <summary>BuildKit's pathRelativeToWorkingDir: absolute, cleaned, a trailing slash kept (it means "into a directory").</summary>
        private string Destination(string destination)
        {
            var path = destination is "" or "." ? "./" : destination;
            var absolute = path.StartsWith('/') ? UnixPath.Clean(path) : UnixPath.Join(state.WorkingDirectory, path);
            var keepSlash = path.EndsWith('/') || path.EndsWith("/.", StringComparison.Ordinal);
            return keepSlash && !absolute.EndsWith('/') ? absolute + "/" : absolute;
        }

        private string? CheckedChmod(string? chmod) =>
            chmod is { Length: > 0 } && ModeRules.CheckChmod(chmod) is { } error ? throw Error(error) : chmod;

        private string? ExpandOptional(string? word) => word is null ? null : Expand(word);

        private string Expand(string word) => ExpandWith(dispatcher._expander, word);

        private string ExpandWith(ShellWordExpander expander, string word) =>
            GlobalArgs.Expand(expander, word, state.Variables, _instruction);

        private DockerfileException Error(string reason) => new(_instruction.Location, reason);

        /// <summary>A source path as the root of its file system sees it (<c>src/</c> is <c>/src</c>), as BuildKit records it.</summary>
        private static string RootedPath(string path) => UnixPath.Clean("/" + path);

        private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
    }
}
