using System.Text;
using BuildFarm.Testing;
using BuildFarm.Testing.FileTrees;
using static BuildFarm.Testing.FileTrees.FileTreeEntry;

namespace BuildFarm.Execution.Tests.Differential;

/// <summary>The tree walker the differential tests trust: it must see every attribute they compare.</summary>
public sealed class FileTreeTests
{
    [Fact]
    public async Task Reads_kind_mode_owner_content_and_links_of_every_entry()
    {
        using var root = new TempDirectory("buildfarm-filetree");
        root.CreateDirectory("d/sub");
        await System.IO.File.WriteAllTextAsync(root.Combine("d", "text"), "hi\n");
        await System.IO.File.WriteAllBytesAsync(root.Combine("d", "big"), Encoding.ASCII.GetBytes(new string('x', MaxTextLength + 1)));
        await System.IO.File.WriteAllBytesAsync(root.Combine("binary"), [0, 1, 2]);
        System.IO.File.CreateSymbolicLink(root.Combine("d", "link"), "../nowhere");
        await ProcessRunner.RunCheckedAsync("ln", [root.Combine("d", "text"), root.Combine("a-hard-link")]);
        await ProcessRunner.RunCheckedAsync("mkfifo", [root.Combine("fifo")]);
        // chown before chmod: chown clears setuid.
        await ProcessRunner.RunCheckedAsync("chown", ["-h", "12:34", root.Combine("d", "link"), root.Combine("binary")]);
        await ProcessRunner.RunCheckedAsync("chmod", ["4750", root.Combine("binary")]);
        await ProcessRunner.RunCheckedAsync("chmod", ["1777", root.Combine("d", "sub")]);
        await ProcessRunner.RunCheckedAsync("chmod", ["0640", root.Combine("fifo")]);
        await ProcessRunner.RunCheckedAsync("chmod", ["0644", root.Combine("d", "text"), root.Combine("d", "big")]);
        await ProcessRunner.RunCheckedAsync("chmod", ["0755", root.Combine("d")]);

        var tree = await FileTree.ReadAsync(root.Path);

        Assert.Equal(
            [
                // The first path of an inode (ordinal order) is the file; the others name it.
                "a-hard-link  file 0644 0:0 \"hi\\n\"",
                "binary  file 4750 12:34 sha256:ae4b3280e56e2faf83f414a6e3dabe9d5fbe18976544c05fed121accb85b53fc",
                "d  directory 0755 0:0",
                "d/big  file 0644 0:0 sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.ASCII.GetBytes(new string('x', MaxTextLength + 1)))),
                "d/link  symlink 0777 12:34 -> ../nowhere",
                "d/sub  directory 1777 0:0",
                "d/text  file 0644 0:0 \"hi\\n\" (hard link of a-hard-link)",
                "fifo  fifo 0640 0:0",
            ],
            tree.Entries.Select(e => e.ToString()));
        Assert.Equal(File("a-hard-link", "hi\n"), tree["a-hard-link"]);
        Assert.Equal(Symlink("d/link", "../nowhere", 12, 34), tree["d/link"]);
    }

    [Fact]
    public void Diff_names_each_differing_path_with_both_versions()
    {
        FileTree expected = new([Directory("d"), File("d/a", "same\n"), File("d/b", "old\n"), File("gone", "x")]);
        FileTree actual = new([Directory("d"), File("d/a", "same\n"), File("d/b", "new\n", 0b110_000_000, 5, 6), Symlink("extra", "d/a")]);

        Assert.Equal(
            "--- buildah\n+++ engine\n"
            + "- d/b  file 0644 0:0 \"old\\n\"\n+ d/b  file 0600 5:6 \"new\\n\"\n"
            + "- extra  (missing)\n+ extra  symlink 0777 0:0 -> d/a\n"
            + "- gone  file 0644 0:0 \"x\"\n+ gone  (missing)\n",
            FileTree.Diff(expected, actual, "buildah", "engine"));
        Assert.Equal(string.Empty, FileTree.Diff(expected, new FileTree(expected.Entries.Reverse()), "buildah", "engine"));
    }
}
