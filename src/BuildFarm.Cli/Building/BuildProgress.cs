using BuildFarm.Api.V1;

namespace BuildFarm.Cli.Building;

/// <summary>Shows a build's events as they arrive (<c>--progress</c>).</summary>
internal abstract class BuildProgress
{
    public abstract Task ShowAsync(BuildEvent buildEvent);

    /// <summary>Called once the stream has ended.</summary>
    public virtual Task CompleteAsync() => Task.CompletedTask;

    /// <summary>The printer for a <c>--progress</c> mode; <c>auto</c> is <c>tty</c> on a terminal, else <c>plain</c>.</summary>
    public static BuildProgress Create(string mode, TextWriter error, bool errorIsTerminal, TimeProvider time) => mode switch
    {
        "auto" => errorIsTerminal ? new TtyProgress(error, time) : new PlainProgress(error),
        "tty" => new TtyProgress(error, time),
        "plain" => new PlainProgress(error),
        "rawjson" => new RawJsonProgress(error),
        "quiet" => new QuietProgress(),
        _ => throw new FarmException($"--progress \"{mode}\": choose auto, tty, plain, rawjson or quiet"),
    };

    private sealed class QuietProgress : BuildProgress
    {
        public override Task ShowAsync(BuildEvent buildEvent) => Task.CompletedTask;
    }

    private sealed class RawJsonProgress(TextWriter error) : BuildProgress
    {
        public override Task ShowAsync(BuildEvent buildEvent) => error.WriteLineAsync(Google.Protobuf.JsonFormatter.Default.Format(buildEvent));
    }
}
