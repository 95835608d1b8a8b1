namespace BuildFarm.Execution.Sandbox.Internal;

/// <summary>The <c>/etc/hosts</c> and <c>/etc/resolv.conf</c> a sandbox gets, generated rather than taken from (or left in) its layers.</summary>
internal static class NameResolutionFiles
{
    /// <summary>BuildKit's hosts file.</summary>
    public static string Hosts(string hostname) =>
        $"127.0.0.1\tlocalhost {hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n";

    /// <summary>
    /// The host's resolv.conf without loopback name servers, which are the host's own and
    /// unreachable from the sandbox's network namespace; Docker's public fallback when none is left.
    /// </summary>
    public static string ResolvConf(string hostResolvConf)
    {
        var lines = hostResolvConf.Split('\n')
            .Select(static line => line.TrimEnd('\r'))
            .Where(static line => !IsLoopbackNameServer(line))
            .ToList();
        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        if (!lines.Any(IsNameServer))
        {
            lines.AddRange(["nameserver 8.8.8.8", "nameserver 8.8.4.4"]);
        }

        return string.Join('\n', lines) + "\n";
    }

    private static bool IsNameServer(string line) => line.TrimStart().StartsWith("nameserver", StringComparison.Ordinal);

    private static bool IsLoopbackNameServer(string line)
    {
        var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        return fields is ["nameserver", var address, ..] && (address.StartsWith("127.", StringComparison.Ordinal) || address == "::1");
    }
}
