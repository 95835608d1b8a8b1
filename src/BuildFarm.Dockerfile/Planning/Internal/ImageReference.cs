using System.Text.RegularExpressions;

namespace BuildFarm.Dockerfile.Planning.Internal;

/// <summary>
/// Normalizes an image reference the way Docker does (<c>busybox</c> is
/// <c>docker.io/library/busybox:latest</c>) so the same image always has the same name in a plan.
/// </summary>
internal static partial class ImageReference
{
    /// <summary>The normalized reference, or null with a reason when it is not a valid reference.</summary>
    public static string? Normalize(string reference, out string? error)
    {
        error = null;
        var name = reference;
        string? digest = null;
        var at = name.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = name[(at + 1)..];
            name = name[..at];
        }

        string? tag = null;
        var lastSlash = name.LastIndexOf('/');
        var colon = name.LastIndexOf(':');
        if (colon > lastSlash)
        {
            tag = name[(colon + 1)..];
            name = name[..colon];
        }

        var firstSlash = name.IndexOf('/', StringComparison.Ordinal);
        var first = firstSlash < 0 ? string.Empty : name[..firstSlash];
        var hasDomain = firstSlash >= 0 && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost" || first.Any(char.IsAsciiLetterUpper));
        var domain = hasDomain ? first : "docker.io";
        var path = hasDomain ? name[(firstSlash + 1)..] : name;
        if (domain == "docker.io" && !path.Contains('/', StringComparison.Ordinal))
        {
            path = "library/" + path;
        }

        if (path.Any(char.IsAsciiLetterUpper))
        {
            error = "invalid reference format: repository name must be lowercase";
            return null;
        }

        if (!PathPattern().IsMatch(path) || (tag is not null && !TagPattern().IsMatch(tag)) || (digest is not null && !DigestPattern().IsMatch(digest)))
        {
            error = "invalid reference format";
            return null;
        }

        var normalized = $"{domain}/{path}";
        if (tag is not null || digest is null)
        {
            normalized += ":" + (tag ?? "latest");
        }

        return digest is null ? normalized : normalized + "@" + digest;
    }

    [GeneratedRegex("^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex PathPattern();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex("^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}$")]
    private static partial Regex DigestPattern();
}
