using System.Collections.Concurrent;
using System.CommandLine;
using BuildFarm.Cli.Images;
using BuildFarm.Oci;
using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Registry;

namespace BuildFarm.Cli.Commands;

/// <summary>
/// <c>farm pull NAME[:TAG|@DIGEST] [--platform os/arch]</c>: pulls an image from its registry
/// and names it locally, printing what <c>docker pull</c> prints.
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
            var name = ImageNames.Parse(input);
            var wanted = parseResult.GetValue(platform) is { } platformText ? Platform.Parse(platformText) : null;
            if (!ImageNames.HasExplicitTagOrDigest(input))
            {
                await output.WriteLineAsync($"Using default tag: {name.Tag}").ConfigureAwait(false);
            }

            await output.WriteLineAsync($"{name.ManifestReference}: Pulling from {name.Repository.Path}").ConfigureAwait(false);
            using var images = context.OpenImages(parseResult);
            using var client = context.CreateRegistryClient(parseResult);
            var sink = new PresenceRecordingWriter(images.Blobs);
            var pulled = await new ImagePuller(client).PullAsync(name, sink, wanted, cancellationToken).ConfigureAwait(false);
            foreach (var layer in pulled.Image.Layers.DistinctBy(static layer => layer.Digest))
            {
                await output.WriteLineAsync($"{ImageNames.Short(layer.Digest)}: {(sink.WasPresent(layer.Digest) ? "Already exists" : "Pull complete")}").ConfigureAwait(false);
            }

            await output.WriteLineAsync($"Digest: {pulled.Index?.Digest ?? pulled.Manifest.Digest}").ConfigureAwait(false);
            var previous = images.Name(name, pulled.Manifest);
            await output.WriteLineAsync(previous?.Target.Digest == pulled.Manifest.Digest
                ? $"Status: Image is up to date for {ImageNames.Familiar(name)}"
                : $"Status: Downloaded newer image for {ImageNames.Familiar(name)}").ConfigureAwait(false);
            await output.WriteLineAsync(name.ToString()).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Remembers which blobs the puller found present, to tell "Already exists" from "Pull complete".</summary>
    private sealed class PresenceRecordingWriter(IBlobWriter inner) : IBlobWriter
    {
        private readonly ConcurrentDictionary<Digest, bool> _present = new();

        public bool WasPresent(Digest digest) => _present.ContainsKey(digest);

        public async ValueTask<bool> ExistsAsync(Digest digest, CancellationToken cancellationToken = default)
        {
            var exists = await inner.ExistsAsync(digest, cancellationToken).ConfigureAwait(false);
            if (exists)
            {
                _present.TryAdd(digest, true);
            }

            return exists;
        }

        public ValueTask<IBlobUpload> BeginUploadAsync(CancellationToken cancellationToken = default) => inner.BeginUploadAsync(cancellationToken);
    }
}
