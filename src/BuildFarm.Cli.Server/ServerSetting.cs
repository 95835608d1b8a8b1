using System.CommandLine;
using System.Globalization;

namespace BuildFarm.Cli.Server;

/// <summary>One <c>farm server</c> setting: its option when given, else its <c>$FARM_…</c> variable, else none; and the error that names where a bad value came from.</summary>
internal readonly record struct ServerSetting(string Source, string Value)
{
    public static ServerSetting? Of(ParseResult parseResult, Option option, string variable, FarmEnvironment environment)
    {
        var given = parseResult.GetResult(option) is { Implicit: false } result ? result.Tokens.LastOrDefault()?.Value : null;
        return given is { Length: > 0 } ? new(option.Name, given)
            : environment.GetVariable(variable) is { Length: > 0 } set ? new("$" + variable, set)
            : null;
    }

    public FarmException Invalid(string expected) => new($"{Source} \"{Value}\" is not {expected}");

    public int ToPort() =>
        int.TryParse(Value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535 ? port : throw Invalid("a port (0-65535)");

    public int ToCount(int minimum) =>
        int.TryParse(Value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= minimum ? count : throw Invalid($"a whole number of at least {minimum}");
}
