using System.CommandLine;
using BuildFarm.Oci.References;

namespace BuildFarm.Cli.Commands;

/// <summary>
/// <c>farm rmi [-f] IMAGE...</c>: removes names, as <c>docker rmi</c> does. By name it removes that
/// name; by ID it removes the image's only name (every name with <c>-f</c>). The blobs stay in the
/// farm's store until eviction needs their room. Stops at the first image that cannot be removed.
/// </summary>
internal static class RmiCommand
{
    public static Command Create(FarmContext context)
    {
        var names = new Argument<string[]>("IMAGE") { Description = "Images to remove, by name or ID.", Arity = ArgumentArity.OneOrMore };
        var force = new Option<bool>("--force", "-f") { Description = "Remove every name of an image given by ID." };
        var command = new Command("rmi", "Remove images.") { names, force };
        FarmAction.Set(command, async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            using var client = await context.ConnectAsync(parseResult, cancellationToken).ConfigureAwait(false);
            foreach (var argument in parseResult.GetValue(names)!)
            {
                foreach (var removed in await client.RemoveImageAsync(argument, parseResult.GetValue(force), cancellationToken).ConfigureAwait(false))
                {
                    await output.WriteLineAsync(removed.HasUntagged
                        ? $"Untagged: {ImageNames.Familiar(ImageReference.Parse(removed.Untagged))}"
                        : $"Deleted: {removed.Deleted}").ConfigureAwait(false);
                }
            }
        });
        return command;
    }
}
