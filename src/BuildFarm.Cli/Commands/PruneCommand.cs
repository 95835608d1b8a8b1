using System.CommandLine;
using System.Globalization;
using BuildFarm.Api.V1;
using BuildFarm.Cli.Formatting;

namespace BuildFarm.Cli.Commands;

/// <summary>
/// <c>farm prune [--all]</c>: frees what no build will reuse, as <c>docker buildx prune</c> does;
/// <c>--all</c> empties the build cache too but keeps named (loaded, pulled, tagged) images.
/// Prints what went and <c>Total reclaimed space</c>, as <c>docker builder prune</c> does.
/// </summary>
internal static class PruneCommand
{
    public static Command Create(FarmContext context)
    {
        var all = new Option<bool>("--all", "-a") { Description = "Also remove the build cache (every step runs again); named images stay." };
        var command = new Command("prune", "Remove what no build will reuse: unreferenced blobs, stale snapshots, leftovers.") { all };
        FarmAction.Set(command, async (parseResult, cancellationToken) =>
        {
            using var client = await context.ConnectAsync(parseResult, cancellationToken).ConfigureAwait(false);
            var result = await client.PruneAsync(parseResult.GetValue(all), cancellationToken).ConfigureAwait(false);
            var table = new TextTable("REMOVED", "COUNT", "SIZE");
            Add(table, "Blobs", result.Blobs);
            Add(table, "Step records", result.StepRecords);
            Add(table, "Snapshots", result.Snapshots);
            Add(table, "Cache mounts", result.CacheMounts);
            Add(table, "Leftovers", result.Leftovers);
            var output = parseResult.InvocationConfiguration.Output;
            table.WriteTo(output);
            await output.WriteLineAsync($"Total reclaimed space: {HumanUnits.Size((long)result.ReclaimedBytes)}").ConfigureAwait(false);
        });
        return command;
    }

    private static void Add(TextTable table, string name, Amount amount) =>
        table.Add(name, amount.Count.ToString(CultureInfo.InvariantCulture), HumanUnits.Size((long)amount.SizeBytes));
}
