namespace BuildFarm.Dockerfile.Expansion;

/// <summary>The variables a word is expanded against (a step's environment and build args).</summary>
public interface IVariableLookup
{
    /// <summary>Looks a variable up by name; false when it is not set (an empty value is set).</summary>
    bool TryGet(string name, out string value);
}
