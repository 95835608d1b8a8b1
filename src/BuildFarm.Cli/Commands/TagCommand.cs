using System.CommandLine;
using BuildFarm.Cli.Images;

namespace BuildFarm.Cli.Commands;

/// <summary><c>farm tag SOURCE TARGET</c>: gives a local image (by name or ID) another name.</summary>
internal static class TagCommand
{
    public static Command Create(FarmContext context)
    {
        var source = new Argument<string>("SOURCE[:TAG]") { Description = "The image, by name or ID." };
        var target = new Argument<string>("TARGET[:TAG]") { Description = "The new name." };
        var command = new Command("tag", "Create a tag TARGET that refers to SOURCE.") { source, target };
        FarmAction.Set(command, async (parseResult, cancellationToken) =>
        {
            var name = ImageNames.Parse(parseResult.GetValue(target)!);
            if (name.Digest is not null)
            {
                throw new FarmException($"refusing to create a tag with a digest reference: {parseResult.GetValue(target)}");
            }

            using var images = context.OpenImages(parseResult);
            var image = await images.ResolveAsync(parseResult.GetValue(source)!, cancellationToken).ConfigureAwait(false);
            images.Name(name, image.Target);
        });
        return command;
    }
}
