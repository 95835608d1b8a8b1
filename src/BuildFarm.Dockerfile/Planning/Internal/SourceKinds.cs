using System.Text.RegularExpressions;

namespace BuildFarm.Dockerfile.Planning.Internal;

/// <summary>Tells remote COPY/ADD sources from context paths, as BuildKit's dfgitutil does.</summary>
internal static partial class SourceKinds
{
    /// <summary>A Git remote: <c>git://</c>, <c>ssh://</c>, scp-like <c>user@host:path</c>, or an HTTP(S) URL whose path ends in <c>.git</c>.</summary>
    public static bool IsGit(string source)
    {
        if (source.StartsWith("./", StringComparison.Ordinal) || source.StartsWith("../", StringComparison.Ordinal))
        {
            return false;
        }

        if (source.StartsWith("git://", StringComparison.Ordinal) || source.StartsWith("ssh://", StringComparison.Ordinal) || ScpLike().IsMatch(source))
        {
            return true;
        }

        if (!IsHttpScheme(source) || !Uri.TryCreate(source, UriKind.Absolute, out var uri))
        {
            return false;
        }

        return uri.AbsolutePath.EndsWith(".git", StringComparison.Ordinal);
    }

    /// <summary>An HTTP(S) download (not a Git remote).</summary>
    public static bool IsUrl(string source) => IsHttpScheme(source) && !IsGit(source);

    private static bool IsHttpScheme(string source) =>
        source.StartsWith("http://", StringComparison.Ordinal) || source.StartsWith("https://", StringComparison.Ordinal);

    [GeneratedRegex(@"^[A-Za-z0-9_.-]+@[A-Za-z0-9.-]+:.+$")]
    private static partial Regex ScpLike();
}
