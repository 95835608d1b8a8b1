using System.Diagnostics.CodeAnalysis;
using BuildFarm.Oci.References.Internal;

namespace BuildFarm.Oci.References;

/// <summary>
/// An image reference — <c>[registry/]path[:tag][@digest]</c> — parsed with docker's rules: the
/// registry defaults to <c>docker.io</c>, a single-component name on docker.io gets
/// <c>library/</c>, and a reference with neither tag nor digest means tag <c>latest</c>.
/// </summary>
public sealed record ImageReference
{
    public const string DefaultTag = "latest";

    private ImageReference(RepositoryName repository, string? tag, Digest? digest)
    {
        Repository = repository;
        Tag = tag;
        Digest = digest;
    }

    public RepositoryName Repository { get; }

    public string Registry => Repository.Registry;

    /// <summary>The tag; null only when the reference was given by digest alone.</summary>
    public string? Tag { get; }

    public Digest? Digest { get; }

    /// <summary>
    /// What the registry's <c>/manifests/&lt;reference&gt;</c> endpoint is asked for: the digest
    /// when there is one (it pins the content, the tag is only a label then), else the tag.
    /// </summary>
    public string ManifestReference => Digest?.ToString() ?? Tag!;

    /// <summary>Parses a reference; with neither tag nor digest the tag is <c>latest</c>.</summary>
    public static ImageReference Parse(string value) =>
        TryParse(value, out var reference, out var error) ? reference : throw new FormatException(error);

    public static bool TryParse(string? value, [NotNullWhen(true)] out ImageReference? reference, [NotNullWhen(false)] out string? error)
    {
        if (!ReferenceParser.TryParse(value, out var parts, out error))
        {
            reference = null;
            return false;
        }

        var tag = parts.Tag ?? (parts.Digest is null ? DefaultTag : null);
        reference = new ImageReference(parts.Repository, tag, parts.Digest);
        return true;
    }

    /// <summary>Creates a reference to <paramref name="repository"/> by tag.</summary>
    public static ImageReference ForTag(RepositoryName repository, string tag)
    {
        ArgumentNullException.ThrowIfNull(repository);
        if (!ReferenceParser.IsValidTag(tag))
        {
            throw new ArgumentException(ReferenceParser.InvalidTagMessage(tag), nameof(tag));
        }

        return new ImageReference(repository, tag, null);
    }

    /// <summary>Creates a reference to <paramref name="repository"/> by digest.</summary>
    public static ImageReference ForDigest(RepositoryName repository, Digest digest)
    {
        ArgumentNullException.ThrowIfNull(repository);
        if (digest.IsEmpty)
        {
            throw new ArgumentException("A digest reference needs a digest.", nameof(digest));
        }

        return new ImageReference(repository, null, digest);
    }

    /// <summary>Parses without defaulting the tag, for callers that need to know what was written.</summary>
    internal static ImageReference ParseExact(string value) =>
        ReferenceParser.TryParse(value, out var parts, out var error)
            ? new ImageReference(parts.Repository, parts.Tag, parts.Digest)
            : throw new FormatException(error);

    public override string ToString() =>
        $"{Repository}{(Tag is null ? "" : ":" + Tag)}{(Digest is null ? "" : "@" + Digest)}";
}
