using System.Text;

namespace BuildFarm.Benchmarks;

/// <summary>
/// A deterministic tree of mixed files: many small text-like files (source code, configs) and a
/// few large ones, half text, half incompressible, so compressors do realistic work. The same size
/// always gives the same bytes; a tree already on disk with the same size is reused.
/// </summary>
public static class TreeGenerator
{
    private static readonly string[] Words =
    [
        "public", "static", "return", "class", "void", "string", "int", "if", "else", "for", "while", "new",
        "namespace", "using", "var", "async", "await", "layer", "digest", "build", "farm", "image", "config",
        "manifest", "{", "}", "(", ")", ";", "=", "==", "=>", "0", "1", "42", "true", "false", "null",
    ];

    public sealed record Tree(string Root, long TotalBytes, int FileCount);

    public static Tree Ensure(string root, long targetBytes)
    {
        var marker = Path.Combine(root, ".complete");
        var expected = $"v2 {targetBytes}";
        if (File.Exists(marker) && File.ReadAllText(marker) == expected)
        {
            return Measure(root);
        }

        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        Console.WriteLine($"generating a {targetBytes >> 20} MB tree in {root} ...");
        var random = new XorShift(0x5EED);
        var largeBudget = targetBytes / 2;
        var written = 0L;
        for (var i = 0; written < largeBudget; i++)
        {
            var size = Math.Min(largeBudget - written, (8L << 20) + (i % 3) * (4L << 20));
            WriteFile(Path.Combine(root, "large", $"blob-{i:D3}.bin"), size, random, text: i % 2 == 0);
            written += size;
        }

        for (var i = 0; written < targetBytes; i++)
        {
            var size = Math.Min(targetBytes - written, 512 + random.Next(16 * 1024));
            WriteFile(Path.Combine(root, "src", $"module{i / 200:D3}", $"pkg{i / 20 % 10}", $"file{i:D5}.cs"), size, random, text: i % 8 != 0);
            written += size;
        }

        File.WriteAllText(marker, expected);
        return Measure(root);
    }

    private static Tree Measure(string root)
    {
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != ".complete").Select(f => new FileInfo(f).Length).ToList();
        return new Tree(root, files.Sum(), files.Count);
    }

    /// <summary>Writes <paramref name="size"/> bytes of word soup (<paramref name="text"/>) or noise from <paramref name="random"/>.</summary>
    internal static void WriteFile(string path, long size, XorShift random, bool text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        var buffer = new byte[1 << 16];
        var builder = new StringBuilder();
        while (size > 0)
        {
            var chunk = (int)Math.Min(size, buffer.Length);
            if (text)
            {
                builder.Clear();
                while (builder.Length < chunk)
                {
                    builder.Append(Words[random.Next(Words.Length)]).Append(random.Next(10) == 0 ? '\n' : ' ');
                }

                Encoding.ASCII.GetBytes(builder.ToString(0, chunk), buffer);
            }
            else
            {
                random.Fill(buffer.AsSpan(0, chunk));
            }

            file.Write(buffer, 0, chunk);
            size -= chunk;
        }
    }
}
