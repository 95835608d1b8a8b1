using System.Globalization;

namespace BuildFarm.Execution.Networking.Internal;

/// <summary>
/// The process that made a step bridge, written on the bridge itself (its interface alias) so
/// that any engine on the host can tell a live engine's bridge from one a killed engine left,
/// even after that engine's data directory is gone. A process is its id and its start time
/// since boot, since ids are reused.
/// </summary>
internal sealed record NetworkOwner(int ProcessId, ulong StartTicks)
{
    private const string Prefix = "buildfarm owner pid=";
    private const string StartField = " start=";

    /// <summary>This process.</summary>
    public static NetworkOwner Current { get; } = new(Environment.ProcessId, StartTicksOf(Environment.ProcessId) ?? 0);

    /// <summary>What the bridge's alias says: <c>buildfarm owner pid=N start=T</c>.</summary>
    public string Alias => string.Create(CultureInfo.InvariantCulture, $"{Prefix}{ProcessId}{StartField}{StartTicks}");

    /// <summary>The owner an alias names, or null for one that names none (a bridge from before owners were written).</summary>
    public static NetworkOwner? FromAlias(string alias)
    {
        alias = alias.Trim();
        var split = alias.IndexOf(StartField, StringComparison.Ordinal);
        if (!alias.StartsWith(Prefix, StringComparison.Ordinal) || split < Prefix.Length)
        {
            return null;
        }

        return int.TryParse(alias.AsSpan(Prefix.Length, split - Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var processId)
            && ulong.TryParse(alias.AsSpan(split + StartField.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var startTicks)
            ? new NetworkOwner(processId, startTicks)
            : null;
    }

    /// <summary>Whether the process still runs (the same one: an id taken by a later process does not count).</summary>
    public bool IsAlive => StartTicksOf(ProcessId) == StartTicks;

    // Field 22 of /proc/PID/stat, counted after the command name, which is in parentheses and may hold anything.
    private static ulong? StartTicksOf(int processId)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (IOException)
        {
            return null;
        }

        var fields = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        const int startTimeIndex = 22 - 3; // fields 1 and 2 (pid, comm) precede the parenthesis
        return fields.Length > startTimeIndex && ulong.TryParse(fields[startTimeIndex], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) ? ticks : null;
    }
}
