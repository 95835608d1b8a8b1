using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace BuildFarm.Testing.FileTrees;

/// <summary>What kind of file system object an entry is (find's <c>%y</c>).</summary>
public enum FileKind
{
    Directory,
    File,
    Symlink,
    Fifo,
    Socket,
    CharDevice,
    BlockDevice,
}

/// <summary>
/// One path of an unpacked image as the differential tests compare it: everything but times.
/// Written one line per entry, path first, so that two trees diff line by line.
/// </summary>
/// <param name="Path">Relative to the root, no leading slash.</param>
/// <param name="Mode">Permission bits with setuid, setgid and sticky (<c>07777</c>).</param>
/// <param name="ContentDigest">For regular files: <c>sha256:</c> of the content.</param>
/// <param name="LinkTarget">For symbolic links: the target as stored.</param>
/// <param name="HardLinkOf">For a regular file that shares its inode: the first path (ordinal order) of the inode, unless that is this one.</param>
/// <param name="Text">For small text files: the content, so a mismatch shows what the file says.</param>
public sealed record FileTreeEntry(
    string Path,
    FileKind Kind,
    int Mode,
    long Uid,
    long Gid,
    string? ContentDigest = null,
    string? LinkTarget = null,
    string? HardLinkOf = null,
    string? Text = null)
{
    /// <summary>Files up to this size whose bytes are printable UTF-8 show their content.</summary>
    public const int MaxTextLength = 256;

    public static FileTreeEntry Directory(string path, int mode = 0b111_101_101, long uid = 0, long gid = 0) =>
        new(path, FileKind.Directory, mode, uid, gid);

    public static FileTreeEntry File(string path, string content, int mode = 0b110_100_100, long uid = 0, long gid = 0, string? hardLinkOf = null) =>
        FromContent(path, Encoding.UTF8.GetBytes(content), mode, uid, gid, hardLinkOf);

    public static FileTreeEntry Symlink(string path, string target, long uid = 0, long gid = 0) =>
        new(path, FileKind.Symlink, 0b111_111_111, uid, gid, LinkTarget: target);

    /// <summary>A regular file with <paramref name="content"/>: digest, and text when it is short and printable.</summary>
    public static FileTreeEntry FromContent(string path, ReadOnlySpan<byte> content, int mode, long uid, long gid, string? hardLinkOf = null) =>
        new(path, FileKind.File, mode, uid, gid, Digest(content), HardLinkOf: hardLinkOf, Text: TextOf(content));

    public override string ToString()
    {
        var line = new StringBuilder()
            .Append(Path).Append("  ")
            .Append(Kind.ToString().ToLowerInvariant()).Append(' ')
            .Append(Convert.ToString(Mode, 8).PadLeft(4, '0')).Append(' ')
            .Append(Uid.ToString(CultureInfo.InvariantCulture)).Append(':').Append(Gid.ToString(CultureInfo.InvariantCulture));
        if (Kind == FileKind.File)
        {
            line.Append(' ').Append(Text is null ? ContentDigest : Quote(Text));
        }

        if (LinkTarget is not null)
        {
            line.Append(" -> ").Append(LinkTarget);
        }

        if (HardLinkOf is not null)
        {
            line.Append(" (hard link of ").Append(HardLinkOf).Append(')');
        }

        return line.ToString();
    }

    private static string Digest(ReadOnlySpan<byte> content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));

    private static string? TextOf(ReadOnlySpan<byte> content)
    {
        if (content.Length > MaxTextLength)
        {
            return null;
        }

        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(content);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        return text.Any(c => char.IsControl(c) && c is not '\n' and not '\t') ? null : text;
    }

    private static string Quote(string text) =>
        "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal) + "\"";
}
