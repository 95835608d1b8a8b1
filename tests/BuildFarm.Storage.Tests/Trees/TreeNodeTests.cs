using System.Text;
using BuildFarm.Oci;
using BuildFarm.Storage.Trees;

namespace BuildFarm.Storage.Tests.Trees;

public sealed class TreeNodeTests
{
    private static readonly Digest Abc = Digest.Sha256("abc"u8);

    [Fact]
    public void A_node_has_one_fixed_encoding_whatever_the_order_of_its_entries()
    {
        TreeEntry[] entries =
        [
            TreeEntry.File("b.txt", 0x1A4, 1000, 1000, 3, Abc),
            TreeEntry.Symlink("a", 0x1FF, 0, 0, "b.txt"),
        ];

        var node = TreeNode.Create(entries);
        var reversed = TreeNode.Create(entries.Reverse());

        Assert.Equal(Hex(node), Hex(reversed));
        Assert.Equal(["a", "b.txt"], node.Entries.Select(static e => e.Name));
        Assert.Equal(Digest.Sha256(node.Bytes.Span), node.Digest);
        Assert.Equal(
            "92" + "01" + "92" // [version 1, [two entries]]
            + "98" + "a161" + "02" + "cd01ff" + "00" + "00" + "00" + "c0" + "a5622e747874" // ["a", symlink, 0o777, 0, 0, 0, nil, "b.txt"]
            + "98" + "a5622e747874" + "00" + "cd01a4" + "cd03e8" + "cd03e8" + "03" // ["b.txt", file, 0o644, 1000, 1000, 3,
            + "d947" + Convert.ToHexStringLower(Encoding.ASCII.GetBytes(Abc.ToString())) + "c0", //  "sha256:...", nil]
            Hex(node));
    }

    [Fact]
    public void Entries_are_ordered_by_the_UTF8_bytes_of_their_names()
    {
        var names = new[] { "\U0001F600", "z", "\uFFFD", "Z", "é" };

        var node = TreeNode.Create(names.Select(static name => TreeEntry.Symlink(name, 0x1FF, 0, 0, "x")));

        Assert.Equal(["Z", "z", "é", "\uFFFD", "\U0001F600"], node.Entries.Select(static e => e.Name));
        Assert.Equal(node.Entries, TreeNode.Parse(node.Bytes).Entries);
    }

    [Fact]
    public void Create_refuses_a_name_twice()
    {
        var error = Assert.Throws<ArgumentException>(() => TreeNode.Create([TreeEntry.Symlink("same", 0x1FF, 0, 0, "x"), TreeEntry.File("same", 0x1A4, 0, 0, 3, Abc)]));

        Assert.StartsWith("A tree node cannot hold the name \"same\" twice.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a/b", "the name \"a/b\" is not a single path component")]
    [InlineData("..", "the name \"..\" is not a single path component")]
    [InlineData(".", "the name \".\" is not a single path component")]
    [InlineData("", "the name \"\" is not a single path component")]
    public void Parse_refuses_names_that_are_not_one_path_component(string name, string problem)
    {
        var bytes = NodeBytes.Write(1, (name, 0, 3, Abc.ToString(), null));

        var error = Assert.Throws<TreeFormatException>(() => TreeNode.Parse(bytes, Digest.Sha256(bytes)));

        Assert.Equal($"Tree node {Digest.Sha256(bytes)} is malformed: {problem}.", error.Message);
    }

    [Fact]
    public void Parse_refuses_entries_out_of_order_or_repeated()
    {
        var unsorted = NodeBytes.Write(1, ("b", 2, 0, null, "x"), ("a", 2, 0, null, "x"));
        var repeated = NodeBytes.Write(1, ("a", 2, 0, null, "x"), ("a", 2, 0, null, "x"));

        Assert.Equal(
            "Tree node is malformed: \"a\" follows \"b\": names must be unique and in UTF-8 byte order.",
            Assert.Throws<TreeFormatException>(() => TreeNode.Parse(unsorted)).Message);
        Assert.Equal(
            "Tree node is malformed: \"a\" follows \"a\": names must be unique and in UTF-8 byte order.",
            Assert.Throws<TreeFormatException>(() => TreeNode.Parse(repeated)).Message);
    }

    [Fact]
    public void Parse_refuses_entries_whose_fields_do_not_fit_their_kind()
    {
        Assert.Equal(
            "Tree node is malformed: file \"f\" needs a digest and no link target.",
            Assert.Throws<TreeFormatException>(() => TreeNode.Parse(NodeBytes.Write(1, ("f", 0, 3, null, null)))).Message);
        Assert.Equal(
            "Tree node is malformed: symlink \"l\" needs a target (without NUL), no digest and size 0.",
            Assert.Throws<TreeFormatException>(() => TreeNode.Parse(NodeBytes.Write(1, ("l", 2, 0, Abc.ToString(), "t")))).Message);
        Assert.Equal(
            "Tree node is malformed: \"d\" has the unknown kind 7.",
            Assert.Throws<TreeFormatException>(() => TreeNode.Parse(NodeBytes.Write(1, ("d", 7, 0, null, null)))).Message);
    }

    [Fact]
    public void Parse_refuses_another_version_and_bytes_that_are_not_a_node()
    {
        Assert.Equal(
            "Tree node is malformed: not a MessagePack node (version 2 is not supported (expected 1)).",
            Assert.Throws<TreeFormatException>(() => TreeNode.Parse(NodeBytes.Write(2))).Message);
        Assert.Equal(
            "Tree node is malformed: not a MessagePack node (bytes follow the node).",
            Assert.Throws<TreeFormatException>(() => TreeNode.Parse((byte[])[.. NodeBytes.Write(1), 0x00])).Message);
        Assert.Equal(
            "Tree node is malformed: it ends early.",
            Assert.Throws<TreeFormatException>(() => TreeNode.Parse(NodeBytes.Write(1, ("a", 2, 0, null, "x"))[..^2])).Message);
    }

    private static string Hex(TreeNode node) => Convert.ToHexStringLower(node.Bytes.Span);
}
