using BuildFarm.Oci.Layers;

namespace BuildFarm.Oci.History.Internal;

/// <summary>Layer entry names as paths relative to the root, and what whiteout entries hide.</summary>
internal static class LayerPaths
{
    /// <summary><c>./usr/bin/</c>, <c>/usr/bin</c> and <c>usr/bin</c> all name <c>usr/bin</c>; the root is empty.</summary>
    public static string Normalize(string name)
    {
        var path = name.AsSpan();
        while (path.StartsWith("./", StringComparison.Ordinal) || path.StartsWith("/", StringComparison.Ordinal))
        {
            path = path[(path[0] == '.' ? 2 : 1)..];
        }

        path = path.TrimEnd('/');
        return path is "." ? string.Empty : path.ToString();
    }

    /// <summary>What a whiteout entry hides in the layers below, or null when the entry is not one.</summary>
    public static (string Path, HiddenPaths.Cover Cover)? WhiteoutTarget(string path)
    {
        var slash = path.LastIndexOf('/');
        var directory = slash < 0 ? string.Empty : path[..slash];
        var name = path[(slash + 1)..];
        if (name == Whiteouts.OpaqueMarker)
        {
            return (directory, HiddenPaths.Cover.Below);
        }

        if (name.StartsWith(Whiteouts.MetaPrefix, StringComparison.Ordinal))
        {
            // AUFS bookkeeping (.wh..wh.plnk and the like) hides nothing.
            return (path, HiddenPaths.Cover.None);
        }

        if (name.StartsWith(Whiteouts.Prefix, StringComparison.Ordinal))
        {
            var deleted = name[Whiteouts.Prefix.Length..];
            return (directory.Length == 0 ? deleted : $"{directory}/{deleted}", HiddenPaths.Cover.EntryAndBelow);
        }

        return null;
    }
}
