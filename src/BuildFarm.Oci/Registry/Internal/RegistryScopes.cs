using BuildFarm.Oci.References;

namespace BuildFarm.Oci.Registry.Internal;

/// <summary>Token scopes of the docker token spec: <c>repository:&lt;path&gt;:&lt;actions&gt;</c>.</summary>
internal static class RegistryScopes
{
    public static string Pull(RepositoryName repository) => $"repository:{repository.Path}:pull";

    public static string PullPush(RepositoryName repository) => $"repository:{repository.Path}:pull,push";

    /// <summary>A scope with its actions sorted; registries list them in no fixed order.</summary>
    public static string Normalize(string scope)
    {
        var lastColon = scope.LastIndexOf(':');
        return lastColon <= 0
            ? scope
            : $"{scope[..lastColon]}:{string.Join(',', scope[(lastColon + 1)..].Split(',').Order(StringComparer.Ordinal))}";
    }

    /// <summary>
    /// Splits scopes into single grants (<c>repository:app:pull,push</c> gives
    /// <c>repository:app:pull</c> and <c>repository:app:push</c>) so that a token for more covers a request for less.
    /// </summary>
    public static HashSet<string> Grants(IEnumerable<string> scopes)
    {
        var grants = new HashSet<string>(StringComparer.Ordinal);
        foreach (var scope in scopes)
        {
            var lastColon = scope.LastIndexOf(':');
            if (lastColon <= 0)
            {
                grants.Add(scope);
                continue;
            }

            var resource = scope[..lastColon];
            foreach (var action in scope[(lastColon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                grants.Add($"{resource}:{action}");
            }
        }

        return grants;
    }
}
