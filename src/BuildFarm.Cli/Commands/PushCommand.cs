using System.CommandLine;
using BuildFarm.Api.V1;
using BuildFarm.Oci;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.References;

namespace BuildFarm.Cli.Commands;

/// <summary>
/// <c>farm push NAME [TARGET]</c> has the farm push one of its images to TARGET (by default to NAME
/// itself); <c>farm push -a REPOSITORY</c> pushes every tag of a repository, each image's blobs
/// once. Prints what <c>docker push</c> prints.
/// </summary>
internal static class PushCommand
{
    public static Command Create(FarmContext context)
    {
        var source = new Argument<string>("NAME[:TAG]") { Description = "The image to push." };
        var target = new Argument<string?>("TARGET[:TAG]") { Description = "Where to push it (default: NAME).", Arity = ArgumentArity.ZeroOrOne };
        var allTags = new Option<bool>("--all-tags", "-a") { Description = "Push every tag of the repository NAME." };
        var command = new Command("push", "Push an image to a registry.") { source, target, allTags };
        FarmAction.Set(command, async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var request = new PushImageRequest
            {
                Image = parseResult.GetValue(source)!,
                Destination = parseResult.GetValue(target) ?? "",
                AllTags = parseResult.GetValue(allTags),
            };
            using var client = await context.ConnectAsync(parseResult, cancellationToken).ConfigureAwait(false);
            await foreach (var progress in client.PushImageAsync(request, cancellationToken).ConfigureAwait(false))
            {
                var line = progress.ProgressCase switch
                {
                    PushProgress.ProgressOneofCase.Started => $"The push refers to repository [{progress.Started.Repository}]",
                    PushProgress.ProgressOneofCase.Blob when !MediaTypes.IsConfig(progress.Blob.MediaType) =>
                        $"{ImageNames.Short(Digest.Parse(progress.Blob.Digest))}: {Describe(progress.Blob)}",
                    PushProgress.ProgressOneofCase.Tag => $"{progress.Tag.Tag}: digest: {progress.Tag.Digest} size: {progress.Tag.Size}",
                    _ => null,
                };
                if (line is not null)
                {
                    await output.WriteLineAsync(line).ConfigureAwait(false);
                }
            }
        });
        return command;
    }

    private static string Describe(PushedBlob blob) => blob.Outcome switch
    {
        PushOutcome.AlreadyExists => "Layer already exists",
        PushOutcome.Mounted => $"Mounted from {RepositoryName.Parse(blob.MountedFrom).Path}",
        _ => "Pushed",
    };
}
