using System.Text;
using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Dockerfile.Planning;
using BuildFarm.Execution.Config.Internal;

namespace BuildFarm.Execution.Config;

/// <summary>
/// The <c>created_by</c> line BuildKit's Dockerfile frontend writes into the image history for a
/// step, in its exact words (Go <c>fmt</c> forms included), so that images built here carry the
/// same history, and so the same config digest, as images built by BuildKit.
/// </summary>
public static class HistoryText
{
    /// <summary>Steps that make a layer end with this marker (BuildKit's <c>commitToHistory</c>).</summary>
    public const string LayerMarker = " # buildkit";

    /// <summary>The history line of <paramref name="step"/>, or null when BuildKit records none (ONBUILD).</summary>
    public static string? CreatedBy(PlannedStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return step.Instruction switch
        {
            EnvInstruction env => "ENV" + string.Concat(env.Variables.Select(v => $" {v.Key}={v.Value}")),
            LabelInstruction label => "LABEL" + string.Concat(label.Labels.Select(l => $" {l.Key}={l.Value}")),
            ArgInstruction arg => "ARG " + string.Join(' ', arg.Arguments.Select(a => a.DefaultValue is null ? a.Name : $"{a.Name}={a.DefaultValue}")),
            WorkdirInstruction workdir => "WORKDIR " + workdir.Path,
            UserInstruction user => "USER " + user.User,
            MaintainerInstruction maintainer => "MAINTAINER " + maintainer.Maintainer,
            StopSignalInstruction signal => "STOPSIGNAL " + signal.Signal,
            ShellInstruction shell => "SHELL " + GoFormat.List(shell.Shell),
            VolumeInstruction volume => "VOLUME " + GoFormat.List(volume.Volumes),
            ExposeInstruction expose => "EXPOSE " + GoFormat.List(expose.Ports),
            CmdInstruction => "CMD " + GoFormat.QuotedList(CommandOf(step)),
            EntrypointInstruction => "ENTRYPOINT " + GoFormat.QuotedList(CommandOf(step)),
            HealthcheckInstruction health => "HEALTHCHECK " + Healthcheck(health),
            RunInstruction => "RUN " + RunCommand(step) + LayerMarker,
            FileInstruction file => Files(file) + LayerMarker,
            OnbuildInstruction => null,
            _ => throw new ArgumentException($"{step.Instruction.Keyword} is not a step BuildKit records in the history.", nameof(step)),
        };
    }

    /// <summary>
    /// BuildKit's <c>runCommandString</c>: the build args in scope, each with the value the command
    /// sees, counted as <c>|N</c> before the command, so that a changed build arg shows in the history.
    /// </summary>
    private static string RunCommand(PlannedStep step)
    {
        var words = new List<string>();
        var args = step.BuildArgs.Distinct(StringComparer.Ordinal).ToList();
        if (args.Count > 0)
        {
            words.Add($"|{args.Count}");
            foreach (var name in args)
            {
                var value = step.Environment.LastOrDefault(v => v.Name == name)?.Value ?? string.Empty;
                words.Add($"{name}={value}");
            }
        }

        words.AddRange(CommandOf(step));
        return string.Join(' ', words);
    }

    /// <summary>Go's <c>%+v</c> of the config's HealthcheckConfig struct.</summary>
    private static string Healthcheck(HealthcheckInstruction health) =>
        $"{{Test:{GoFormat.List(health.Test)} Interval:{health.Interval} Timeout:{health.Timeout} "
        + $"StartPeriod:{health.StartPeriod} StartInterval:{health.StartInterval} Retries:{health.Retries}}}";

    private static string Files(FileInstruction file)
    {
        var text = new StringBuilder(file.Keyword);
        if (file is CopyInstruction { Parents: true })
        {
            text.Append(" --parents");
        }

        if (!string.IsNullOrEmpty(file.Chown))
        {
            text.Append(" --chown=").Append(file.Chown);
        }

        if (!string.IsNullOrEmpty(file.Chmod))
        {
            text.Append(" --chmod=").Append(file.Chmod);
        }

        foreach (var source in file.Sources)
        {
            text.Append(' ').Append(source);
        }

        foreach (var inline in file.InlineSources)
        {
            text.Append(" <<").Append(inline.Name);
        }

        // BuildKit's commit message ends with the destination as written (variables expanded),
        // relative or not, never the absolute path it copies to.
        return text.Append(' ').Append(file.WrittenDestination ?? file.Destination).ToString();
    }

    /// <summary>The argv of a RUN, CMD or ENTRYPOINT step, shell already prepended by the planner.</summary>
    internal static IReadOnlyList<string> CommandOf(PlannedStep step) =>
        step.Command ?? throw new ArgumentException($"The {step.Instruction.Keyword} step {step.Id} has no command.", nameof(step));
}
