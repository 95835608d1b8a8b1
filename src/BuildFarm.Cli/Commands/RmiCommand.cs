using System.CommandLine;
using BuildFarm.Cli.Images;

namespace BuildFarm.Cli.Commands;

/// <summary>
/// <c>farm rmi [-f] IMAGE...</c>: removes names, as <c>docker rmi</c> does. By name it removes that
/// name; by ID it removes the image's only name (every name with <c>-f</c>). The blobs stay in the
/// content store until eviction needs their room.
/// </summary>
internal static class RmiCommand
{
    public static Command Create(FarmContext context)
    {
        var names = new Argument<string[]>("IMAGE") { Description = "Images to remove, by name or ID.", Arity = ArgumentArity.OneOrMore };
        var force = new Option<bool>("--force", "-f") { Description = "Remove every name of an image given by ID." };
        var command = new Command("rmi", "Remove local images.") { names, force };
        FarmAction.Set(command, async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            using var images = context.OpenImages(parseResult);
            foreach (var argument in parseResult.GetValue(names)!)
            {
                var image = await images.ResolveAsync(argument, cancellationToken).ConfigureAwait(false);
                var id = (await images.SummarizeAsync(image.Target, cancellationToken).ConfigureAwait(false)).Id;
                var removed = image.Name is null ? images.WithTarget(image.Target.Digest) : [image];
                if (removed.Count(static i => i.Name is not null) > 1 && !parseResult.GetValue(force))
                {
                    throw new FarmException($"conflict: unable to delete {ImageNames.Short(id)} (must be forced) - image is referenced in multiple repositories");
                }

                foreach (var entry in removed)
                {
                    images.Remove(entry);
                    await output.WriteLineAsync(entry.Name is null ? $"Deleted: {id}" : $"Untagged: {ImageNames.Familiar(entry.Name)}").ConfigureAwait(false);
                }
            }
        });
        return command;
    }
}
