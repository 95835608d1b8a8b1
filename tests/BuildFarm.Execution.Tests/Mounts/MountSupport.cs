using System.Text;
using BuildFarm.Dockerfile.Ignore;
using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Dockerfile.Planning;
using BuildFarm.Execution.Internal;
using BuildFarm.Execution.Mounts;
using BuildFarm.Execution.Sandbox;
using BuildFarm.Execution.Sources;
using BuildFarm.Execution.Steps;
using BuildFarm.Execution.Tests.TestSupport;
using BuildFarm.Oci.Layers;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Mounts;

/// <summary>The sources a test build offers its mounts: a context directory, named stages, secrets and agents.</summary>
internal sealed class TestMountSources : IMountSources, ISecretSource, ISshAgentSource
{
    public TestMountSources(string contextDirectory, string? dockerignore = null)
    {
        Context = SourceTree.ForContext(
            contextDirectory,
            dockerignore is null ? DockerIgnore.Empty : DockerIgnore.Parse(dockerignore, ".dockerignore"),
            new FileDigestCache());
    }

    public SourceTree Context { get; }

    public Dictionary<string, IReadOnlyList<LayerBlob>> Stages { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> SecretValues { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> AgentSockets { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, ISshAgentChannel> AgentChannels { get; } = new(StringComparer.Ordinal);

    public ISecretSource Secrets => this;

    public ISshAgentSource? Ssh => this;

    public Task<IReadOnlyList<LayerBlob>> ResolveLayersAsync(string from, CancellationToken cancellationToken) =>
        Stages.TryGetValue(from, out var layers) ? Task.FromResult(layers) : throw new InvalidOperationException($"The test build has no stage '{from}'.");

    public ReadOnlyMemory<byte>? Find(string id) => SecretValues.TryGetValue(id, out var value) ? Encoding.UTF8.GetBytes(value) : (ReadOnlyMemory<byte>?)null;

    public string? FindSocket(string id) => AgentSockets.GetValueOrDefault(id);

    public ISshAgentChannel? FindChannel(string id) => AgentChannels.GetValueOrDefault(id);
}

/// <summary>Runs a RUN instruction, planned by the real planner (so mounts get its defaults), on busybox.</summary>
internal static class MountedSteps
{
    /// <summary>Stages the instruction's <c>from=</c> may name; the test's sources give their layers.</summary>
    private const string Preamble = "FROM scratch AS stage\nFROM scratch AS other\nFROM scratch\n";

    /// <summary>The RUN's mounts as the planner gives them to the engine.</summary>
    public static IReadOnlyList<RunMount> Plan(string run) => PlanStep(run).Mounts;

    public static async Task<RunOutcome> RunMountedAsync(
        this EngineFixture fixture,
        string run,
        IMountSources? sources,
        Action<string>? onStdout = null,
        Func<SandboxProcess, SandboxProcess>? configure = null,
        CancellationToken cancellationToken = default,
        ExecutionEngine? engine = null,
        IReadOnlyList<LayerBlob>? parents = null)
    {
        var step = PlanStep(run);
        var process = new SandboxProcess { Arguments = step.Command!, Environment = [EngineFixture.Path] };
        var output = new List<OutputLine>();
        var layer = await (engine ?? fixture.Engine).RunStepAsync(
            new RunStepRequest
            {
                Parents = parents ?? [fixture.Busybox],
                Process = configure?.Invoke(process) ?? process,
                Mounts = step.Mounts,
                MountSources = sources,
            },
            (line, _) =>
            {
                lock (output)
                {
                    output.Add(line);
                }

                if (line.Stream == OutputStreamKind.Stdout)
                {
                    onStdout?.Invoke(line.Text);
                }

                return ValueTask.CompletedTask;
            },
            cancellationToken);
        return new RunOutcome(layer, output);
    }

    /// <summary>Mounts of the data directory still in the mount table: none once a step is over.</summary>
    public static IReadOnlyList<string> MountsUnder(string directory) => MountTable.MountPointsUnder(directory);

    /// <summary>What is left in the engine's exec dir: nothing once a step is over.</summary>
    public static IEnumerable<string> ExecLeftovers(this EngineFixture fixture) =>
        Directory.EnumerateFileSystemEntries(Path.Combine(fixture.DataDirectory, "exec")).Select(static e => Path.GetFileName(e));

    private static PlannedStep PlanStep(string run) =>
        BuildPlanner.Plan(Preamble + run + "\n", "Dockerfile", new BuildPlanOptions()).Target.Steps.Single();
}

/// <summary>A named pipe in a host directory that a sandbox sees through a bind mount: a step blocks reading it until the test writes.</summary>
internal sealed class Gate : IDisposable
{
    private readonly TempDirectory _directory = new("buildfarm-gate");

    private Gate()
    {
    }

    /// <summary>Where a step reads the gate: <c>read x &lt; /gate/open</c>.</summary>
    public const string ReadCommand = "read x < /gate/open";

    public static async Task<Gate> CreateAsync()
    {
        var gate = new Gate();
        await ProcessRunner.RunCheckedAsync("mkfifo", [gate._directory.Combine("open")]);
        return gate;
    }

    public SandboxProcess MountInto(SandboxProcess process) =>
        process with { Mounts = [.. process.Mounts, new BindMount(_directory.Path, "/gate", ReadOnly: false)] };

    /// <summary>Lets the step that reads the gate go on (opening the pipe waits for that reader).</summary>
    public Task OpenAsync() => Task.Run(() => File.WriteAllText(_directory.Combine("open"), "go\n"));

    public void Dispose() => _directory.Dispose();
}
