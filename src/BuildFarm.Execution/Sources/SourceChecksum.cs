using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BuildFarm.Oci;
using BuildFarm.Oci.Internal;

namespace BuildFarm.Execution.Sources;

/// <summary>
/// The cache-key checksum of what a COPY/ADD would copy, in the spirit of BuildKit's contenthash:
/// each entry is hashed from its type and permission bits (setuid, setgid, sticky included),
/// owner, and content (a file's sha256 and file capabilities, a link's target, a device's numbers); a directory from
/// its own header and its children's names and checksums in ordinal order, Merkle-style. Times,
/// inodes and the order a file system lists entries never count, so the same tree gives the same
/// checksum on any machine, and nothing outside the selection can change it.
/// </summary>
public static class SourceChecksum
{
    /// <summary>Selects <paramref name="sources"/> (see <see cref="SourceSelector"/>) and checksums them.</summary>
    /// <param name="excludes">
    /// <c>COPY --exclude</c> patterns (<c>.dockerignore</c> syntax), matched against a selected path's
    /// base name and, inside a selected directory, against paths relative to that directory.
    /// </param>
    public static Digest Compute(SourceTree tree, IReadOnlyList<string> sources, IReadOnlyList<string> excludes)
    {
        var filter = new SelectionFilter(tree, excludes);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var match in SourceSelector.Select(tree, sources))
        {
            if (filter.Excludes(match))
            {
                continue;
            }

            var entry = new EntryHasher(tree, filter).Checksum(match.ResolvedPath, string.Empty);
            Append(hash, $"{match.Source}\0{match.MatchedPath}\0{entry}\n");
        }

        return Digest.FromSha256Hash(hash.GetHashAndReset());
    }

    private static void Append(IncrementalHash hash, string text) => hash.AppendData(Encoding.UTF8.GetBytes(text));

    /// <summary>Walks one selected entry; <c>relative</c> paths are relative to it, for the excludes.</summary>
    private sealed class EntryHasher(SourceTree tree, SelectionFilter filter)
    {
        // Null when a hidden directory holds nothing that counts.
        public Digest? Checksum(string path, string relative, bool hidden = false)
        {
            var status = tree.Status(path);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var (uid, gid) = tree.OwnerOf(status);
            Append(hash, string.Create(CultureInfo.InvariantCulture, $"{Convert.ToString(status.Mode, 8)}\0{uid}\0{gid}\0"));
            if (status.IsRegular)
            {
                Append(hash, "file\0" + tree.ContentDigest(path, status));
                if (tree.Capability(path) is { } capability)
                {
                    Append(hash, $"\0security.capability\0{Convert.ToHexStringLower(capability)}");
                }
            }
            else if (status.IsSymlink)
            {
                Append(hash, "link\0" + tree.ReadLink(path));
            }
            else if (status.IsDirectory)
            {
                if (!AppendChildren(hash, path, relative) && hidden)
                {
                    return null;
                }
            }
            else
            {
                Append(hash, string.Create(CultureInfo.InvariantCulture, $"device\0{status.RdevMajor}\0{status.RdevMinor}"));
            }

            return Digest.FromSha256Hash(hash.GetHashAndReset());
        }

        // True when at least one child counts.
        private bool AppendChildren(IncrementalHash hash, string directory, string relative)
        {
            var any = false;
            foreach (var name in tree.ListNames(directory))
            {
                var path = SourceTree.Join(directory, name);
                var childRelative = SourceTree.Join(relative, name);
                var visibility = filter.Classify(path, childRelative);
                if (visibility == EntryVisibility.Hidden)
                {
                    continue;
                }

                if (Checksum(path, childRelative, visibility == EntryVisibility.HiddenWalk) is { } child)
                {
                    Append(hash, $"{name}\0{child}\n");
                    any = true;
                }
            }

            return any;
        }
    }
}
