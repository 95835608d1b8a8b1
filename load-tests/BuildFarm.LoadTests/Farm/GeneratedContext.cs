using System.Globalization;
using System.Text;

namespace BuildFarm.LoadTests.Farm;

/// <summary>
/// A build context the tool writes: a shared library folder, an app folder and a Dockerfile on
/// busybox whose steps read them. A seed in the first RUN makes a build cold (no step of it was
/// ever recorded); an edit of one app file makes it re-run only the steps that read the app.
/// </summary>
public sealed class GeneratedContext
{
    private const int LibraryFiles = 40;
    private const int AppFiles = 8;
    private const string EditedFile = "app/main.txt";

    private GeneratedContext(string directory) => Directory = directory;

    public string Directory { get; }

    /// <summary>Writes the context's files and a Dockerfile of <see cref="LayeredDockerfile"/> with <paramref name="seed"/>.</summary>
    public static GeneratedContext Create(string directory, string seed, double runSeconds = 0)
    {
        var context = new GeneratedContext(System.IO.Directory.CreateDirectory(directory).FullName);
        System.IO.Directory.CreateDirectory(context.Combine("lib"));
        System.IO.Directory.CreateDirectory(context.Combine("app"));
        for (var i = 0; i < LibraryFiles; i++)
        {
            File.WriteAllText(context.Combine("lib", $"module{i:00}.txt"), Filler($"library module {i}", 2048));
        }

        for (var i = 0; i < AppFiles; i++)
        {
            File.WriteAllText(context.Combine("app", $"part{i}.txt"), Filler($"app part {i}", 1024));
        }

        context.Edit("first version");
        context.WriteDockerfile(LayeredDockerfile(seed, runSeconds));
        return context;
    }

    /// <summary>
    /// Five steps that make layers: a seeded RUN, the library's COPY and a RUN over it, the
    /// app's COPY and a RUN over everything; then an ENV (config only). Each RUN sleeps
    /// <paramref name="runSeconds"/> too, for benchmarks whose steps must take time.
    /// </summary>
    public static string LayeredDockerfile(string seed, double runSeconds) => $"""
        FROM {BaseImage.Name}
        RUN echo {seed} > /seed{Sleep(runSeconds)}
        COPY lib/ /src/lib/
        RUN cat /src/lib/* | wc -c > /lib-bytes{Sleep(runSeconds)}
        COPY app/ /src/app/
        RUN find /src -type f | wc -l > /files && cat /src/app/* | wc -c > /app-bytes{Sleep(runSeconds)}
        ENV BUILT_BY=farm-load

        """;

    /// <summary><paramref name="steps"/> seeded RUN steps that each sleep <paramref name="seconds"/>, one after another.</summary>
    public static string SleepingDockerfile(string seed, int steps, double seconds)
    {
        var dockerfile = new StringBuilder($"FROM {BaseImage.Name}\n");
        for (var i = 1; i <= steps; i++)
        {
            dockerfile.Append(CultureInfo.InvariantCulture, $"RUN echo {seed} step {i} >> /seed{Sleep(seconds)}\n");
        }

        return dockerfile.ToString();
    }

    public void WriteDockerfile(string text) => File.WriteAllText(Combine("Dockerfile"), text);

    /// <summary>Rewrites one app file: the app's COPY and the RUN after it must run again, nothing before them.</summary>
    public void Edit(string version) => File.WriteAllText(Combine(EditedFile), $"main, {version}\n");

    private string Combine(params string[] relative) => Path.Combine([Directory, .. relative]);

    private static string Sleep(double seconds) =>
        seconds > 0 ? string.Create(CultureInfo.InvariantCulture, $" && sleep {seconds}") : string.Empty;

    private static string Filler(string line, int bytes)
    {
        var text = new StringBuilder(bytes + line.Length);
        while (text.Length < bytes)
        {
            text.Append(line).Append('\n');
        }

        return text.ToString();
    }
}
