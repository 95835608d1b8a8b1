using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace BuildFarm.Oci.References.Internal;

/// <summary>
/// The grammar of distribution/reference plus docker's normalization, checked piece by piece so
/// that an error says which piece is wrong instead of docker's bare "invalid reference format".
/// </summary>
internal static class ReferenceParser
{
    // distribution/reference's NameTotalLengthMax, applied to registry + "/" + path like docker does.
    private const int NameTotalLengthMax = 255;
    private const int TagLengthMax = 128;
    private const string LegacyDockerHub = "index.docker.io";
    private const string OfficialRepositoryPrefix = "library/";

    internal readonly record struct Parts(RepositoryName Repository, string? Tag, Digest? Digest);

    public static bool TryParse(string? value, out Parts parts, [NotNullWhen(false)] out string? error)
    {
        parts = default;
        if (string.IsNullOrEmpty(value))
        {
            error = "An image reference is empty.";
            return false;
        }

        string? reason = Parse(value, out parts);
        error = reason is null ? null : $"'{value}' is not a valid image reference: {reason}.";
        return reason is null;
    }

    public static bool IsValidTag(string? tag) =>
        !string.IsNullOrEmpty(tag)
        && tag.Length <= TagLengthMax
        && IsWordChar(tag[0])
        && tag.All(static c => IsWordChar(c) || c is '.' or '-');

    public static string InvalidTagMessage(string? tag) =>
        $"the tag '{tag}' is invalid: a tag has 1 to {TagLengthMax} characters from [A-Za-z0-9_.-] and does not start with '.' or '-'";

    /// <returns>Null when <paramref name="value"/> parses, else why it does not.</returns>
    private static string? Parse(string value, out Parts parts)
    {
        parts = default;
        var rest = value;

        Digest? digest = null;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            var digestText = rest[(at + 1)..];
            if (!Oci.Digest.TryParse(digestText, out var parsed))
            {
                return $"'{digestText}' is not a digest (expected sha256: followed by 64 lowercase hex digits)";
            }

            digest = parsed;
            rest = rest[..at];
        }

        string? tag = null;
        var colon = rest.LastIndexOf(':');
        if (colon > rest.LastIndexOf('/'))
        {
            tag = rest[(colon + 1)..];
            if (!IsValidTag(tag))
            {
                return InvalidTagMessage(tag);
            }

            rest = rest[..colon];
        }

        if (rest.Length == 0)
        {
            return "the repository name is missing";
        }

        if (rest.Length == 64 && rest.All(IsLowerHex))
        {
            return "a 64-character hexadecimal string is an image ID, not a repository name";
        }

        var (registry, path) = SplitRegistry(rest);
        var failure = CheckRegistry(registry) ?? CheckPath(path);
        if (failure is not null)
        {
            return failure;
        }

        if (registry.Length + 1 + path.Length > NameTotalLengthMax)
        {
            return $"the repository name '{registry}/{path}' is longer than {NameTotalLengthMax} characters";
        }

        parts = new Parts(new RepositoryName(registry, path), tag, digest);
        return null;
    }

    // docker's rule: the first component names a registry only when it could not be a user name.
    private static (string Registry, string Path) SplitRegistry(string name)
    {
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        string registry, path;
        if (slash < 0 || (name.AsSpan(0, slash).IndexOfAny('.', ':') < 0 && name[..slash] != "localhost"))
        {
            (registry, path) = (RepositoryName.DockerHub, name);
        }
        else
        {
            (registry, path) = (name[..slash], name[(slash + 1)..]);
        }

        if (registry == LegacyDockerHub)
        {
            registry = RepositoryName.DockerHub;
        }

        if (registry == RepositoryName.DockerHub && !path.Contains('/', StringComparison.Ordinal))
        {
            path = OfficialRepositoryPrefix + path;
        }

        return (registry, path);
    }

    private static string? CheckRegistry(string registry)
    {
        var host = registry;
        string? port = null;
        if (registry.StartsWith('['))
        {
            var close = registry.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || !System.Net.IPAddress.TryParse(registry[1..close], out var address)
                || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                return $"the registry '{registry}' has an invalid IPv6 address";
            }

            host = registry[..(close + 1)];
            var after = registry[(close + 1)..];
            if (after.Length > 0)
            {
                if (after[0] != ':')
                {
                    return $"the registry '{registry}' has characters after its IPv6 address";
                }

                port = after[1..];
            }
        }
        else
        {
            var colon = registry.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0)
            {
                host = registry[..colon];
                port = registry[(colon + 1)..];
            }

            if (host.Length == 0 || !host.Split('.').All(IsDomainComponent))
            {
                return $"the registry host '{host}' is invalid: it must be dot-separated components of letters, digits and inner hyphens";
            }
        }

        if (port is not null
            && (port.Length is 0 or > 5 || !port.All(char.IsAsciiDigit)
                || int.Parse(port, CultureInfo.InvariantCulture) is 0 or > 65535))
        {
            return $"the registry '{registry}' has an invalid port '{port}' (expected 1-65535)";
        }

        return null;
    }

    private static string? CheckPath(string path)
    {
        if (path.Any(char.IsAsciiLetterUpper))
        {
            return $"the repository name '{path}' must be lowercase";
        }

        foreach (var component in path.Split('/'))
        {
            if (component.Length == 0)
            {
                return $"the repository name '{path}' has an empty path component";
            }

            if (!IsPathComponent(component))
            {
                return $"the repository path component '{component}' is invalid: it must be lowercase letters and digits, "
                    + "joined by '.', '_', '__' or dashes, starting and ending with a letter or digit";
            }
        }

        return null;
    }

    // path-component := alpha-numeric [separator alpha-numeric]* ; separator := [_.] | __ | [-]+
    private static bool IsPathComponent(string component)
    {
        var i = 0;
        while (true)
        {
            var start = i;
            while (i < component.Length && IsLowerAlphaNumeric(component[i]))
            {
                i++;
            }

            if (i == start)
            {
                return false;
            }

            if (i == component.Length)
            {
                return true;
            }

            var separatorStart = i;
            while (i < component.Length && !IsLowerAlphaNumeric(component[i]))
            {
                i++;
            }

            if (!IsSeparator(component.AsSpan(separatorStart, i - separatorStart)))
            {
                return false;
            }
        }
    }

    private static bool IsSeparator(ReadOnlySpan<char> separator) =>
        separator is "." or "_" or "__" || (separator.Length > 0 && !separator.ContainsAnyExcept('-'));

    // domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
    private static bool IsDomainComponent(string component) =>
        component.Length > 0
        && char.IsAsciiLetterOrDigit(component[0])
        && char.IsAsciiLetterOrDigit(component[^1])
        && component.All(static c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private static bool IsLowerAlphaNumeric(char c) => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c);

    private static bool IsLowerHex(char c) => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f';

    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';
}
