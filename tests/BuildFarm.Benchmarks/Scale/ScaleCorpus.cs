using System.Globalization;

namespace BuildFarm.Benchmarks.Scale;

/// <summary>
/// A context of many small text files, the shape that makes a builder's cost follow the context's
/// size rather than its change: <c>src/dirNNNN/fileNNNNNN.txt</c>, 100 files to a folder, 64 to 511
/// bytes each, and a Dockerfile that copies them all and runs one cheap command over them. The
/// same file count always gives the same bytes.
/// </summary>
public sealed class ScaleCorpus
{
    public const int FilesPerFolder = 100;

    public const string Dockerfile = """
        FROM busybox
        COPY src/ /src/
        RUN find /src -type f | wc -l > /count

        """;

    private ScaleCorpus(string root, int files)
    {
        Root = root;
        Files = files;
    }

    /// <summary>The context directory (its Dockerfile is <c>Dockerfile</c>).</summary>
    public string Root { get; }

    /// <summary>Files under <c>src/</c>.</summary>
    public int Files { get; }

    public static ScaleCorpus Generate(string root, int files)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(files, 1);
        var random = new XorShift(0x5CA1E + (ulong)files);
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(root).FullName, "Dockerfile"), Dockerfile);
        for (var file = 0; file < files; file++)
        {
            TreeGenerator.WriteFile(PathOf(root, file), 64 + random.Next(448), random, text: true);
        }

        return new ScaleCorpus(root, files);
    }

    /// <summary>Changes the content of one file in the middle of the tree; every call makes new content.</summary>
    public void EditOneFile(int edit)
    {
        var path = PathOf(Root, Files / 2);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"the corpus has no {path} to edit");
        }

        File.AppendAllText(path, string.Create(CultureInfo.InvariantCulture, $"edit {edit}\n"));
    }

    private static string PathOf(string root, int file) =>
        Path.Combine(root, "src", $"dir{file / FilesPerFolder:D4}", $"file{file:D6}.txt");
}
