using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Dockerfile.Parsing;
using BuildFarm.Testing;

namespace BuildFarm.Cli.Tests.Deploy;

/// <summary>The last stage of deploy/Dockerfile as the farm's own parser reads it: what a silo container starts with.</summary>
internal sealed record SiloImage(IReadOnlyList<string> Entrypoint, IReadOnlyList<string> Cmd, IReadOnlyDictionary<string, string> Environment, IReadOnlyList<string> Volumes, IReadOnlyList<string> ExposedPorts)
{
    public static readonly string DockerfilePath = RepositoryRoot.Combine("deploy", "Dockerfile");

    public static SiloImage Read()
    {
        var instructions = DockerfileParser.Parse(File.ReadAllText(DockerfilePath), "Dockerfile").Instructions.Select(InstructionParser.Parse).ToList();
        var lastStage = instructions.Skip(instructions.FindLastIndex(static i => i is FromInstruction)).ToList();
        return new SiloImage(
            ExecForm(lastStage.OfType<EntrypointInstruction>().Last().Command),
            ExecForm(lastStage.OfType<CmdInstruction>().Last().Command),
            lastStage.OfType<EnvInstruction>().SelectMany(static env => env.Variables).ToDictionary(static v => v.Key, static v => v.Value),
            [.. lastStage.OfType<VolumeInstruction>().SelectMany(static v => v.Volumes)],
            [.. lastStage.OfType<ExposeInstruction>().SelectMany(static e => e.Ports)]);
    }

    /// <summary>The program and arguments after tini's <c>--</c>: what the container's init runs.</summary>
    public IReadOnlyList<string> Program => Entrypoint[0] == "/usr/bin/tini" && Entrypoint[1] == "--" ? Entrypoint.Skip(2).ToList() : Entrypoint;

    // A shell-form ENTRYPOINT would run under /bin/sh as PID 1's child and never see SIGTERM.
    private static IReadOnlyList<string> ExecForm(Dockerfile.Instructions.CommandLine command)
    {
        Assert.False(command.PrependShell, "deploy/Dockerfile's ENTRYPOINT and CMD must be in exec (JSON) form");
        return command.Arguments;
    }
}
