using BuildFarm.Dockerfile.Expansion;
using BuildFarm.Dockerfile.Instructions;

namespace BuildFarm.Dockerfile.Scoping;

/// <summary>
/// The ARGs before the first FROM, resolved: usable in FROM lines (image and <c>--platform</c>)
/// and as the value a stage's bare <c>ARG NAME</c> takes. The automatic platform args come first;
/// a build arg overrides a default; a default is expanded with the global args before it.
/// </summary>
public sealed class GlobalArgs : IVariableLookup
{
    private readonly Dictionary<string, string> _values;

    private GlobalArgs(Dictionary<string, string> values, IReadOnlySet<string> declared)
    {
        _values = values;
        Declared = declared;
    }

    /// <summary>Names the global ARG instructions declare.</summary>
    public IReadOnlySet<string> Declared { get; }

    /// <summary>Resolves the global ARG instructions in order.</summary>
    /// <exception cref="DockerfileException">A default value does not expand.</exception>
    public static GlobalArgs Resolve(
        IEnumerable<ArgInstruction> instructions,
        IReadOnlyList<KeyValuePair<string, string>> automatic,
        IReadOnlyDictionary<string, string> buildArgs,
        ShellWordExpander expander)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in automatic)
        {
            values[name] = value;
        }

        var declared = new HashSet<string>(StringComparer.Ordinal);
        var globals = new GlobalArgs(values, declared);
        foreach (var instruction in instructions)
        {
            foreach (var argument in instruction.Arguments)
            {
                declared.Add(argument.Name);
                if (buildArgs.TryGetValue(argument.Name, out var given))
                {
                    values[argument.Name] = given;
                }
                else if (argument.DefaultValue is not null)
                {
                    values[argument.Name] = Expand(expander, argument.DefaultValue, globals, instruction);
                }
            }
        }

        return globals;
    }

    public bool TryGet(string name, out string value) => _values.TryGetValue(name, out value!);

    /// <summary>Expands a word, turning an expansion error into one that names the instruction's line.</summary>
    internal static string Expand(ShellWordExpander expander, string word, IVariableLookup variables, Instruction instruction)
    {
        try
        {
            return expander.ExpandWord(word, variables).Value;
        }
        catch (WordExpansionException e)
        {
            throw new DockerfileException(instruction.Location, e.Message);
        }
    }
}
