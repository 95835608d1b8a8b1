using System.Text.Json;
using BuildFarm.Testing;

namespace BuildFarm.Cli.Tests.Conformance;

/// <summary>
/// The Node.js client in <c>tests/conformance/node</c>, written from the buildfarm.v1 protos alone
/// (its packages are installed by <c>deploy/host-packages.sh</c>): it drives a farm and reports
/// what it saw as JSON.
/// </summary>
internal static class NodeClient
{
    public static string Directory => RepositoryRoot.Combine("tests", "conformance", "node");

    public static string ProtoRoot => RepositoryRoot.Combine("src", "BuildFarm.Api", "Protos");

    /// <summary>Runs the conformance scenario against <paramref name="server"/> with the build context <paramref name="context"/>.</summary>
    public static async Task<JsonDocument> RunAsync(Uri server, string context)
    {
        RequireInstalled();
        var output = await ProcessRunner.RunCheckedAsync(
            "node",
            [Path.Combine(Directory, "conformance.mjs"), server.Authority, ProtoRoot, context],
            TimeSpan.FromMinutes(5));
        return JsonDocument.Parse(output);
    }

    /// <summary>Runs <c>buf lint</c> (the npm package's binary) on the protos.</summary>
    public static Task<ProcessResult> LintProtosAsync()
    {
        RequireInstalled();
        return ProcessRunner.RunAsync(Path.Combine(Directory, "node_modules", ".bin", "buf"), ["lint"], workingDirectory: ProtoRoot);
    }

    private static void RequireInstalled()
    {
        if (!File.Exists(Path.Combine(Directory, "node_modules", ".installed-lock.json")))
        {
            throw new InvalidOperationException($"The conformance client's npm packages are not installed in {Directory}: run deploy/host-packages.sh (tests/run.sh does).");
        }
    }
}
