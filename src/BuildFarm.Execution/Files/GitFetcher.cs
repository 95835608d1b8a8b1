using System.Text;
using BuildFarm.Execution.Files.Internal;
using BuildFarm.Oci;
using BuildFarm.Oci.Internal;

namespace BuildFarm.Execution.Files;

/// <summary>
/// ADD from a Git repository as BuildKit's git source does it: the ref is resolved to a commit
/// with <c>git ls-remote</c> (the cache key is that commit, so a hit fetches nothing), then only
/// that commit is fetched (depth 1 for a branch or tag) and checked out. The tree has no
/// <c>.git</c> unless it is kept, in which case it is a repository with the commit checked out
/// (detached), the ref fetched and <c>origin</c> set to the remote. Files are 0644, or 0755 when
/// git has them executable, directories 0755, all owned by root; times are the checkout's (the
/// layer clamps them to <c>SOURCE_DATE_EPOCH</c>). Submodules are not fetched.
/// </summary>
public static class GitFetcher
{
    private const int DirectoryMode = 0b111_101_101; // 0755
    private const int ExecutableMode = 0b111_101_101; // 0755
    private const int FileMode = 0b110_100_100; // 0644

    /// <summary>
    /// Resolves <paramref name="spec"/>'s ref to a commit, with <c>--checksum</c> and
    /// <c>--keep-git-dir</c> from the instruction reconciled with the source's own query.
    /// </summary>
    /// <exception cref="FileCopyException">The flags contradict the query, the checksum is not hex or does not match, or the remote has no such ref.</exception>
    public static async Task<ResolvedGitSource> ResolveAsync(GitSourceSpec spec, string? checksumFlag, bool? keepGitDirFlag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (keepGitDirFlag is { } flag && spec.KeepGitDir is { } query && flag != query)
        {
            throw new FileCopyException("inconsistent keep-git-dir configuration");
        }

        if (!string.IsNullOrEmpty(checksumFlag) && spec.Checksum is not null && checksumFlag != spec.Checksum)
        {
            throw new FileCopyException($"checksum mismatch \"{checksumFlag}\" != \"{spec.Checksum}\"");
        }

        var keepGitDir = spec.KeepGitDir ?? keepGitDirFlag ?? false;
        var checksum = spec.Checksum ?? (string.IsNullOrEmpty(checksumFlag) ? null : checksumFlag);
        if (checksum is not null && !IsHex(checksum))
        {
            throw new FileCopyException($"invalid checksum {checksum} for Git URL, expected hex commit hash");
        }

        string commit;
        string usedRef;
        string? peeled = null;
        if (spec.Ref is { } reference && IsCommit(reference))
        {
            (commit, usedRef) = (reference, reference);
            if (checksum is not null && !commit.StartsWith(checksum, StringComparison.Ordinal))
            {
                throw new FileCopyException($"expected checksum to match {checksum}, got {commit}");
            }
        }
        else
        {
            (commit, usedRef, peeled) = await LsRemoteAsync(spec, cancellationToken).ConfigureAwait(false);
            if (checksum is not null && !commit.StartsWith(checksum, StringComparison.Ordinal) && !(peeled?.StartsWith(checksum, StringComparison.Ordinal) ?? false))
            {
                throw new FileCopyException($"expected checksum to match {checksum}, got {commit}{(peeled is null ? string.Empty : " or " + peeled)}");
            }
        }

        // BuildKit's shaToCacheKey: an annotated tag counts by the commit it names unless its tag object is kept too.
        var key = new StringBuilder(peeled is not null && !keepGitDir ? peeled : commit);
        if (keepGitDir)
        {
            key.Append(".git#").Append(usedRef);
        }

        if (spec.Subdir.Length > 0)
        {
            key.Append(':').Append(spec.Subdir);
        }

        return new ResolvedGitSource(spec, commit, usedRef, keepGitDir, Digest.Sha256(Encoding.UTF8.GetBytes(key.ToString())));
    }

    /// <summary>
    /// Fetches and checks out <paramref name="source"/> into a new directory under
    /// <paramref name="directory"/>; the caller deletes <see cref="GitCheckout.Directory"/>.
    /// </summary>
    /// <exception cref="FileCopyException">The fetch failed, the ref moved since it resolved, or the subdir is not a directory of the commit.</exception>
    public static async Task<GitCheckout> CheckoutAsync(ResolvedGitSource source, string directory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var spec = source.Spec;
        var scratch = Path.Combine(directory, "git-" + Guid.NewGuid().ToString("N"));
        var gitDirectory = Path.Combine(scratch, "fetched.git");
        var tree = Path.Combine(scratch, "tree");
        Directory.CreateDirectory(tree);
        try
        {
            var failure = $"failed to fetch remote {spec.RedactedRemote}";
            await GitCommand.RunAsync(["init", "-q", "--bare", gitDirectory], failure, cancellationToken).ConfigureAwait(false);
            var byCommit = IsCommit(source.UsedRef);
            string[] fetch = byCommit
                ? ["--git-dir=" + gitDirectory, "fetch", "-q", "--tags", "--", spec.Remote, "+refs/heads/*:refs/heads/*"]
                : ["--git-dir=" + gitDirectory, "fetch", "-q", "--depth=1", "--no-tags", "--", spec.Remote, $"+{source.UsedRef}:{source.UsedRef}"];
            await GitCommand.RunAsync(fetch, failure, cancellationToken).ConfigureAwait(false);
            var fetched = (await GitCommand.RunAsync(["--git-dir=" + gitDirectory, "rev-parse", "--verify", "--quiet", source.UsedRef + (byCommit ? "^{commit}" : string.Empty)], $"{spec.RedactedRemote} has no commit {source.UsedRef}", cancellationToken).ConfigureAwait(false)).Trim();
            if (fetched != source.Commit)
            {
                throw new FileCopyException($"fetched ref {source.UsedRef} of {spec.RedactedRemote} is {fetched}, not the commit {source.Commit} it resolved to: the remote changed during the build");
            }

            if (source.KeepGitDir && spec.Subdir.Length == 0)
            {
                await CheckoutWithGitDirectoryAsync(source, gitDirectory, tree, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await GitCommand.RunAsync(["--git-dir=" + gitDirectory, "--work-tree=" + tree, "checkout", "-q", "--no-overlay", source.Commit, "--", "."], $"failed to checkout remote {spec.RedactedRemote}", cancellationToken).ConfigureAwait(false);
            }

            NormalizeModes(tree);
            CheckSubdir(tree, spec.Subdir);
            return new GitCheckout(spec.Source, scratch, tree, spec.Subdir);
        }
        catch
        {
            Directory.Delete(scratch, recursive: true);
            throw;
        }
    }

    // Only what is kept: a fresh repository holding the one commit, fetched from the farm's own
    // fetch over file:// (no local-clone shortcuts), then pointed at the real remote.
    private static async Task CheckoutWithGitDirectoryAsync(ResolvedGitSource source, string fetchedDirectory, string tree, CancellationToken cancellationToken)
    {
        var spec = source.Spec;
        var failure = $"failed to checkout remote {spec.RedactedRemote}";
        string[] git = ["-C", tree];
        await GitCommand.RunAsync([.. git, "-c", "init.defaultBranch=master", "init", "-q"], failure, cancellationToken).ConfigureAwait(false);
        await GitCommand.RunAsync([.. git, "remote", "add", "origin", "file://" + fetchedDirectory], failure, cancellationToken).ConfigureAwait(false);
        string pull;
        if (IsCommit(source.UsedRef))
        {
            pull = "refs/buildfarm/" + source.Commit;
            await GitCommand.RunAsync(["--git-dir=" + fetchedDirectory, "update-ref", pull, source.Commit], failure, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            pull = $"{source.UsedRef}:{source.UsedRef}";
        }

        await GitCommand.RunAsync([.. git, "fetch", "-q", "-u", "--depth=1", "--", "origin", pull], failure, cancellationToken, allowFile: true).ConfigureAwait(false);
        await GitCommand.RunAsync([.. git, "checkout", "-q", "FETCH_HEAD"], failure, cancellationToken).ConfigureAwait(false);
        await GitCommand.RunAsync([.. git, "remote", "set-url", "origin", spec.RedactedRemote], failure, cancellationToken).ConfigureAwait(false);
        await GitCommand.RunAsync([.. git, "reflog", "expire", "--all", "--expire=now"], failure, cancellationToken).ConfigureAwait(false);
        File.Delete(Path.Combine(tree, ".git", "FETCH_HEAD"));
    }

    // What BuildKit's checkout gives under buildkitd's umask 022, whatever the farm's umask is; .git is left as git wrote it.
    private static void NormalizeModes(string tree)
    {
        LibC.Chmod(tree, DirectoryMode);
        foreach (var entry in new DirectoryInfo(tree).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0 }))
        {
            if (entry.Name == ".git")
            {
                continue;
            }

            Normalize(entry);
        }
    }

    private static void Normalize(FileSystemInfo entry)
    {
        if (entry.LinkTarget is not null)
        {
            return;
        }

        if (entry is DirectoryInfo directory)
        {
            LibC.Chmod(directory.FullName, DirectoryMode);
            foreach (var child in directory.EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0 }))
            {
                Normalize(child);
            }

            return;
        }

        var executable = (entry.UnixFileMode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
        LibC.Chmod(entry.FullName, executable ? ExecutableMode : FileMode);
    }

    // BuildKit's validateDirsOnly: every component of the subdir is a directory, never a link out of it.
    private static void CheckSubdir(string tree, string subdir)
    {
        var path = tree;
        foreach (var part in subdir.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            path = Path.Combine(path, part);
            if (LibC.TryLStat(path) is not { IsDirectory: true })
            {
                throw new FileCopyException($"invalid subdir {subdir}: {part} is not a directory of the commit");
            }
        }
    }

    private static async Task<(string Commit, string UsedRef, string? Peeled)> LsRemoteAsync(GitSourceSpec spec, CancellationToken cancellationToken)
    {
        var failure = $"failed to fetch remote {spec.RedactedRemote}";
        var reference = spec.Ref;
        if (reference is null)
        {
            var symbolic = await GitCommand.RunAsync(["ls-remote", "--symref", "--", spec.Remote, "HEAD"], failure, cancellationToken).ConfigureAwait(false);
            reference = symbolic.Split('\n')
                .Where(line => line.StartsWith("ref: ", StringComparison.Ordinal) && line.EndsWith("\tHEAD", StringComparison.Ordinal))
                .Select(line => line["ref: ".Length..^"\tHEAD".Length])
                .FirstOrDefault() ?? throw new FileCopyException($"{failure}: the remote names no default branch");
        }

        var listing = await GitCommand.RunAsync(["ls-remote", "--", spec.Remote, reference, reference + "^{}"], failure, cancellationToken).ConfigureAwait(false);
        var bare = reference.StartsWith("refs/", StringComparison.Ordinal) ? reference["refs/".Length..] : reference;
        var partial = "refs/" + bare;
        var head = "refs/heads/" + Strip(reference, "refs/heads/");
        var tag = "refs/tags/" + Strip(reference, "refs/tags/");
        string? exact = null, branch = null, tagged = null, peeled = null;
        foreach (var line in listing.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            var (sha, name) = tab < 0 ? (line, string.Empty) : (line[..tab], line[(tab + 1)..]);
            if (name == head)
            {
                branch = sha;
            }
            else if (name == tag)
            {
                tagged = sha;
            }
            else if (name == tag + "^{}")
            {
                peeled = sha;
            }
            else if (name == partial)
            {
                exact = sha;
            }
        }

        // As git checkout: a full ref first, then a branch, then a tag.
        var resolved = exact is not null ? (exact, partial, (string?)null)
            : branch is not null ? (branch, head, null)
            : tagged is not null ? (tagged, tag, peeled)
            : throw new FileCopyException($"repository does not contain ref {reference}, output: \"{listing.Trim()}\"");
        return IsCommit(resolved.Item1) ? resolved : throw new FileCopyException($"invalid commit sha \"{resolved.Item1}\"");
    }

    private static string Strip(string value, string prefix) => value.StartsWith(prefix, StringComparison.Ordinal) ? value[prefix.Length..] : value;

    private static bool IsCommit(string value) => value.Length is 40 or 64 && IsHex(value);

    private static bool IsHex(string value) => value.Length > 0 && value.All(char.IsAsciiHexDigitLower);
}

/// <summary>A Git source whose ref has been resolved to a commit, and the checksum a step's cache key takes for it.</summary>
/// <param name="UsedRef">The full ref it resolved through (<c>refs/tags/v1</c>), or the commit when it named one.</param>
/// <param name="Commit">The object the ref names (an annotated tag's tag object; <see cref="Checksum"/> then counts the commit it peels to).</param>
/// <param name="Checksum">What the cache key takes: BuildKit's git cache key (commit, <c>.git#ref</c> when kept, <c>:subdir</c>) hashed.</param>
public sealed record ResolvedGitSource(GitSourceSpec Spec, string Commit, string UsedRef, bool KeepGitDir, Digest Checksum);

/// <summary>A Git source checked out on the host.</summary>
/// <param name="Source">The ADD source as written.</param>
/// <param name="Directory">What to delete afterwards: the checkout and the fetch it came from.</param>
/// <param name="Tree">The checked-out tree.</param>
/// <param name="Subdir">The directory of <paramref name="Tree"/> that is added (empty for all of it).</param>
public sealed record GitCheckout(string Source, string Directory, string Tree, string Subdir);
