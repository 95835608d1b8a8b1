using System.Text;
using BuildFarm.Dockerfile.Ignore;
using BuildFarm.Dockerfile.Parsing;
using BuildFarm.Execution.Sources;
using BuildFarm.Execution.Steps;
using BuildFarm.Oci;
using BuildFarm.Storage.Trees;

namespace BuildFarm.Execution.Building.Internal;

/// <summary>
/// What a build reads its Dockerfile and COPY sources from: the context (a content tree in the
/// store, or a directory) with its <c>.dockerignore</c> applied, and the parsed Dockerfile.
/// </summary>
/// <param name="DockerfileText">The Dockerfile as read, which <see cref="Dockerfile"/> was parsed from.</param>
/// <param name="IgnoreFile">The ignore file in force: a path in the tree, or on disk for a directory; null for none.</param>
/// <param name="TreeRoot">The context tree's root node; null for a directory.</param>
internal sealed record BuildContext(SourceTree Tree, ParsedDockerfile Dockerfile, string DockerfileText, string? IgnoreFile, Digest? TreeRoot)
{
    private const string DefaultDockerfileName = "Dockerfile";

    /// <summary>
    /// What fixes the selectable content: the tree's root digest and the ignore file in force. Null
    /// for a directory, whose files may change between builds (its digests are kept by file stamp instead).
    /// </summary>
    public string? Identity => TreeRoot is { } root ? $"{root}\n{IgnoreFile}" : null;

    /// <summary>The name errors give the Dockerfile: its file name, as the parser was given it.</summary>
    public string DockerfileName => Dockerfile.FileName;

    /// <exception cref="FileNotFoundException">The Dockerfile is not in the context; the message names it as the request did.</exception>
    /// <exception cref="DockerfileException">The Dockerfile or the ignore file is malformed.</exception>
    public static BuildContext Open(BuildRequest request, BuildEngine engine)
    {
        if ((request.ContextTree is null) == (request.ContextDirectory is null))
        {
            throw new ArgumentException("A build request names its context either as a tree or as a directory, exactly one of them.", nameof(request));
        }

        return request.ContextTree is { } root ? FromTree(request, new TreeView(root, engine.Content), engine) : FromDirectory(request, engine);
    }

    /// <summary>The context a step description names, with the Dockerfile given (read from its blob).</summary>
    public static BuildContext Reopen(BuildInputs inputs, string dockerfileText, BuildEngine engine)
    {
        var dockerfile = DockerfileParser.Parse(dockerfileText, inputs.DockerfileName);
        if (inputs.ContextTree is { } root)
        {
            var view = new TreeView(root, engine.Content);
            var ignore = inputs.ContextIgnoreFile is { } path
                ? DockerIgnore.Parse(ReadText(PlainTree(view, engine), path) ?? throw new FileNotFoundException($"The ignore file '{path}' is not in the context tree {root}."), path)
                : DockerIgnore.Empty;
            return new BuildContext(ContextTree(view, ignore, engine), dockerfile, dockerfileText, inputs.ContextIgnoreFile, root);
        }

        var directory = inputs.ContextDirectory ?? throw new ArgumentException("A step description names its build's context either as a tree or as a directory.", nameof(inputs));
        var directoryIgnore = inputs.ContextIgnoreFile is { } file ? DockerIgnore.Parse(File.ReadAllText(file, Encoding.UTF8), file) : DockerIgnore.Empty;
        return new BuildContext(SourceTree.ForContext(directory, directoryIgnore, engine.Digests), dockerfile, dockerfileText, inputs.ContextIgnoreFile, TreeRoot: null);
    }

    private static BuildContext FromTree(BuildRequest request, TreeView view, BuildEngine engine)
    {
        var plain = PlainTree(view, engine);
        var dockerfilePath = string.Join('/', SourceSelector.CleanComponents(request.DockerfilePath));
        var text = request.DockerfileContent ?? ReadText(plain, dockerfilePath)
            ?? (DockerfileLowerCaseName.Alternative(dockerfilePath) is { } lowerCase ? ReadText(plain, lowerCase) : null)
            ?? throw new FileNotFoundException($"The Dockerfile '{request.DockerfilePath}' does not exist in the build context.", request.DockerfilePath);

        // As DockerIgnore.Locate on disk: <Dockerfile>.dockerignore beside it, else the root's.
        var ignorePath = new[] { dockerfilePath + DockerIgnore.FileName, DockerIgnore.FileName }.FirstOrDefault(path => plain.Resolve(path) is { } found && plain.Status(found).IsRegular);
        var ignore = ignorePath is null ? DockerIgnore.Empty : DockerIgnore.Parse(ReadText(plain, ignorePath)!, ignorePath);
        return new BuildContext(ContextTree(view, ignore, engine), Parse(text, dockerfilePath), text, ignorePath, view.Root);
    }

    private static BuildContext FromDirectory(BuildRequest request, BuildEngine engine)
    {
        var contextDirectory = Path.GetFullPath(request.ContextDirectory!);
        if (!Directory.Exists(contextDirectory))
        {
            throw new DirectoryNotFoundException($"The build context '{contextDirectory}' does not exist.");
        }

        var dockerfilePath = Path.GetFullPath(request.DockerfilePath, contextDirectory);
        string text;
        try
        {
            text = request.DockerfileContent ?? File.ReadAllText(DockerfileLowerCaseName.ResolveOnDisk(dockerfilePath), Encoding.UTF8);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"The Dockerfile '{dockerfilePath}' does not exist.", dockerfilePath, e);
        }

        var ignorePath = DockerIgnore.Locate(contextDirectory, dockerfilePath);
        var ignore = ignorePath is null ? DockerIgnore.Empty : DockerIgnore.Parse(File.ReadAllText(ignorePath, Encoding.UTF8), ignorePath);
        var tree = SourceTree.ForContext(contextDirectory, ignore, engine.Digests);
        return new BuildContext(tree, Parse(text, dockerfilePath), text, ignorePath, TreeRoot: null);
    }

    // What steps read is counted; the Dockerfile and its ignore file are read through a view of their own.
    private static SourceTree ContextTree(TreeView view, DockerIgnore ignore, BuildEngine engine) =>
        SourceTree.ForContentTree(view, engine.Content, ignore, engine.Time.GetUtcNow(), engine.ContextReads);

    private static SourceTree PlainTree(TreeView view, BuildEngine engine) =>
        SourceTree.ForContentTree(view, engine.Content, DockerIgnore.Empty, engine.Time.GetUtcNow(), new ContextReads());

    private static string? ReadText(SourceTree tree, string path)
    {
        if (tree.Resolve(path) is not { } resolved || !tree.Status(resolved).IsRegular)
        {
            return null;
        }

        using var reader = new StreamReader(tree.OpenRead(resolved), Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static ParsedDockerfile Parse(string text, string path)
    {
        var name = Path.GetFileName(path);
        return DockerfileParser.Parse(text, name.Length == 0 ? DefaultDockerfileName : name);
    }
}
