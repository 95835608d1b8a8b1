using System.Text;
using BuildFarm.Execution.Files.Internal;
using BuildFarm.Execution.Sources;
using BuildFarm.Oci.Internal;

namespace BuildFarm.Execution.Files;

/// <summary>
/// Runs a COPY or ADD into a directory that is the destination image's <c>/</c> (an overlay merged
/// dir, or an empty dir for --link), with BuildKit's semantics: sources in order (paths, wildcard
/// matches, URLs), then heredoc files; ADD extracts local tar archives and downloads URLs.
/// </summary>
public static class FileCopier
{
    private const int InlineFileMode = 0b110_110_100; // 0664: the frontend's Mkfile for heredoc files (buildkitd applies no umask)

    /// <summary>Copies what <paramref name="request"/> selects into <paramref name="destinationRoot"/>; <paramref name="http"/> fetches URL sources (not needed without them).</summary>
    /// <exception cref="SourceNotFoundException">A source path without wildcards names nothing.</exception>
    /// <exception cref="FileCopyException">A bad --chmod/--chown/--checksum, a destination that cannot take the sources, a failed download.</exception>
    public static async Task CopyAsync(CopyRequest request, string destinationRoot, HttpClient? http, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.Destination.StartsWith('/'))
        {
            throw new ArgumentException($"The destination '{request.Destination}' is not absolute.", nameof(request));
        }

        var command = request.IsAdd ? "ADD" : "COPY";
        var target = new CopyTarget(destinationRoot, ChmodSpec.Parse(request.Chmod), CopyOwner.Resolve(request.Chown, destinationRoot));
        // For downloads and heredoc files, made only when there are some.
        var scratch = new Lazy<string>(() => Directory.CreateTempSubdirectory("buildfarm-copy-").FullName);
        try
        {
            var items = await CollectAsync(request, command, scratch, http, ct).ConfigureAwait(false);
            if (request.Parents)
            {
                CopyWithParents(request, items, target, ct);
                return;
            }

            var unpacks = new bool[items.Count];
            for (var i = 0; i < items.Count; i++)
            {
                unpacks[i] = items[i].Unpack && await ArchiveUnpacker.IsArchiveAsync(items[i].Tree, items[i].Match.ResolvedPath, ct).ConfigureAwait(false);
            }

            // BuildKit copies each source to the destination in turn: a directory's contents and an
            // unpacked archive go into it, but each file would overwrite the last. Docker's classic
            // builder refuses several sources then, and so does this, for files only.
            if (items.Count > 1 && !request.Destination.EndsWith('/') && LibC.TryLStat(target.Resolve(request.Destination)) is not { IsDirectory: true }
                && items.Where((item, i) => !unpacks[i] && !item.Tree.Status(item.Match.ResolvedPath).IsDirectory).Any())
            {
                throw new FileCopyException($"When using {command} with more than one source file, the destination must be a directory and end with a /");
            }

            for (var i = 0; i < items.Count; i++)
            {
                var item = items[i];
                if (unpacks[i])
                {
                    // BuildKit's unpack: into the destination itself, created 0755 whatever --chmod says.
                    var directory = target.Resolve(request.Destination);
                    target.CreateDirectories(directory, ChmodSpec.DefaultDirectoryPermissions);
                    await ArchiveUnpacker.ExtractAsync(item.Tree, item.Match.ResolvedPath, directory, target.Owner, ct).ConfigureAwait(false);
                    continue;
                }

                new TreeCopier(item.Tree, item.Filter, target, ct).Copy(item.Match.ResolvedPath, Path.GetFileName(item.Match.MatchedPath), request.Destination);
            }
        }
        finally
        {
            if (scratch.IsValueCreated)
            {
                Directory.Delete(scratch.Value, recursive: true);
            }
        }
    }

    /// <summary>
    /// Writes the entry at <paramref name="resolvedPath"/> of <paramref name="tree"/> (what it hides
    /// left out) into the empty directory <paramref name="directory"/>, as <c>cp -a</c> would, and
    /// returns the host path that now shows it: the directory itself for a directory, the copied
    /// file inside it otherwise. Owners are the tree's as a copy counts them (root's for the context).
    /// </summary>
    public static string CopyOut(SourceTree tree, string resolvedPath, string directory, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tree);
        var isDirectory = tree.Status(resolvedPath).IsDirectory;
        var name = resolvedPath.Length == 0 ? "context" : Path.GetFileName(resolvedPath);
        var target = new CopyTarget(directory, ChmodSpec.None, owner: null);
        new TreeCopier(tree, new SelectionFilter(tree, []), target, ct).Copy(resolvedPath, name, isDirectory ? "/" : "/" + name);
        return isDirectory ? directory : Path.Join(directory, name);
    }

    // Every source's matches in order, URLs fetched and heredocs written to files on the way.
    private static async Task<List<CopyItem>> CollectAsync(CopyRequest request, string command, Lazy<string> scratch, HttpClient? http, CancellationToken ct)
    {
        var items = new List<CopyItem>();
        var localFilter = request.Source is null ? null : new SelectionFilter(request.Source, request.Excludes);
        foreach (var source in request.Sources)
        {
            if (request.GitCheckouts.FirstOrDefault(git => git.Source == source) is { } checkout)
            {
                if (!request.IsAdd)
                {
                    throw new FileCopyException($"COPY {source}: source can't be a git ref for COPY");
                }

                // BuildKit copies the checkout's "/" into the destination: its contents, never the directory itself.
                var checkoutTree = SourceTree.ForRootFileSystem(checkout.Tree, new FileDigestCache());
                items.Add(new CopyItem(checkoutTree, new SourceMatch(source, checkout.Subdir, checkout.Subdir), new SelectionFilter(checkoutTree, []), Unpack: false));
                continue;
            }

            if (UrlFetcher.IsUrl(source))
            {
                if (!request.IsAdd)
                {
                    throw new FileCopyException($"COPY {source}: source can't be a URL for COPY");
                }

                var fetched = request.FetchedUrls.FirstOrDefault(url => url.Url == source)
                    ?? await UrlFetcher.FetchAsync(http ?? throw new FileCopyException($"ADD {source}: downloading needs an HttpClient"), source, scratch.Value, request.Checksum, ct).ConfigureAwait(false);
                var fetchedTree = SourceTree.ForRootFileSystem(Path.GetDirectoryName(fetched.ContentPath)!, new FileDigestCache());
                var match = new SourceMatch(source, fetched.FileName, Path.GetFileName(fetched.ContentPath));
                items.Add(new CopyItem(fetchedTree, match, new SelectionFilter(fetchedTree, []), request.Unpack == true));
                continue;
            }

            var tree = request.Source ?? throw new ArgumentException($"{command} {source}: the request has no source tree to read it from.", nameof(request));
            foreach (var match in Select(tree, source, request.Parents))
            {
                if (request.Parents || !localFilter!.Excludes(match))
                {
                    items.Add(new CopyItem(tree, match with { Source = source }, localFilter!, request.IsAdd && request.Unpack != false));
                }
            }
        }

        if (request.InlineSources.Count == 0)
        {
            return items;
        }

        var inlineTree = SourceTree.ForRootFileSystem(scratch.Value, new FileDigestCache());
        var noFilter = new SelectionFilter(inlineTree, []);
        foreach (var inline in request.InlineSources)
        {
            var path = Path.Combine(scratch.Value, inline.Name);
            await File.WriteAllTextAsync(path, inline.Content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), ct).ConfigureAwait(false);
            LibC.Chmod(path, InlineFileMode);
            items.Add(new CopyItem(inlineTree, new SourceMatch(inline.Name, inline.Name, inline.Name), noFilter, Unpack: false));
        }

        return items;
    }

    private static IReadOnlyList<SourceMatch> Select(SourceTree tree, string source, bool parents)
    {
        if (!parents)
        {
            return SourceSelector.Select(tree, [source]);
        }

        try
        {
            return SourceSelector.Select(tree, [ParentsPivot(source).Pattern]);
        }
        catch (SourceNotFoundException)
        {
            throw new SourceNotFoundException(source);
        }
    }

    // COPY --parents: each match keeps its path below the source's pivot ("a/./b/c" keeps "b/c",
    // "b/c" keeps "b/c"), the destination always a directory.
    private static void CopyWithParents(CopyRequest request, List<CopyItem> items, CopyTarget target, CancellationToken ct)
    {
        var destination = target.Resolve(request.Destination);
        target.CreateDirectories(destination);
        foreach (var item in items)
        {
            var pivot = ParentsPivot(item.Match.Source).Pivot;
            var relative = item.Match.MatchedPath[pivot.Length..].TrimStart('/');
            var copier = new TreeCopier(item.Tree, item.Filter, target, ct);
            if (relative.Length == 0)
            {
                copier.Copy(item.Match.ResolvedPath, Path.GetFileName(item.Match.MatchedPath), request.Destination.TrimEnd('/') + "/");
                continue;
            }

            copier.CopyBelow(item.Match.ResolvedPath, pivot, relative, destination);
        }
    }

    /// <summary>The part of a --parents source above its <c>/./</c> (cleaned, root-relative) and the whole cleaned path to select.</summary>
    private static (string Pivot, string Pattern) ParentsPivot(string source)
    {
        var cut = source.IndexOf("/./", StringComparison.Ordinal);
        var pivot = cut < 0 ? string.Empty : Clean(source[..cut]);
        var rest = cut < 0 ? source : source[(cut + 3)..];
        return (pivot, SourceTree.Join(pivot, Clean(rest)));
    }

    private static string Clean(string path) => string.Join('/', SourceSelector.CleanComponents(path));

    /// <summary>One selected path and how to copy it.</summary>
    private sealed record CopyItem(SourceTree Tree, SourceMatch Match, SelectionFilter Filter, bool Unpack);
}
