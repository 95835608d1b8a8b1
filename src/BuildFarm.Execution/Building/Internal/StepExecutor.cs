using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Dockerfile.Planning;
using BuildFarm.Execution.Sandbox;
using BuildFarm.Execution.Steps;
using BuildFarm.Oci.Layers;

namespace BuildFarm.Execution.Building.Internal;

/// <summary>Does what one step does to the file system and returns the layer it made.</summary>
internal sealed class StepExecutor(BuildRun run, PlannedStep step, string name, IReadOnlyList<LayerBlob> below)
{
    public Task<LayerBlob> RunAsync() => step.Instruction switch
    {
        RunInstruction instruction => RunCommandAsync(instruction),
        WorkdirInstruction => CreateWorkingDirectoryAsync(),
        _ => throw new NotSupportedException($"{step.Instruction.Keyword} steps are not supported yet."),
    };

    private Task<LayerBlob> RunCommandAsync(RunInstruction instruction)
    {
        if (instruction.Security == SecurityMode.Insecure)
        {
            throw new NotSupportedException("RUN --security=insecure is not allowed: every step runs sandboxed.");
        }

        if (step.Mounts.Count > 0)
        {
            throw new NotSupportedException("RUN --mount is not supported yet.");
        }

        var process = new SandboxProcess
        {
            Arguments = step.Command!,
            Environment = [.. step.Environment.Select(v => $"{v.Name}={v.Value}"), .. step.ProxyEnvironment.Select(p => $"{p.Key}={p.Value}")],
            WorkingDirectory = step.WorkingDirectory,
            User = step.User,
            Network = instruction.Network,
        };
        return run.Engine.Execution.RunStepAsync(
            new RunStepRequest { Parents = below, Process = process, Layer = run.LayerOptions, LeaseId = run.LeaseId },
            (line, cancellationToken) => run.EmitAsync(new StepLog(line.Timestamp, step.Id, name, line)),
            run.Cancellation);
    }

    // BuildKit creates the directory, and missing parents, owned by the user in force.
    private Task<LayerBlob> CreateWorkingDirectoryAsync() =>
        run.Engine.Execution.ChangeAsync(
            below,
            root =>
            {
                var user = step.User.Length == 0 ? ContainerUser.Root : ContainerUser.Resolve(step.User, root.Path);
                RootDirectories.Create(root.Path, step.WorkingDirectory, user.Uid, user.Gid);
                return Task.CompletedTask;
            },
            run.LayerOptions,
            run.LeaseId,
            run.Cancellation);
}
