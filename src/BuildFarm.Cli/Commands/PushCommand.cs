using System.CommandLine;
using BuildFarm.Cli.Images;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.References;
using BuildFarm.Oci.Registry;

namespace BuildFarm.Cli.Commands;

/// <summary>
/// <c>farm push NAME [TARGET]</c> pushes a local image to TARGET (by default to NAME itself);
/// <c>farm push -a REPOSITORY</c> pushes every local tag of a repository, each image's blobs once.
/// Prints what <c>docker push</c> prints.
/// </summary>
internal static class PushCommand
{
    public static Command Create(FarmContext context)
    {
        var source = new Argument<string>("NAME[:TAG]") { Description = "The local image to push." };
        var target = new Argument<string?>("TARGET[:TAG]") { Description = "Where to push it (default: NAME).", Arity = ArgumentArity.ZeroOrOne };
        var allTags = new Option<bool>("--all-tags", "-a") { Description = "Push every local tag of the repository NAME." };
        var command = new Command("push", "Push an image to a registry.") { source, target, allTags };
        FarmAction.Set(command, async (parseResult, cancellationToken) =>
        {
            var sourceText = parseResult.GetValue(source)!;
            var targetText = parseResult.GetValue(target);
            using var images = context.OpenImages(parseResult);
            var pushes = parseResult.GetValue(allTags)
                ? AllTagsOf(images, sourceText, targetText)
                : [OnePush(images, sourceText, targetText)];

            var output = parseResult.InvocationConfiguration.Output;
            using var client = context.CreateRegistryClient(parseResult);
            var pusher = new ImagePusher(client);
            await output.WriteLineAsync($"The push refers to repository [{pushes[0].Repository}]").ConfigureAwait(false);
            foreach (var push in pushes)
            {
                var result = await pusher.PushAsync(push.Repository, push.Image, images.Blobs, push.Tags, push.MountFrom, cancellationToken).ConfigureAwait(false);
                foreach (var blob in result.Blobs.Where(static b => !MediaTypes.IsConfig(b.Blob.MediaType)))
                {
                    await output.WriteLineAsync($"{ImageNames.Short(blob.Blob.Digest)}: {Describe(blob.Outcome, push.MountFrom)}").ConfigureAwait(false);
                }

                foreach (var reference in result.References)
                {
                    await output.WriteLineAsync($"{reference.Tag}: digest: {result.Manifest.Digest} size: {result.Manifest.Size}").ConfigureAwait(false);
                }
            }
        });
        return command;
    }

    private static string Describe(BlobPushOutcome outcome, RepositoryName? mountFrom) => outcome switch
    {
        BlobPushOutcome.AlreadyExists => "Layer already exists",
        BlobPushOutcome.Mounted => $"Mounted from {mountFrom!.Path}",
        _ => "Pushed",
    };

    private static Push OnePush(LocalImages images, string sourceText, string? targetText)
    {
        var name = ImageNames.Parse(sourceText);
        var image = images.Find(name) ?? throw new FarmException($"No such image: {ImageNames.Familiar(name)}");
        var destination = targetText is null ? name : ImageNames.Parse(targetText);
        if (destination.Tag is null)
        {
            throw new FarmException($"cannot push to {targetText ?? sourceText}: a push needs a tag, not a digest");
        }

        return new Push(destination.Repository, image.Target, [destination.Tag], MountSource(name.Repository, destination.Repository));
    }

    /// <summary>One push per distinct image among the repository's tags, carrying all of that image's tags.</summary>
    private static List<Push> AllTagsOf(LocalImages images, string repositoryText, string? targetText)
    {
        if (targetText is not null)
        {
            throw new FarmException("--all-tags pushes a repository to itself; it takes no TARGET");
        }

        if (ImageNames.HasExplicitTagOrDigest(repositoryText))
        {
            throw new FarmException($"tag can't be used with --all-tags/-a: {repositoryText}");
        }

        var repository = ImageNames.Parse(repositoryText).Repository;
        var pushes = images.List()
            .Where(image => image.Name is { Tag: not null } name && name.Repository == repository)
            .GroupBy(static image => image.Target.Digest)
            .Select(group => new Push(repository, group.First().Target, [.. group.Select(static image => image.Name!.Tag!)], MountFrom: null))
            .ToList();
        return pushes.Count > 0 ? pushes : throw new FarmException($"An image does not exist locally with the tag: {ImageNames.Familiar(repository)}");
    }

    // A registry links blobs between its own repositories: a blob the source repository has need not be sent again.
    private static RepositoryName? MountSource(RepositoryName source, RepositoryName destination) =>
        source.Registry == destination.Registry && source != destination ? source : null;

    private sealed record Push(RepositoryName Repository, Descriptor Image, IReadOnlyList<string> Tags, RepositoryName? MountFrom);
}
