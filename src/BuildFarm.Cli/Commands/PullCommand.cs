using System.CommandLine;
using BuildFarm.Oci;
using BuildFarm.Oci.References;

namespace BuildFarm.Cli.Commands;

/// <summary>
/// <c>farm pull NAME[:TAG|@DIGEST] [--platform os/arch]</c>: has the farm pull an image from its
/// registry and name it, printing what <c>docker pull</c> prints.
/// </summary>
internal static class PullCommand
{
    public static Command Create(FarmContext context)
    {
        var reference = new Argument<string>("NAME[:TAG|@DIGEST]") { Description = "The image to pull." };
        var platform = new Option<string?>("--platform") { Description = "The platform to take from a multi-platform image (default: linux/amd64)." };
        var command = new Command("pull", "Pull an image from a registry.") { reference, platform };
        FarmAction.Set(command, async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var input = parseResult.GetValue(reference)!;
            using var client = await context.ConnectAsync(parseResult, cancellationToken).ConfigureAwait(false);
            ImageReference? name = null;
            await foreach (var progress in client.PullImageAsync(input, parseResult.GetValue(platform), cancellationToken).ConfigureAwait(false))
            {
                if (progress.Started is { } started)
                {
                    name = ImageReference.Parse(started.Reference);
                    if (!ImageNames.HasExplicitTagOrDigest(input))
                    {
                        await output.WriteLineAsync($"Using default tag: {name.Tag}").ConfigureAwait(false);
                    }

                    await output.WriteLineAsync($"{name.ManifestReference}: Pulling from {name.Repository.Path}").ConfigureAwait(false);
                }
                else if (progress.Layer is { } layer)
                {
                    await output.WriteLineAsync($"{ImageNames.Short(Digest.Parse(layer.Digest))}: {(layer.AlreadyExisted ? "Already exists" : "Pull complete")}").ConfigureAwait(false);
                }
                else if (progress.Finished is { } finished)
                {
                    await output.WriteLineAsync($"Digest: {finished.Digest}").ConfigureAwait(false);
                    await output.WriteLineAsync(finished.UpToDate
                        ? $"Status: Image is up to date for {ImageNames.Familiar(name!)}"
                        : $"Status: Downloaded newer image for {ImageNames.Familiar(name!)}").ConfigureAwait(false);
                    await output.WriteLineAsync(name!.ToString()).ConfigureAwait(false);
                }
            }
        });
        return command;
    }
}
