namespace BuildFarm.Execution.Files;

/// <summary>
/// An ADD source that names a Git repository, split as BuildKit's Dockerfile frontend splits it
/// (dfgitutil.ParseGitRef): <c>REMOTE[?query][#ref[:subdir]]</c>, the query taking <c>ref</c>,
/// <c>tag</c>, <c>branch</c>, <c>subdir</c>, <c>checksum</c>/<c>commit</c> and <c>keep-git-dir</c>.
/// </summary>
/// <param name="Source">The source as written.</param>
/// <param name="Remote">What git fetches from: the source without its query and fragment.</param>
/// <param name="Ref">A branch, tag, full ref or commit; null for the remote's default branch.</param>
/// <param name="Subdir">The directory of the repository to add, cleaned, without a leading <c>/</c>; empty for all of it.</param>
/// <param name="Checksum">The commit (or a prefix of it) the ref must resolve to; null for any.</param>
/// <param name="KeepGitDir">Whether the query says to keep <c>.git</c>; null when it does not say.</param>
public sealed record GitSourceSpec(string Source, string Remote, string? Ref, string Subdir, string? Checksum, bool? KeepGitDir)
{
    /// <summary>Parses <paramref name="source"/>, already known to be a Git source.</summary>
    /// <exception cref="FileCopyException">The query has a key BuildKit does not know, a key twice, or conflicting values.</exception>
    public static GitSourceSpec Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var rest = source;
        string? fragment = null;
        var hash = rest.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0)
        {
            fragment = rest[(hash + 1)..];
            rest = rest[..hash];
        }

        string? query = null;
        var question = rest.IndexOf('?', StringComparison.Ordinal);
        if (question >= 0)
        {
            query = rest[(question + 1)..];
            rest = rest[..question];
        }

        string? reference = null;
        var subdir = string.Empty;
        if (!string.IsNullOrEmpty(fragment))
        {
            var colon = fragment.IndexOf(':', StringComparison.Ordinal);
            reference = colon < 0 ? fragment : fragment[..colon];
            subdir = colon < 0 ? string.Empty : CleanSubdir(fragment[(colon + 1)..]);
        }

        var spec = new GitSourceSpec(source, rest, reference.NullIfEmpty(), subdir, null, null);
        return query is null ? spec : spec.WithQuery(query);
    }

    /// <summary>A remote safe to print: a password in it replaced by <c>xxxxx</c>, as BuildKit redacts it.</summary>
    public string RedactedRemote
    {
        get
        {
            var scheme = Remote.IndexOf("://", StringComparison.Ordinal);
            var at = Remote.IndexOf('@', StringComparison.Ordinal);
            if (scheme < 0 || at < scheme)
            {
                return Remote;
            }

            var colon = Remote.IndexOf(':', scheme + 3);
            return colon < 0 || colon > at ? Remote : Remote[..(colon + 1)] + "xxxxx" + Remote[at..];
        }
    }

    // path.Join("/", subdir) without its leading "/": "..", "." and repeated slashes cleaned away.
    private static string CleanSubdir(string subdir)
    {
        var parts = new List<string>();
        foreach (var part in subdir.Split('/'))
        {
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }

                continue;
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
    }

    private GitSourceSpec WithQuery(string query)
    {
        var spec = this;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? tag = null;
        string? branch = null;
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..]);
            if (!seen.Add(key))
            {
                throw new FileCopyException($"query \"{key}\" has multiple values");
            }

            if (value.Length == 0 && key != "keep-git-dir")
            {
                throw new FileCopyException($"query \"{key}\" has no value");
            }

            switch (key)
            {
                case "ref":
                    spec = spec with { Ref = Agreed(spec.Ref, value, "ref") };
                    break;
                case "tag":
                    tag = value.StartsWith("refs/tags/", StringComparison.Ordinal) ? value : "refs/tags/" + value;
                    break;
                case "branch":
                    branch = value.StartsWith("refs/heads/", StringComparison.Ordinal) ? value : "refs/heads/" + value;
                    break;
                case "subdir":
                    spec = spec with { Subdir = Agreed(spec.Subdir.NullIfEmpty(), CleanSubdir(value), "subdir") };
                    break;
                case "checksum" or "commit":
                    spec = spec with { Checksum = value };
                    break;
                case "keep-git-dir":
                    spec = spec with { KeepGitDir = value.Length == 0 || (bool.TryParse(value, out var keep) ? keep : throw new FileCopyException($"invalid keep-git-dir value: \"{value}\"")) };
                    break;
                default:
                    throw new FileCopyException($"unexpected query \"{key}\"");
            }
        }

        if (tag is not null)
        {
            spec = spec with { Ref = Agreed(spec.Ref, tag, "ref") };
        }

        if (branch is not null)
        {
            if (tag is not null)
            {
                throw new FileCopyException("branch conflicts with tag");
            }

            spec = spec with { Ref = Agreed(spec.Ref, branch, "ref") };
        }

        return spec;
    }

    private static string Agreed(string? current, string value, string what) =>
        current is null || current == value ? value : throw new FileCopyException($"{what} conflicts: \"{current}\" vs \"{value}\"");
}

file static class StringExtensions
{
    public static string? NullIfEmpty(this string? value) => string.IsNullOrEmpty(value) ? null : value;
}
