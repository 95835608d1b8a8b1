using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BuildFarm.Cli.Building;

/// <summary>
/// The farm server of a data directory on this machine. A running server announces its address
/// in <c>&lt;data-dir&gt;/server.json</c>; <c>farm build</c> without <c>--server</c> uses it, or
/// starts one in the background that stays up, so the next build finds a warm farm.
/// </summary>
internal static partial class LocalServer
{
    private const string FileName = "server.json";

    // A cold start opens the store and the silo: seconds, not minutes.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    /// <summary>Writes the announcement; disposing removes it.</summary>
    public static IDisposable Announce(string dataDirectory, Uri address)
    {
        var path = Path.Combine(dataDirectory, FileName);
        var json = JsonSerializer.Serialize(new Announcement(address.ToString(), Environment.ProcessId), AnnouncementJson.Default.Announcement);
        Storage.AtomicFile.Write(path, stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(json)));
        return new Removal(path);
    }

    /// <summary>The address of the data directory's running server, starting one with <paramref name="serverOptions"/> when none runs.</summary>
    /// <param name="serverOptions">More options of <c>farm server</c> for a server started here (registry settings).</param>
    public static async Task<Uri> FindOrStartAsync(string dataDirectory, IReadOnlyList<string> serverOptions, TextWriter log, CancellationToken cancellationToken)
    {
        if (Find(dataDirectory) is { } running)
        {
            return running;
        }

        Directory.CreateDirectory(dataDirectory);
        var logPath = Path.Combine(dataDirectory, "server.log");
        await log.WriteLineAsync($"starting a farm server for {dataDirectory} (log: {logPath})").ConfigureAwait(false);
        Start(dataDirectory, serverOptions, logPath);
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Find(dataDirectory) is { } started)
            {
                return started;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }

        throw new FarmException($"the farm server did not start within {StartTimeout.TotalSeconds:0} s; see {logPath}");
    }

    private static Uri? Find(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        try
        {
            var written = File.GetLastWriteTimeUtc(path);
            var announcement = JsonSerializer.Deserialize(File.ReadAllText(path), AnnouncementJson.Default.Announcement);
            return announcement is not null && IsAnnouncer(announcement.Pid, written) ? new Uri(announcement.Address) : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return null;
        }
    }

    // Whether pid runs the process that wrote the announcement: one started before it was
    // written. A server killed without removing its announcement leaves a pid that another
    // process may get, and after a reboot (or a machine restored from a snapshot) the same
    // sequence of starts hands out the same pids: the server started here may get its dead
    // predecessor's, and the old address would be taken for its own. A process's start is known
    // to the jiffy and the boot time to the second, hence the second of slack.
    private static bool IsAnnouncer(int pid, DateTime written)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited && process.StartTime.ToUniversalTime() <= written + TimeSpan.FromSeconds(1);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    // The server outlives this command: its output goes to a log file, not to this terminal.
    private static void Start(string dataDirectory, IReadOnlyList<string> serverOptions, string logPath)
    {
        var (server, prefix) = ServerProgram.Locate();
        var start = new ProcessStartInfo { FileName = "/bin/sh", UseShellExecute = false };
        var program = string.Join(' ', [Quote(server), .. prefix.Select(Quote)]);
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"setsid {program} server --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 --data-dir {Quote(dataDirectory)}{string.Concat(serverOptions.Select(static option => " " + Quote(option)))} >>{Quote(logPath)} 2>&1 </dev/null &");
        using var process = Process.Start(start) ?? throw new FarmException("could not start a farm server");
        process.WaitForExit();
    }

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private sealed record Announcement(string Address, int Pid);

    // Generated (de)serialization: farm is compiled ahead of time, where reflection-based JSON is not available.
    [JsonSerializable(typeof(Announcement))]
    private sealed partial class AnnouncementJson : JsonSerializerContext;

    private sealed class Removal(string path) : IDisposable
    {
        public void Dispose() => File.Delete(path);
    }
}
