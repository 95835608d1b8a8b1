using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Dockerfile.Planning;
using BuildFarm.Execution.Files;
using BuildFarm.Execution.Files.Internal;
using BuildFarm.Execution.Sandbox;
using BuildFarm.Execution.Sources;
using BuildFarm.Execution.Steps;
using BuildFarm.Oci.Layers;

namespace BuildFarm.Execution.Building.Internal;

/// <summary>Does what one described step does to the file system and returns the layer it made.</summary>
internal sealed class StepExecutor(DescribedStep described)
{
    private readonly PlannedStep _step = described.Step;
    private readonly IReadOnlyList<LayerBlob> _below = described.Description.Parents;
    private readonly ExecutionEngine _execution = described.Engine.Execution;

    public Task<LayerBlob> RunAsync() => _step.Instruction switch
    {
        RunInstruction instruction => RunCommandAsync(instruction),
        WorkdirInstruction => CreateWorkingDirectoryAsync(),
        FileInstruction instruction => CopyAsync(instruction),
        _ => throw new NotSupportedException($"{_step.Instruction.Keyword} steps are not supported yet."),
    };

    private async Task<LayerBlob> RunCommandAsync(RunInstruction instruction)
    {
        if (instruction.Security == SecurityMode.Insecure)
        {
            throw new NotSupportedException("RUN --security=insecure is not allowed: every step runs sandboxed.");
        }

        var process = new SandboxProcess
        {
            Arguments = _step.Command!,
            Environment = _step.ProcessEnvironment(),
            WorkingDirectory = _step.WorkingDirectory,
            User = _step.User,
            Network = instruction.Network,
            ExtraHosts = [.. described.Description.Build.ExtraHosts.Select(ExtraHost.Parse)],
        };

        // A heredoc script with a shebang runs as a file of its own, mounted read-only where the
        // plan says (BuildKit's /dev/pipes/NAME), never part of the layer.
        var scripts = _step.Inputs.Where(input => input.Kind == InputKind.Inline).ToList();
        var scriptDirectory = scripts.Count > 0 ? _execution.Paths.NewExecDirectory() : null;
        try
        {
            if (scriptDirectory is not null)
            {
                Directory.CreateDirectory(scriptDirectory);
                var mounts = new List<SandboxMount>();
                foreach (var script in scripts)
                {
                    var file = Path.Combine(scriptDirectory, mounts.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    await File.WriteAllTextAsync(file, script.Content, described.Cancellation).ConfigureAwait(false);
                    Oci.Internal.LibC.Chmod(file, 0b111_101_101);
                    mounts.Add(new BindMount(file, script.Paths[0]));
                }

                process = process with { Mounts = [.. process.Mounts, .. mounts] };
            }

            return await _execution.RunStepAsync(
                new RunStepRequest
                {
                    Parents = _below,
                    Process = process,
                    Mounts = _step.Mounts,
                    MountSources = _step.Mounts.Count > 0 ? new BuildMountSources(described) : null,
                    Layer = described.LayerOptions,
                    LeaseId = described.Session.LeaseId,
                },
                described.Session.Output ?? ((_, _) => ValueTask.CompletedTask),
                described.Cancellation).ConfigureAwait(false);
        }
        finally
        {
            if (scriptDirectory is not null && Directory.Exists(scriptDirectory))
            {
                Directory.Delete(scriptDirectory, recursive: true);
            }
        }
    }

    private async Task<LayerBlob> CopyAsync(FileInstruction instruction)
    {
        var request = new CopyRequest
        {
            Sources = instruction.Sources,
            InlineSources = instruction.InlineSources,
            Destination = instruction.Destination,
            Source = await SourceTreeAsync(instruction).ConfigureAwait(false),
            Chown = described.Description.LinkOwner ?? instruction.Chown,
            Chmod = instruction.Chmod,
            Parents = instruction is CopyInstruction { Parents: true },
            Excludes = instruction.Excludes,
            IsAdd = instruction is AddInstruction,
            Unpack = (instruction as AddInstruction)?.Unpack,
            Checksum = (instruction as AddInstruction)?.Checksum,
            FetchedUrls = await described.DownloadsAsync().ConfigureAwait(false),
            GitCheckouts = await described.CheckoutGitSourcesAsync().ConfigureAwait(false),
        };
        if (request.Source is not ContentSourceTree context || instruction is not CopyInstruction)
        {
            return await CopyWholeAsync(instruction, request).ConfigureAwait(false);
        }

        var history = described.Engine.CopyHistory;
        var family = ContextCopyHistory.Family(_step, _below, context, described.Build.Context.IgnoreFile);
        var layer = await history.TryPatchAsync(family, request, instruction, _below, described).ConfigureAwait(false)
            ?? await CopyWholeAsync(instruction, request).ConfigureAwait(false);
        history.Record(family, context.Tree.Root, layer);
        return layer;
    }

    private async Task<LayerBlob> CopyWholeAsync(FileInstruction instruction, CopyRequest request)
    {
        if (!instruction.Link)
        {
            return await _execution.ChangeAsync(
                _below,
                root => FileCopier.CopyAsync(request, root.Path, described.Engine.Http, described.Cancellation),
                described.LayerOptions,
                described.Session.LeaseId,
                described.Cancellation).ConfigureAwait(false);
        }

        // --link: the files alone make the layer, whatever is below (--chown names were resolved below it when the step opened).
        return await _execution.WriteLayerAsync(
            directory => FileCopier.CopyAsync(request, directory, described.Engine.Http, described.Cancellation),
            described.LayerOptions,
            described.Session.LeaseId,
            described.Cancellation).ConfigureAwait(false);
    }

    // The tree a COPY reads: the stage or image it names, else the context (none for heredocs and URLs only).
    private async Task<SourceTree?> SourceTreeAsync(FileInstruction instruction)
    {
        for (var i = 0; i < _step.Inputs.Count; i++)
        {
            if (_step.Inputs[i].Kind is InputKind.Context or InputKind.Stage or InputKind.Image)
            {
                return await described.TreeAsync(i).ConfigureAwait(false);
            }
        }

        return null;
    }

    // BuildKit creates the directory, and missing parents, owned by the user in force.
    private Task<LayerBlob> CreateWorkingDirectoryAsync() =>
        _execution.ChangeAsync(
            _below,
            root =>
            {
                var user = _step.User.Length == 0 ? ContainerUser.Root : ContainerUser.Resolve(_step.User, root.Path);
                var target = new CopyTarget(root.Path, ChmodSpec.None, (user.Uid, user.Gid));
                target.CreateDirectories(target.Resolve(_step.WorkingDirectory));
                return Task.CompletedTask;
            },
            described.LayerOptions,
            described.Session.LeaseId,
            described.Cancellation);
}
