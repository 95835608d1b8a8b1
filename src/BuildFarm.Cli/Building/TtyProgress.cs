using System.Globalization;
using BuildFarm.Api.V1;

namespace BuildFarm.Cli.Building;

/// <summary>
/// A live view on a terminal: one line per step — cached, running with its last log line, or
/// done with its time — redrawn in place as events arrive.
/// </summary>
internal sealed class TtyProgress(TextWriter error, TimeProvider time) : BuildProgress
{
    private readonly List<Row> _rows = [];
    private readonly long _started = time.GetTimestamp();
    private int _drawn;

    public override async Task ShowAsync(BuildEvent buildEvent)
    {
        switch (buildEvent.KindCase)
        {
            case BuildEvent.KindOneofCase.StepStarted:
                RowOf(buildEvent.StepStarted.Step).State = "running";
                break;
            case BuildEvent.KindOneofCase.StepCached:
                RowOf(buildEvent.StepCached.Step).State = "CACHED";
                break;
            case BuildEvent.KindOneofCase.LogLine:
                RowOf(buildEvent.LogLine.Step).LastLine = buildEvent.LogLine.Text;
                break;
            case BuildEvent.KindOneofCase.StepFinished when _rows.Exists(r => r.Id == buildEvent.StepFinished.Step.Id):
                var done = RowOf(buildEvent.StepFinished.Step);
                done.State = buildEvent.StepFinished.Duration.ToTimeSpan().TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s";
                done.LastLine = null;
                break;
            case BuildEvent.KindOneofCase.StepFailed:
                RowOf(buildEvent.StepFailed.Step).State = "ERROR";
                break;
            case BuildEvent.KindOneofCase.ImageResolved:
                RowOf(ImageProgress.StepOf(buildEvent.ImageResolved)).State = ImageProgress.Outcome(buildEvent.ImageResolved);
                break;
            default:
                return;
        }

        await RedrawAsync().ConfigureAwait(false);
    }

    public override Task CompleteAsync() => RedrawAsync();

    private Row RowOf(StepRef step)
    {
        var row = _rows.Find(r => r.Id == step.Id);
        if (row is null)
        {
            row = new Row(step.Id, step.Name);
            _rows.Add(row);
        }

        return row;
    }

    private async Task RedrawAsync()
    {
        var elapsed = time.GetElapsedTime(_started).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        var lines = new List<string> { $"[+] Building {elapsed}s ({_rows.Count(r => r.State is not "running")}/{_rows.Count})" };
        lines.AddRange(_rows.Select(r => r.State == "CACHED" ? $" => CACHED {r.Name}" : $" => {r.Name} {r.State}{(r.LastLine is null ? string.Empty : "  " + r.LastLine)}"));

        // Up to the first line drawn last time, then each line cleared and written anew.
        var text = (_drawn > 0 ? $"\u001b[{_drawn}A" : string.Empty) + string.Concat(lines.Select(l => "\u001b[2K" + l + "\n"));
        _drawn = lines.Count;
        await error.WriteAsync(text).ConfigureAwait(false);
        await error.FlushAsync().ConfigureAwait(false);
    }

    private sealed class Row(string id, string name)
    {
        public string Id { get; } = id;

        public string Name { get; } = name;

        public string State { get; set; } = "waiting";

        public string? LastLine { get; set; }
    }
}
