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
        var sha = Git(directory, "rev-parse", "HEAD");
        return sha is { Length: 40 } ? new GitCheckout(sha, Git(directory, "remote", "get-url", "origin")) : null;
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

    private static string? Git(string directory, params string[] arguments)
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
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd().Trim();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no git on this machine: not a checkout we can read
        }
    }
}
