using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Dockerfile.Planning;
using BuildFarm.Oci;
using BuildFarm.Oci.Images;

namespace BuildFarm.Execution.Config;

/// <summary>
/// The image config of one stage as its steps are applied, with BuildKit's semantics: starts from
/// the base image's config (or scratch's), changes it with each planned step's expanded
/// instruction, records a history entry per step, and collects the diffIDs of the layers made.
/// Pure: no file system, no clock (the caller gives <c>created</c>, e.g. from SOURCE_DATE_EPOCH).
/// </summary>
public sealed class ImageConfigBuilder
{
    /// <summary>The history comment BuildKit's Dockerfile frontend writes.</summary>
    public const string HistoryComment = "buildkit.dockerfile.v0";

    /// <summary>The PATH BuildKit adds to a Linux config that sets none.</summary>
    public const string DefaultPath = BaseImageConfig.DefaultPath;

    private readonly ImageConfig _start;
    private readonly DateTimeOffset? _created;
    private readonly List<HistoryEntry> _history;
    private readonly List<Digest> _diffIds;
    private readonly List<string> _env;
    private readonly Dictionary<string, string> _labels;
    private readonly HashSet<string> _exposedPorts;
    private readonly HashSet<string> _volumes;
    private readonly List<string> _onBuild = [];
    private ContainerConfig _config;
    private string? _author;

    // Docker's rule: ENTRYPOINT clears the Cmd unless this stage has set a CMD itself.
    private bool _cmdSetInStage;

    private ImageConfigBuilder(ImageConfig start, DateTimeOffset? created)
    {
        _start = start;
        _created = created;
        _author = start.Author;
        _history = [.. start.History ?? []];
        _diffIds = [.. start.RootFs.DiffIds];
        var config = start.Config ?? new ContainerConfig();
        _env = [.. config.Env ?? []];
        _labels = new(config.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        _exposedPorts = new(config.ExposedPorts ?? new HashSet<string>(), StringComparer.Ordinal);
        _volumes = new(config.Volumes ?? new HashSet<string>(), StringComparer.Ordinal);

        // The base's ONBUILD triggers run as this stage's first steps; the result does not keep them.
        _config = config with { OnBuild = null };
        if (start.OS != "windows" && !_env.Any(e => NameOf(e) == "PATH"))
        {
            _env.Add("PATH=" + DefaultPath);
        }
    }

    /// <summary>A stage on top of an image, or on top of an earlier stage's result.</summary>
    /// <param name="baseConfig">The base's config; its history and layers are kept.</param>
    /// <param name="created">The time written into new history entries and the result (null: none).</param>
    public static ImageConfigBuilder FromBase(ImageConfig baseConfig, DateTimeOffset? created)
    {
        ArgumentNullException.ThrowIfNull(baseConfig);
        return new ImageConfigBuilder(baseConfig, created);
    }

    /// <summary><c>FROM scratch</c>: BuildKit's empty image — working directory <c>/</c> and, except on Windows, the default PATH.</summary>
    public static ImageConfigBuilder FromScratch(Platform platform, DateTimeOffset? created)
    {
        ArgumentNullException.ThrowIfNull(platform);
        var empty = new ImageConfig
        {
            OS = platform.OS,
            Architecture = platform.Architecture,
            Variant = platform.Variant,
            OSVersion = platform.OSVersion,
            OSFeatures = platform.OSFeatures,
            Config = new ContainerConfig { WorkingDir = "/" },
        };
        return new ImageConfigBuilder(empty, created);
    }

    /// <summary>Applies one planned step of this stage; steps must come in plan order.</summary>
    /// <exception cref="ArgumentException">The step's instruction cannot be a step (e.g. FROM), or a command step has no command.</exception>
    public AppliedStep Apply(PlannedStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        string? directory = null;
        switch (step.Instruction)
        {
            case EnvInstruction env:
                foreach (var variable in env.Variables)
                {
                    SetEnv(variable.Key, variable.Value);
                }

                break;
            case LabelInstruction label:
                foreach (var pair in label.Labels)
                {
                    _labels[pair.Key] = pair.Value;
                }

                break;
            case WorkdirInstruction workdir:
                _config = _config with { WorkingDir = workdir.Path };
                directory = step.ProducesLayer ? workdir.Path : null;
                break;
            case UserInstruction user:
                _config = _config with { User = user.User };
                break;
            case ExposeInstruction expose:
                _exposedPorts.UnionWith(expose.Ports);
                break;
            case VolumeInstruction volume:
                _volumes.UnionWith(volume.Volumes);
                break;
            case CmdInstruction:
                _config = _config with { Cmd = Command(step), ArgsEscaped = true };
                _cmdSetInStage = true;
                break;
            case EntrypointInstruction:
                _config = _config with { Entrypoint = Command(step), Cmd = _cmdSetInStage ? _config.Cmd : null };
                break;
            case ShellInstruction shell:
                _config = _config with { Shell = [.. shell.Shell] };
                break;
            case StopSignalInstruction signal:
                _config = _config with { StopSignal = signal.Signal };
                break;
            case HealthcheckInstruction health:
                _config = _config with { Healthcheck = Healthcheck(health) };
                break;
            case OnbuildInstruction onbuild:
                _onBuild.Add(onbuild.Expression);
                break;
            case MaintainerInstruction maintainer:
                _author = maintainer.Maintainer;
                break;
            case ArgInstruction or RunInstruction or FileInstruction:
                break; // They change the build, not the config.
            default:
                throw new ArgumentException($"{step.Instruction.Keyword} is not a step that changes an image config.", nameof(step));
        }

        var history = HistoryText.CreatedBy(step) is { } createdBy
            ? new HistoryEntry { Created = _created, CreatedBy = createdBy, Comment = HistoryComment, EmptyLayer = !step.ProducesLayer }
            : null;
        if (history is not null)
        {
            _history.Add(history);
        }

        return new AppliedStep(history, directory);
    }

    /// <summary>Records the diffID of the layer the last applied step made.</summary>
    public void AddLayer(Digest diffId) => _diffIds.Add(diffId);

    /// <summary>
    /// The last applied step was to make a layer but changed nothing: as BuildKit's exporter
    /// does, no empty layer is kept and its history entry says <c>empty_layer</c>.
    /// </summary>
    public void OmitEmptyLayer()
    {
        if (_history.Count > 0 && _history[^1].EmptyLayer != true)
        {
            _history[^1] = _history[^1] with { EmptyLayer = true };
        }
    }

    /// <summary>The config as it stands: the stage's image config.</summary>
    public ImageConfig Build() => _start with
    {
        Author = _author,
        Created = _created ?? _start.Created,
        History = [.. _history],
        RootFs = new RootFs { DiffIds = [.. _diffIds] },
        Config = _config with
        {
            Env = NullIfEmpty(_env),
            Labels = _labels.Count == 0 ? null : new Dictionary<string, string>(_labels, StringComparer.Ordinal),
            ExposedPorts = _exposedPorts.Count == 0 ? null : new HashSet<string>(_exposedPorts, StringComparer.Ordinal),
            Volumes = _volumes.Count == 0 ? null : new HashSet<string>(_volumes, StringComparer.Ordinal),
            OnBuild = NullIfEmpty(_onBuild),
        },
    };

    private void SetEnv(string name, string value)
    {
        // Replaced in place so a variable keeps the position of its first definition, as in Docker.
        var index = _env.FindIndex(e => NameOf(e) == name);
        if (index < 0)
        {
            _env.Add($"{name}={value}");
        }
        else
        {
            _env[index] = $"{name}={value}";
        }
    }

    private static Healthcheck Healthcheck(HealthcheckInstruction health) => new()
    {
        Test = [.. health.Test],
        Interval = FromNanoseconds(health.Interval),
        Timeout = FromNanoseconds(health.Timeout),
        StartPeriod = FromNanoseconds(health.StartPeriod),
        StartInterval = FromNanoseconds(health.StartInterval),
        Retries = health.Retries,
    };

    private static TimeSpan FromNanoseconds(GoDuration duration) => TimeSpan.FromTicks(duration.Nanoseconds / TimeSpan.NanosecondsPerTick);

    private static List<string> Command(PlannedStep step) => [.. HistoryText.CommandOf(step)];

    private static string NameOf(string entry)
    {
        var equals = entry.IndexOf('=', StringComparison.Ordinal);
        return equals < 0 ? entry : entry[..equals];
    }

    private static List<string>? NullIfEmpty(List<string> values) => values.Count == 0 ? null : [.. values];
}
