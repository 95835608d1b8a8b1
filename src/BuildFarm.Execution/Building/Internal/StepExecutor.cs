using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Dockerfile.Planning;
using BuildFarm.Execution.Files;
using BuildFarm.Execution.Files.Internal;
using BuildFarm.Execution.Sandbox;
using BuildFarm.Execution.Sources;
using BuildFarm.Execution.Steps;
using BuildFarm.Oci.Layers;

namespace BuildFarm.Execution.Building.Internal;

/// <summary>Does what one step does to the file system and returns the layer it made.</summary>
internal sealed class StepExecutor(BuildRun run, PlannedStep step, string name, IReadOnlyList<LayerBlob> below, StepSources sources)
{
    public Task<LayerBlob> RunAsync() => step.Instruction switch
    {
        RunInstruction instruction => RunCommandAsync(instruction),
        WorkdirInstruction => CreateWorkingDirectoryAsync(),
        FileInstruction instruction => CopyAsync(instruction),
        _ => throw new NotSupportedException($"{step.Instruction.Keyword} steps are not supported yet."),
    };

    private async Task<LayerBlob> RunCommandAsync(RunInstruction instruction)
    {
        if (instruction.Security == SecurityMode.Insecure)
        {
            throw new NotSupportedException("RUN --security=insecure is not allowed: every step runs sandboxed.");
        }

        var process = new SandboxProcess
        {
            Arguments = step.Command!,
            Environment = [.. step.Environment.Select(v => $"{v.Name}={v.Value}"), .. step.ProxyEnvironment.Select(p => $"{p.Key}={p.Value}")],
            WorkingDirectory = step.WorkingDirectory,
            User = step.User,
            Network = instruction.Network,
            ExtraHosts = run.Request.ExtraHosts,
        };

        // A heredoc script with a shebang runs as a file of its own, mounted read-only where the
        // plan says (BuildKit's /dev/pipes/NAME), never part of the layer.
        var scripts = step.Inputs.Where(input => input.Kind == InputKind.Inline).ToList();
        var scriptDirectory = scripts.Count > 0 ? run.Engine.Execution.Paths.NewExecDirectory() : null;
        try
        {
            if (scriptDirectory is not null)
            {
                Directory.CreateDirectory(scriptDirectory);
                var mounts = new List<SandboxMount>();
                foreach (var script in scripts)
                {
                    var file = Path.Combine(scriptDirectory, mounts.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    await File.WriteAllTextAsync(file, script.Content, run.Cancellation).ConfigureAwait(false);
                    Oci.Internal.LibC.Chmod(file, 0b111_101_101);
                    mounts.Add(new BindMount(file, script.Paths[0]));
                }

                process = process with { Mounts = [.. process.Mounts, .. mounts] };
            }

            return await run.Engine.Execution.RunStepAsync(
                new RunStepRequest
                {
                    Parents = below,
                    Process = process,
                    Mounts = step.Mounts,
                    MountSources = step.Mounts.Count > 0 ? new BuildMountSources(run, step) : null,
                    Layer = run.LayerOptions,
                    LeaseId = run.LeaseId,
                },
                (line, cancellationToken) => run.EmitAsync(new StepLog(line.Timestamp, step.Id, name, line)),
                run.Cancellation).ConfigureAwait(false);
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
            Chown = instruction.Chown,
            Chmod = instruction.Chmod,
            Parents = instruction is CopyInstruction { Parents: true },
            Excludes = instruction.Excludes,
            IsAdd = instruction is AddInstruction,
            Unpack = (instruction as AddInstruction)?.Unpack,
            Checksum = (instruction as AddInstruction)?.Checksum,
            FetchedUrls = sources.Downloads,
        };
        if (!instruction.Link)
        {
            return await run.Engine.Execution.ChangeAsync(
                below,
                root => FileCopier.CopyAsync(request, root.Path, run.Engine.Http, run.Cancellation),
                run.LayerOptions,
                run.LeaseId,
                run.Cancellation).ConfigureAwait(false);
        }

        // --link: the files alone make the layer, whatever is below (names in --chown cannot be looked up).
        return await run.Engine.Execution.WriteLayerAsync(
            directory => FileCopier.CopyAsync(request, directory, run.Engine.Http, run.Cancellation),
            run.LayerOptions,
            run.LeaseId,
            run.Cancellation).ConfigureAwait(false);
    }

    // The tree a COPY reads: the stage or image it names, else the context (none for heredocs and URLs only).
    private async Task<SourceTree?> SourceTreeAsync(FileInstruction instruction)
    {
        for (var i = 0; i < step.Inputs.Count; i++)
        {
            if (step.Inputs[i].Kind is InputKind.Context or InputKind.Stage or InputKind.Image)
            {
                return await sources.TreeAsync(i).ConfigureAwait(false);
            }
        }

        return null;
    }

    // BuildKit creates the directory, and missing parents, owned by the user in force.
    private Task<LayerBlob> CreateWorkingDirectoryAsync() =>
        run.Engine.Execution.ChangeAsync(
            below,
            root =>
            {
                var user = step.User.Length == 0 ? ContainerUser.Root : ContainerUser.Resolve(step.User, root.Path);
                var target = new CopyTarget(root.Path, ChmodSpec.None, (user.Uid, user.Gid));
                target.CreateDirectories(target.Resolve(step.WorkingDirectory));
                return Task.CompletedTask;
            },
            run.LayerOptions,
            run.LeaseId,
            run.Cancellation);
}
