using System.Text.RegularExpressions;

namespace BuildFarm.Dockerfile.Planning.Internal;

/// <summary>Checks values BuildKit checks when it dispatches a step: <c>--chmod</c> modes and STOPSIGNAL names.</summary>
internal static partial class ModeRules
{
    private static readonly HashSet<string> Signals = new(StringComparer.Ordinal)
    {
        "ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT", "KILL",
        "PIPE", "POLL", "PROF", "PWR", "QUIT", "SEGV", "STKFLT", "STOP", "SYS", "TERM", "TRAP", "TSTP",
        "TTIN", "TTOU", "UNUSED", "URG", "USR1", "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ", "RTMIN", "RTMAX",
    };

    /// <summary>Null when <paramref name="chmod"/> is an octal mode up to 07777 or a symbolic mode (<c>u+x,g-w</c>); else BuildKit's message.</summary>
    public static string? CheckChmod(string chmod)
    {
        var invalid = $"invalid chmod parameter: '{chmod}'. it should be octal string and between 0 and 07777";
        if (chmod.Length > 0 && chmod.All(char.IsAsciiDigit))
        {
            var digits = chmod.TrimStart('0');
            return chmod.All(c => c <= '7') && digits.Length <= 4 && (digits.Length == 0 || Convert.ToUInt32(digits, 8) <= 0xFFF) ? null : invalid;
        }

        return SymbolicMode().IsMatch(chmod) ? null : invalid;
    }

    /// <summary>Null when <paramref name="signal"/> names a Linux signal (<c>SIGTERM</c>, <c>TERM</c>, <c>9</c>, <c>SIGRTMIN+3</c>); else moby's message.</summary>
    public static string? CheckSignal(string signal)
    {
        if (int.TryParse(signal, out var number))
        {
            return number == 0 ? $"Invalid signal: {signal}" : null;
        }

        var name = signal.ToUpperInvariant();
        name = name.StartsWith("SIG", StringComparison.Ordinal) ? name[3..] : name;
        return Signals.Contains(name) || RealtimeSignal().IsMatch(name) ? null : $"Invalid signal: {signal}";
    }

    [GeneratedRegex("^[ugoa]*[-+=]([rwxXst]*|[ugo])([-+=]([rwxXst]*|[ugo]))*(,[ugoa]*[-+=]([rwxXst]*|[ugo])([-+=]([rwxXst]*|[ugo]))*)*$")]
    private static partial Regex SymbolicMode();

    [GeneratedRegex(@"^RTMIN\+([1-9]|1[0-5])$|^RTMAX-([1-9]|1[0-4])$")]
    private static partial Regex RealtimeSignal();
}
