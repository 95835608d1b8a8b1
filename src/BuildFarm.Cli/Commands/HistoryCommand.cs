using System.CommandLine;
using BuildFarm.Cli.Formatting;
using BuildFarm.Oci;
using BuildFarm.Oci.References;

namespace BuildFarm.Cli.Commands;

/// <summary>
/// <c>farm history [--no-trunc] [--platform os/arch] IMAGE</c>: the steps that made an image,
/// newest first, in <c>docker history</c>'s table, with a WASTED column: the bytes of each layer
/// that later layers delete or overwrite, which the image still carries.
/// </summary>
internal static class HistoryCommand
{
    private const int CreatedByWidth = 45;

    public static Command Create(FarmContext context)
    {
        var image = new Argument<string>("IMAGE") { Description = "The image, by name or ID." };
        var noTrunc = new Option<bool>("--no-trunc") { Description = "Show full image IDs and instructions." };
        var platform = new Option<string?>("--platform") { Description = "The platform to show of a multi-platform image (default: linux/amd64)." };
        var command = new Command("history", "Show the history of an image, and the bytes its layers waste.") { image, noTrunc, platform };
        FarmAction.Set(command, async (parseResult, cancellationToken) =>
        {
            using var client = await context.ConnectAsync(parseResult, cancellationToken).ConfigureAwait(false);
            var history = await client.GetImageHistoryAsync(parseResult.GetValue(image)!, parseResult.GetValue(platform), cancellationToken).ConfigureAwait(false);
            var full = parseResult.GetValue(noTrunc);
            var now = context.Environment.Time.GetUtcNow();

            var table = new TextTable(["IMAGE", "CREATED", "CREATED BY", "SIZE", "WASTED", "COMMENT"]);
            for (var i = 0; i < history.Steps.Count; i++)
            {
                var step = history.Steps[i];
                // As with images built by BuildKit, only the image itself has an ID; the steps below it have none.
                var id = i > 0 ? "<missing>" : full ? history.Id : ImageNames.Short(Digest.Parse(history.Id));
                table.Add([
                    id,
                    HumanUnits.Age(now, step.Created),
                    CreatedBy(step.CreatedBy, full),
                    HumanUnits.Size(step.Size),
                    HumanUnits.Size(step.WastedBytes),
                    step.Comment]);
            }

            var output = parseResult.InvocationConfiguration.Output;
            table.WriteTo(output);
            await output.WriteLineAsync($"Wasted: {HumanUnits.Size(history.WastedBytes)} in files that later layers delete or overwrite").ConfigureAwait(false);
        });
        return command;
    }

    // One line per step: heredoc bodies and tabs would break the table.
    private static string CreatedBy(string createdBy, bool full)
    {
        var line = createdBy.ReplaceLineEndings(" ").Replace('\t', ' ');
        return full || line.Length <= CreatedByWidth ? line : string.Concat(line.AsSpan(0, CreatedByWidth - 1), "…");
    }
}
