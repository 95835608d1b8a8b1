namespace BuildFarm.Dockerfile.Internal;

/// <summary>Slash-separated path helpers with Go's <c>path</c> package semantics, which BuildKit relies on.</summary>
internal static class UnixPath
{
    /// <summary>Go's <c>path.Clean</c>: no repeated slashes, no <c>.</c>, <c>..</c> resolved lexically, "." for empty.</summary>
    public static string Clean(string path)
    {
        if (path.Length == 0)
        {
            return ".";
        }

        var rooted = path[0] == '/';
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0 && parts[^1] != "..")
                {
                    parts.RemoveAt(parts.Count - 1);
                }
                else if (!rooted)
                {
                    parts.Add(part);
                }

                continue;
            }

            parts.Add(part);
        }

        var joined = string.Join('/', parts);
        return rooted ? "/" + joined : joined.Length == 0 ? "." : joined;
    }

    /// <summary>Go's <c>path.Join</c>: joins the non-empty elements and cleans the result.</summary>
    public static string Join(params string[] elements)
    {
        var nonEmpty = elements.Where(e => e.Length > 0).ToArray();
        return nonEmpty.Length == 0 ? string.Empty : Clean(string.Join('/', nonEmpty));
    }

    /// <summary>Go's <c>path.Base</c>.</summary>
    public static string Base(string path)
    {
        var trimmed = path.TrimEnd('/');
        if (trimmed.Length == 0)
        {
            return path.Length == 0 ? "." : "/";
        }

        var slash = trimmed.LastIndexOf('/');
        return slash < 0 ? trimmed : trimmed[(slash + 1)..];
    }
}
