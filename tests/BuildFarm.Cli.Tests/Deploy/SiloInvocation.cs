using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using BuildFarm.Cli.Server;

namespace BuildFarm.Cli.Tests.Deploy;

/// <summary>
/// How a deployment file starts a silo — its image's <c>farm server</c> entrypoint, the
/// container's arguments and environment — run through farm-server's real command line in
/// process: the arguments must parse without an error, every <c>FARM_*</c> variable must be one
/// that an option of <c>farm server</c> reads (its help names it), and its value must parse as
/// that option's would. Then each option's value is what the silo would use: the command line's,
/// else the variable's, else the option's default.
/// </summary>
internal sealed partial class SiloInvocation
{
    private readonly Dictionary<string, string?> _values;

    private SiloInvocation(Dictionary<string, string?> values) => _values = values;

    /// <param name="where">Which file and container, for the failure messages.</param>
    /// <param name="arguments">What follows the <c>farm</c> program: <c>server</c> and its options.</param>
    public static SiloInvocation Parse(string where, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var farmEnvironment = new FarmEnvironment
        {
            GetVariable = name => environment.GetValueOrDefault(name),
            HomeDirectory = "/root",
            OpenStandardInput = static () => throw new InvalidOperationException("a silo reads no stdin"),
            OpenStandardOutput = static () => throw new InvalidOperationException("a silo writes no archive to stdout"),
        };
        var root = FarmServerCommandLine.Create(farmEnvironment);
        var parsed = root.Parse([.. arguments]);
        Assert.True(parsed.Errors.Count == 0, $"{where}: farm {string.Join(' ', arguments)}: {string.Join("; ", parsed.Errors.Select(static e => e.Message))}");
        Assert.Equal("server", parsed.CommandResult.Command.Name);

        var options = root.Options.Concat(parsed.CommandResult.Command.Options).Where(static o => o.Name.StartsWith("--", StringComparison.Ordinal) && o.Name is not ("--help" or "--version")).ToList();
        var fromVariables = new Dictionary<string, string>();
        foreach (var (variable, value) in environment.Where(static pair => pair.Key.StartsWith("FARM_", StringComparison.Ordinal)))
        {
            var reader = options.SingleOrDefault(o => NamesVariable(o, variable));
            Assert.True(reader is not null, $"{where}: {variable} is read by no option of farm server (no option's help names ${variable})");
            var alone = root.Parse(["server", reader.Name, value]);
            Assert.True(alone.Errors.Count == 0, $"{where}: {variable}={value} is not a value of {reader.Name}: {string.Join("; ", alone.Errors.Select(static e => e.Message))}");
            fromVariables[reader.Name] = value;
        }

        var values = options.ToDictionary(static o => o.Name, o => Given(parsed, o) ?? fromVariables.GetValueOrDefault(o.Name) ?? Default(o));
        return new SiloInvocation(values);
    }

    /// <summary>The value the silo would use for <paramref name="option"/>; null when it has none.</summary>
    public string? Value(string option) =>
        _values.TryGetValue(option, out var value) ? value : throw new KeyNotFoundException($"farm server has no option {option}");

    /// <summary>The port of a <c>HOST:PORT</c> option (<c>--listen</c>) or of a port option (<c>--silo-port</c>).</summary>
    public int Port(string option)
    {
        var value = Value(option) ?? throw new InvalidOperationException($"{option} has no value");
        // A port first: IPEndPoint would read "11111" as the IPv4 address 0.0.43.103 without a port.
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : IPEndPoint.Parse(value).Port;
    }

    private static string? Given(ParseResult parsed, Option option) =>
        parsed.GetResult(option) is { Implicit: false } result ? string.Join(' ', result.Tokens.Select(static t => t.Value)) : null;

    private static string? Default(Option option) =>
        option.HasDefaultValue ? Convert.ToString(option.GetDefaultValue(), CultureInfo.InvariantCulture) : null;

    private static bool NamesVariable(Option option, string variable) =>
        option.Description is { } description && VariableReference().Matches(description).Any(m => m.Groups["name"].Value == variable);

    [GeneratedRegex(@"\$(?<name>FARM_[A-Z0-9_]+)")]
    private static partial Regex VariableReference();
}
