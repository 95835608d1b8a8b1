using System.Security.Cryptography;
using BuildFarm.Client.Context;
using BuildFarm.Oci;
using BuildFarm.Storage.Trees;
using BuildFarm.Testing;

namespace BuildFarm.Api.Tests.TestSupport;

/// <summary>Trees as sorted lines, so two trees compare with one Assert.Equal.</summary>
internal static class TreeListing
{
    /// <summary>
    /// Every path below <paramref name="root"/> as <c>path type mode uid:gid content</c>, as <c>find</c>
    /// sees it: content is a file's sha256, a link's target, nothing for a directory.
    /// </summary>
    public static async Task<List<string>> OfDirectoryAsync(string root)
    {
        var find = await ProcessRunner.RunAsync("find", [root, "-mindepth", "1", "-printf", "%P\t%y\t%#m\t%U:%G\t%l\n"]);
        Assert.True(find.ExitCode == 0, find.Error);
        var lines = new List<string>();
        foreach (var line in find.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split('\t');
            var content = fields[1] switch
            {
                "f" => Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(root, fields[0])))),
                "l" => "-> " + fields[4],
                _ => string.Empty,
            };
            lines.Add($"{fields[0]} {fields[1]} {fields[2]} {fields[3]} {content}".TrimEnd());
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    /// <summary>The paths of a snapshot's tree, read back from its node blobs: <c>dir/</c>, <c>file</c>, <c>link -> target</c>.</summary>
    public static List<string> OfSnapshot(ContextSnapshot snapshot)
    {
        var blobs = snapshot.Blobs.ToDictionary(static b => b.Digest);
        var paths = new List<string>();
        Walk(snapshot.Root, string.Empty);
        paths.Sort(StringComparer.Ordinal);
        return paths;

        void Walk(Digest nodeDigest, string prefix)
        {
            using var stream = blobs[nodeDigest].OpenRead();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            foreach (var entry in TreeNode.Parse(copy.ToArray(), nodeDigest).Entries)
            {
                var path = prefix + entry.Name;
                switch (entry.Kind)
                {
                    case TreeEntryKind.Directory:
                        paths.Add(path + "/");
                        Walk(entry.Digest!.Value, path + "/");
                        break;
                    case TreeEntryKind.Symlink:
                        paths.Add($"{path} -> {entry.LinkTarget}");
                        break;
                    default:
                        paths.Add(path);
                        break;
                }
            }
        }
    }
}
