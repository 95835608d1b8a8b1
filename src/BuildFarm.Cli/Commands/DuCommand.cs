using System.CommandLine;
using System.Globalization;
using BuildFarm.Api.V1;
using BuildFarm.Cli.Formatting;

namespace BuildFarm.Cli.Commands;

/// <summary>
/// <c>farm du</c>: what the farm's data directory holds, as <c>docker system df</c> shows it.
/// RECLAIMABLE is what <c>farm prune --all</c> would free (as docker's counts all build cache not
/// in use); the line below the table tells both prunes apart.
/// </summary>
internal static class DuCommand
{
    public static Command Create(FarmContext context)
    {
        var command = new Command("du", "Show the farm's disk usage: images, build cache, snapshots, cache mounts.");
        FarmAction.Set(command, async (parseResult, cancellationToken) =>
        {
            using var client = await context.ConnectAsync(parseResult, cancellationToken).ConfigureAwait(false);
            var entries = await client.DiskUsageAsync(cancellationToken).ConfigureAwait(false);
            var table = new TextTable("TYPE", "TOTAL", "SIZE", "RECLAIMABLE");
            foreach (var entry in entries)
            {
                table.Add(Name(entry.Kind), entry.Count.ToString(CultureInfo.InvariantCulture), HumanUnits.Size((long)entry.SizeBytes), Reclaimable(entry));
            }

            var output = parseResult.InvocationConfiguration.Output;
            table.WriteTo(output);
            var prune = entries.Sum(static entry => (long)entry.ReclaimableBytes);
            var pruneAll = entries.Sum(static entry => (long)entry.ReclaimableAllBytes);
            await output.WriteLineAsync($"farm prune would reclaim {HumanUnits.Size(prune)}; farm prune --all would reclaim {HumanUnits.Size(pruneAll)}.").ConfigureAwait(false);
        });
        return command;
    }

    private static string Name(UsageKind kind) => kind switch
    {
        UsageKind.Images => "Images",
        UsageKind.BuildCache => "Build Cache",
        UsageKind.Unreferenced => "Unreferenced Blobs",
        UsageKind.Snapshots => "Snapshots",
        UsageKind.CacheMounts => "Cache Mounts",
        _ => kind.ToString(),
    };

    // docker's form: the size, and its share of the whole as a truncated percentage when there is a whole.
    private static string Reclaimable(UsageEntry entry) =>
        entry.SizeBytes == 0
            ? HumanUnits.Size((long)entry.ReclaimableAllBytes)
            : $"{HumanUnits.Size((long)entry.ReclaimableAllBytes)} ({entry.ReclaimableAllBytes * 100 / entry.SizeBytes}%)";
}
