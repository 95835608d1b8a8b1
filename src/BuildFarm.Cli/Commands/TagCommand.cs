using System.CommandLine;

namespace BuildFarm.Cli.Commands;

/// <summary><c>farm tag SOURCE TARGET</c>: gives an image of the farm (by name or ID) another name.</summary>
internal static class TagCommand
{
    public static Command Create(FarmContext context)
    {
        var source = new Argument<string>("SOURCE[:TAG]") { Description = "The image, by name or ID." };
        var target = new Argument<string>("TARGET[:TAG]") { Description = "The new name." };
        var command = new Command("tag", "Create a tag TARGET that refers to SOURCE.") { source, target };
        FarmAction.Set(command, async (parseResult, cancellationToken) =>
        {
            using var client = await context.ConnectAsync(parseResult, cancellationToken).ConfigureAwait(false);
            await client.TagImageAsync(parseResult.GetValue(source)!, parseResult.GetValue(target)!, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
