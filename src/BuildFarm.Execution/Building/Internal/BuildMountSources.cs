using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Dockerfile.Planning;
using BuildFarm.Execution.Mounts;
using BuildFarm.Execution.Sources;
using BuildFarm.Oci.Layers;

namespace BuildFarm.Execution.Building.Internal;

/// <summary>What the <c>RUN --mount</c>s of one described step draw on: its context, the stages and images it reads, the session's secrets and agents.</summary>
internal sealed class BuildMountSources : IMountSources
{
    private readonly DescribedStep _step;
    private readonly Dictionary<string, int> _fromInputs;

    public BuildMountSources(DescribedStep step)
    {
        _step = step;
        _fromInputs = FromInputs(step.Step);
    }

    public SourceTree Context => _step.Build.Context.Tree;

    public ISecretSource Secrets => _step.Session.Secrets ?? NoSecrets.Instance;

    public ISshAgentSource? Ssh => _step.Session.SshAgents;

    public Task<IReadOnlyList<LayerBlob>> ResolveLayersAsync(string from, CancellationToken cancellationToken) =>
        Task.FromResult(_fromInputs.TryGetValue(from, out var index)
            ? _step.LayersOf(index)
            : throw new InvalidOperationException($"from=\"{from}\" is not among the step's planned inputs."));

    /// <summary>
    /// The index of the stage or image input each <c>from=</c> was planned as. The planner adds one input per
    /// mount that reads a tree, in mount order: a bind mount reads the context or its <c>from=</c>,
    /// a cache mount its <c>from=</c> if it has one; so the inputs pair up with those mounts.
    /// </summary>
    private static Dictionary<string, int> FromInputs(PlannedStep step)
    {
        var inputs = new Dictionary<string, int>(StringComparer.Ordinal);
        var next = 0;
        foreach (var mount in step.Mounts)
        {
            var from = string.IsNullOrEmpty(mount.From) ? null : mount.From;
            if (mount.Type == MountType.Bind || (mount.Type == MountType.Cache && from is not null))
            {
                var index = next++;
                if (from is not null)
                {
                    var input = step.Inputs[index];
                    inputs.TryAdd(from, input.Kind is InputKind.Stage or InputKind.Image
                        ? index
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
