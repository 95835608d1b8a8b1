using System.Diagnostics;

namespace BuildFarm.Cli.Building;

/// <summary>
/// The git commit a context is checked out at, for tags like <c>app:{git.sha}</c> and the
/// <c>org.opencontainers.image.revision</c> / <c>.source</c> labels.
/// </summary>
internal sealed record GitCheckout(string Sha, string? Source)
{
    public const string RevisionLabel = "org.opencontainers.image.revision";
    public const string SourceLabel = "org.opencontainers.image.source";

    public string Short => Sha[..12];

    /// <summary>The checkout at <paramref name="directory"/>, or null when it is not in a git work tree (or git is missing).</summary>
    public static GitCheckout? Find(string directory)
    {
        // Both questions at once: starting git is most of what each costs, and every farm build asks.
        using var head = GitQuery.Start(directory, "rev-parse", "HEAD");
        using var origin = GitQuery.Start(directory, "remote", "get-url", "origin");
        return head?.Answer() is { Length: 40 } sha ? new GitCheckout(sha, origin?.Answer()) : null;
    }

    /// <summary>Replaces <c>{git.sha}</c> and <c>{git.short}</c> in a tag.</summary>
    public static string ExpandTag(string tag, GitCheckout? checkout)
    {
        if (!tag.Contains("{git.", StringComparison.Ordinal))
        {
            return tag;
        }

        if (checkout is null)
        {
            throw new FarmException($"tag \"{tag}\" names the git commit, but the build context is not a git checkout");
        }

        return tag.Replace("{git.sha}", checkout.Sha, StringComparison.Ordinal).Replace("{git.short}", checkout.Short, StringComparison.Ordinal);
    }

    /// <summary>One git command run in the background; its answer is its output, when it succeeds.</summary>
    private sealed class GitQuery(Process process) : IDisposable
    {
        /// <summary>Starts <c>git -C DIRECTORY ARGUMENTS</c>; null when there is no git on this machine.</summary>
        public static GitQuery? Start(string directory, params string[] arguments)
        {
            var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("-C");
            start.ArgumentList.Add(directory);
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            try
            {
                return new GitQuery(Process.Start(start)!);
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return null; // no git on this machine: not a checkout we can read
            }
        }

        /// <summary>What git printed, trimmed; null when it failed or printed nothing.</summary>
        public string? Answer()
        {
            // Its error output is a line or two: read after the output, it cannot fill its pipe and stall git.
            var output = process.StandardOutput.ReadToEnd().Trim();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 && output.Length > 0 ? output : null;
        }

        public void Dispose() => process.Dispose();
    }
}
