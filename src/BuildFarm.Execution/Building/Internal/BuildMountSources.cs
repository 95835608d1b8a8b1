using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Dockerfile.Planning;
using BuildFarm.Execution.Mounts;
using BuildFarm.Execution.Sources;
using BuildFarm.Oci.Layers;

namespace BuildFarm.Execution.Building.Internal;

/// <summary>What the <c>RUN --mount</c>s of one step of a build draw on: its context, the stages and images it reads, the request's secrets and agents.</summary>
internal sealed class BuildMountSources : IMountSources
{
    private readonly BuildRun _run;
    private readonly Dictionary<string, StepInput> _fromInputs;

    public BuildMountSources(BuildRun run, PlannedStep step)
    {
        _run = run;
        _fromInputs = FromInputs(step);
    }

    public SourceTree Context => _run.Context;

    public ISecretSource Secrets => _run.Request.Secrets ?? NoSecrets.Instance;

    public ISshAgentSource? Ssh => _run.Request.SshAgents;

    public async Task<IReadOnlyList<LayerBlob>> ResolveLayersAsync(string from, CancellationToken cancellationToken)
    {
        var input = _fromInputs.GetValueOrDefault(from) ?? throw new InvalidOperationException($"from=\"{from}\" is not among the step's planned inputs.");
        return input.Kind == InputKind.Stage
            ? (await _run.StageAsync(input.Stage!.Value).WaitAsync(cancellationToken).ConfigureAwait(false)).Layers
            : _run.Images[input.Reference!].Layers;
    }

    /// <summary>
    /// The stage or image input each <c>from=</c> was planned as. The planner adds one input per
    /// mount that reads a tree, in mount order: a bind mount reads the context or its <c>from=</c>,
    /// a cache mount its <c>from=</c> if it has one; so the inputs pair up with those mounts.
    /// </summary>
    private static Dictionary<string, StepInput> FromInputs(PlannedStep step)
    {
        var inputs = new Dictionary<string, StepInput>(StringComparer.Ordinal);
        var next = 0;
        foreach (var mount in step.Mounts)
        {
            var from = string.IsNullOrEmpty(mount.From) ? null : mount.From;
            if (mount.Type == MountType.Bind || (mount.Type == MountType.Cache && from is not null))
            {
                var input = step.Inputs[next++];
                if (from is not null)
                {
                    inputs.TryAdd(from, input.Kind is InputKind.Stage or InputKind.Image
                        ? input
                        : throw new InvalidOperationException($"Step {step.Id}: mount from=\"{from}\" was planned as a {input.Kind} input."));
                }
            }
        }

        return inputs;
    }

    private sealed class NoSecrets : ISecretSource
    {
        public static NoSecrets Instance { get; } = new();

        public ReadOnlyMemory<byte>? Find(string id) => null;
    }
}
