using BuildFarm.Dockerfile.Expansion;

namespace BuildFarm.Dockerfile.Scoping;

/// <summary>Where a variable a step sees came from.</summary>
public enum VariableOrigin
{
    /// <summary>The base image's config <c>Env</c>.</summary>
    Image,

    /// <summary>An ENV instruction (kept in the image config).</summary>
    Env,

    /// <summary>An ARG instruction (seen during the build only).</summary>
    Arg,
}

/// <summary>One variable a step sees.</summary>
public sealed record ScopedVariable(string Name, string Value, VariableOrigin Origin);

/// <summary>
/// The variables of one stage as the build goes: image env, ENV and ARG values in one ordered
/// list where the latest definition of a name wins, as in BuildKit (ENV after ARG shadows the
/// ARG; an ARG after ENV overrides it for the build but not in the image). Declared ARG names
/// are tracked apart because a declared ARG without value is still in scope.
/// </summary>
public sealed class VariableScope : IVariableLookup
{
    private readonly List<ScopedVariable> _variables;
    private readonly List<string> _declaredArgs;

    public VariableScope()
        : this([], [])
    {
    }

    private VariableScope(List<ScopedVariable> variables, List<string> declaredArgs)
    {
        _variables = variables;
        _declaredArgs = declaredArgs;
    }

    /// <summary>Every variable set, in first-definition order.</summary>
    public IReadOnlyList<ScopedVariable> Variables => _variables;

    /// <summary>ARG names declared in this scope (and the parent stages it inherits), in order, without repeats.</summary>
    public IReadOnlyList<string> DeclaredArgs => _declaredArgs;

    /// <summary>A copy that a child stage (FROM this stage) continues from.</summary>
    public VariableScope Clone() => new([.. _variables], [.. _declaredArgs]);

    public bool TryGet(string name, out string value)
    {
        var index = IndexOf(name);
        value = index < 0 ? string.Empty : _variables[index].Value;
        return index >= 0;
    }

    /// <summary>Sets a variable, replacing an earlier one of the same name in place.</summary>
    public void Set(string name, string value, VariableOrigin origin)
    {
        var entry = new ScopedVariable(name, value, origin);
        var index = IndexOf(name);
        if (index < 0)
        {
            _variables.Add(entry);
        }
        else
        {
            _variables[index] = entry;
        }
    }

    /// <summary>Records that an ARG declared <paramref name="name"/> (with or without a value).</summary>
    public void Declare(string name)
    {
        if (!_declaredArgs.Contains(name, StringComparer.Ordinal))
        {
            _declaredArgs.Add(name);
        }
    }

    public bool IsDeclared(string name) => _declaredArgs.Contains(name, StringComparer.Ordinal);

    private int IndexOf(string name) => _variables.FindIndex(v => string.Equals(v.Name, name, StringComparison.Ordinal));
}
