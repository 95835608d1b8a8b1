using System.Globalization;
using BuildFarm.Api.V1;

namespace BuildFarm.Cli.Building;

/// <summary>One line per event, numbered per step as BuildKit's plain progress does, for CI logs.</summary>
internal sealed class PlainProgress(TextWriter error) : BuildProgress
{
    private readonly Dictionary<string, (int Number, DateTimeOffset Started)> _steps = new(StringComparer.Ordinal);

    public override async Task ShowAsync(BuildEvent buildEvent)
    {
        if (StepOf(buildEvent) is { } step && !_steps.ContainsKey(step.Id) && buildEvent.KindCase is not (BuildEvent.KindOneofCase.StepStarted or BuildEvent.KindOneofCase.StepCached))
        {
            return; // a step that only changes the config: BuildKit shows none
        }

        var line = buildEvent.KindCase switch
        {
            BuildEvent.KindOneofCase.StepStarted => $"{Start(buildEvent, buildEvent.StepStarted.Step)} {buildEvent.StepStarted.Step.Name}",
            BuildEvent.KindOneofCase.StepCached => $"{Start(buildEvent, buildEvent.StepCached.Step)} {buildEvent.StepCached.Step.Name}\n{Number(buildEvent.StepCached.Step)} CACHED",
            BuildEvent.KindOneofCase.LogLine => $"{Number(buildEvent.LogLine.Step)} {Elapsed(buildEvent, buildEvent.LogLine.Step)} {buildEvent.LogLine.Text}",
            BuildEvent.KindOneofCase.StepFinished => $"{Number(buildEvent.StepFinished.Step)} DONE {buildEvent.StepFinished.Duration.ToTimeSpan().TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)}s",
            BuildEvent.KindOneofCase.StepFailed => $"{Number(buildEvent.StepFailed.Step)} ERROR: {buildEvent.StepFailed.Error}",
            BuildEvent.KindOneofCase.BuildFinished => Finished(buildEvent.BuildFinished.Result),
            BuildEvent.KindOneofCase.BuildCancelled => "build cancelled",
            BuildEvent.KindOneofCase.ImageResolved => Resolved(buildEvent),
            _ => null,
        };
        if (line is not null)
        {
            await error.WriteLineAsync(line).ConfigureAwait(false);
        }
    }

    private static StepRef? StepOf(BuildEvent buildEvent) => buildEvent.KindCase switch
    {
        BuildEvent.KindOneofCase.LogLine => buildEvent.LogLine.Step,
        BuildEvent.KindOneofCase.StepFinished => buildEvent.StepFinished.Step,
        BuildEvent.KindOneofCase.StepFailed => buildEvent.StepFailed.Step,
        _ => null,
    };

    private string Resolved(BuildEvent buildEvent)
    {
        var step = ImageProgress.StepOf(buildEvent.ImageResolved);
        return $"{Start(buildEvent, step)} {step.Name}\n{Number(step)} {ImageProgress.Outcome(buildEvent.ImageResolved)}";
    }

    private static string Finished(BuildResult result)
    {
        var lines = new List<string> { $"writing image {result.ConfigDigest} done" };
        lines.AddRange(result.ImageNames.Select(name => $"naming to {name} done"));
        return string.Join('\n', lines);
    }

    private string Start(BuildEvent buildEvent, StepRef step)
    {
        _steps[step.Id] = (_steps.Count + 1, buildEvent.Time.ToDateTimeOffset());
        return Number(step);
    }

    private string Number(StepRef step) => _steps.TryGetValue(step.Id, out var known) ? $"#{known.Number}" : "#?";

    private string Elapsed(BuildEvent buildEvent, StepRef step) =>
        _steps.TryGetValue(step.Id, out var known)
            ? (buildEvent.Time.ToDateTimeOffset() - known.Started).TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)
            : "0.000";
}
