using System.Text;
using BuildFarm.Dockerfile.Ignore;
using BuildFarm.Dockerfile.Parsing;
using BuildFarm.Execution.Sources;
using BuildFarm.Storage.Trees;

namespace BuildFarm.Execution.Building.Internal;

/// <summary>
/// What a build reads its Dockerfile and COPY sources from: the context (a content tree in the
/// store, or a directory) with its <c>.dockerignore</c> applied, and the parsed Dockerfile.
/// </summary>
/// <param name="Identity">
/// What fixes the selectable content: the tree's root digest and the ignore file in force. Null for
/// a directory, whose files may change between builds (its digests are kept by file stamp instead).
/// </param>
internal sealed record BuildContext(SourceTree Tree, ParsedDockerfile Dockerfile, string? Identity)
{
    private const string DefaultDockerfileName = "Dockerfile";

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

    private static BuildContext FromTree(BuildRequest request, TreeView view, BuildEngine engine)
    {
        // The Dockerfile and its ignore file are read through a view of their own: what steps read is counted apart.
        var plain = SourceTree.ForContentTree(view, engine.Content, DockerIgnore.Empty, engine.Time.GetUtcNow(), new ContextReads());
        var dockerfilePath = string.Join('/', SourceSelector.CleanComponents(request.DockerfilePath));
        var text = request.DockerfileContent ?? ReadText(plain, dockerfilePath)
            ?? throw new FileNotFoundException($"The Dockerfile '{request.DockerfilePath}' does not exist in the build context.", request.DockerfilePath);

        // As DockerIgnore.Locate on disk: <Dockerfile>.dockerignore beside it, else the root's.
        var ignorePath = new[] { dockerfilePath + DockerIgnore.FileName, DockerIgnore.FileName }.FirstOrDefault(path => plain.Resolve(path) is { } found && plain.Status(found).IsRegular);
        var ignore = ignorePath is null ? DockerIgnore.Empty : DockerIgnore.Parse(ReadText(plain, ignorePath)!, ignorePath);
        var tree = SourceTree.ForContentTree(view, engine.Content, ignore, engine.Time.GetUtcNow(), engine.ContextReads);
        return new BuildContext(tree, Parse(text, dockerfilePath), $"{view.Root}\n{ignorePath}");
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
            text = request.DockerfileContent ?? File.ReadAllText(dockerfilePath, Encoding.UTF8);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"The Dockerfile '{dockerfilePath}' does not exist.", dockerfilePath, e);
        }

        var tree = SourceTree.ForContext(contextDirectory, DockerIgnore.Load(contextDirectory, dockerfilePath), engine.Digests);
        return new BuildContext(tree, Parse(text, dockerfilePath), Identity: null);
    }

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
