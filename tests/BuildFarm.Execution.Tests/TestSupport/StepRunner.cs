using BuildFarm.Execution.Sandbox;
using BuildFarm.Execution.Steps;
using BuildFarm.Oci.Layers;

namespace BuildFarm.Execution.Tests.TestSupport;

/// <summary>What a RUN step produced: its layer and everything it printed.</summary>
public sealed record RunOutcome(LayerBlob Layer, IReadOnlyList<OutputLine> Output)
{
    public IReadOnlyList<string> Stdout => [.. Output.Where(static l => l.Stream == OutputStreamKind.Stdout).Select(static l => l.Text)];

    public IReadOnlyList<string> Stderr => [.. Output.Where(static l => l.Stream == OutputStreamKind.Stderr).Select(static l => l.Text)];
}

public static class StepRunner
{
    /// <summary>Runs a shell-form RUN on busybox (plus <paramref name="above"/>), collecting its output.</summary>
    public static Task<RunOutcome> RunShellAsync(this EngineFixture fixture, string command, Func<SandboxProcess, SandboxProcess>? configure = null, params LayerBlob[] above)
    {
        var process = new SandboxProcess { Arguments = SandboxProcess.ShellForm(command), Environment = [EngineFixture.Path] };
        return fixture.RunAsync(configure?.Invoke(process) ?? process, [fixture.Busybox, .. above]);
    }

    public static async Task<RunOutcome> RunAsync(this EngineFixture fixture, SandboxProcess process, IReadOnlyList<LayerBlob> parents, CancellationToken cancellationToken = default)
    {
        var output = new List<OutputLine>();
        var layer = await fixture.Engine.RunStepAsync(
            new RunStepRequest { Parents = parents, Process = process },
            (line, _) =>
            {
                output.Add(line);
                return ValueTask.CompletedTask;
            },
            cancellationToken);
        return new RunOutcome(layer, output);
    }
}
