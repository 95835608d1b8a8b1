using BuildFarm.Dockerfile.Matching;

namespace BuildFarm.Execution.Sources;

/// <summary>
/// Docker's COPY rules for finding sources: the path is cleaned as if absolute (so <c>..</c> cannot
/// climb out), each component may hold Go <c>path.Match</c> wildcards, and a path without wildcards
/// that names nothing is an error naming it. A wildcard that matches nothing selects nothing, as
/// in BuildKit (the frontend's <c>AllowEmptyWildcard</c>; contenthash checksums no paths as the empty digest).
/// </summary>
public static class SourceSelector
{
    /// <summary>The matches of every source, in source order, each source's matches in ordinal path order.</summary>
    /// <exception cref="SourceNotFoundException">A source without wildcards names nothing (or an ignored path).</exception>
    /// <exception cref="ArgumentException">A source has a malformed wildcard.</exception>
    public static IReadOnlyList<SourceMatch> Select(SourceTree tree, IReadOnlyList<string> sources)
    {
        var matches = new List<SourceMatch>();
        foreach (var source in sources)
        {
            var found = Match(tree, source);
            if (found.Count == 0 && !PathMatch.HasWildcards(source))
            {
                throw new SourceNotFoundException(source);
            }

            matches.AddRange(found);
        }

        return matches;
    }

    private static List<SourceMatch> Match(SourceTree tree, string source)
    {
        // Each candidate: the path as matched so far, and where it resolves to.
        var candidates = new List<(string Matched, string Resolved)> { (string.Empty, string.Empty) };
        foreach (var component in CleanComponents(source))
        {
            var next = new List<(string, string)>();
            foreach (var (matched, resolved) in candidates)
            {
                if (!PathMatch.HasWildcards(component))
                {
                    Add(next, tree, SourceTree.Join(matched, component), SourceTree.Join(resolved, component));
                    continue;
                }

                if (!PathMatch.IsWellFormed(component))
                {
                    throw new ArgumentException($"Invalid COPY source \"{source}\": syntax error in pattern \"{component}\".");
                }

                if (!tree.Status(resolved).IsDirectory)
                {
                    continue;
                }

                foreach (var name in tree.ListNames(resolved).Where(name => PathMatch.Matches(component, name)))
                {
                    Add(next, tree, SourceTree.Join(matched, name), SourceTree.Join(resolved, name));
                }
            }

            candidates = next;
        }

        return candidates
            .Select(candidate => new SourceMatch(source, candidate.Matched, candidate.Resolved))
            .OrderBy(match => match.MatchedPath, StringComparer.Ordinal)
            .ToList();
    }

    private static void Add(List<(string, string)> candidates, SourceTree tree, string matched, string unresolved)
    {
        if (tree.Resolve(unresolved) is { } resolved)
        {
            candidates.Add((matched, resolved));
        }
    }

    /// <summary>path.Clean("/" + source), as components: ".." at the top stays at the top.</summary>
    internal static List<string> CleanComponents(string source)
    {
        var components = new List<string>();
        foreach (var part in source.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (components.Count > 0)
                {
                    components.RemoveAt(components.Count - 1);
                }
            }
            else if (part != ".")
            {
                components.Add(part);
            }
        }

        return components;
    }
}
