using System.CommandLine;
using BuildFarm.Api.V1;
using BuildFarm.Cli.Formatting;
using BuildFarm.Oci;
using BuildFarm.Oci.References;

namespace BuildFarm.Cli.Commands;

/// <summary>
/// <c>farm images [-q] [--digests] [--no-trunc]</c>: the farm's images, one row per name, newest
/// first, in <c>docker images</c>' table.
/// </summary>
internal static class ImagesCommand
{
    private const string None = "<none>";

    public static Command Create(FarmContext context)
    {
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only show image IDs." };
        var digests = new Option<bool>("--digests") { Description = "Show the manifest digests." };
        var noTrunc = new Option<bool>("--no-trunc") { Description = "Show full image IDs." };
        var command = new Command("images", "List the farm's images.") { quiet, digests, noTrunc };
        FarmAction.Set(command, async (parseResult, cancellationToken) =>
        {
            using var client = await context.ConnectAsync(parseResult, cancellationToken).ConfigureAwait(false);
            var rows = (await client.ListImagesAsync(cancellationToken).ConfigureAwait(false))
                .Select(static image => new Row(image, image.Name.Length > 0 ? ImageReference.Parse(image.Name) : null))
                .OrderByDescending(static row => row.Image.Created?.ToDateTimeOffset() ?? DateTimeOffset.MinValue)
                .ThenBy(static row => row.Repository, StringComparer.Ordinal)
                .ThenBy(static row => row.Tag, StringComparer.Ordinal)
                .ToList();

            var output = parseResult.InvocationConfiguration.Output;
            string Id(Image image) => parseResult.GetValue(noTrunc) ? image.Id : ImageNames.Short(Digest.Parse(image.Id));
            if (parseResult.GetValue(quiet))
            {
                foreach (var row in rows)
                {
                    await output.WriteLineAsync(Id(row.Image)).ConfigureAwait(false);
                }

                return;
            }

            var now = context.Environment.Time.GetUtcNow();
            var withDigests = parseResult.GetValue(digests);
            var table = new TextTable([.. Header(withDigests)]);
            foreach (var row in rows)
            {
                string[] naming = withDigests ? [row.Repository, row.Tag, row.Image.TargetDigest] : [row.Repository, row.Tag];
                table.Add([
                    .. naming,
                    Id(row.Image),
                    HumanUnits.Age(now, row.Image.Created),
                    HumanUnits.Size(row.Image.Size)]);
            }

            table.WriteTo(output);
        });
        return command;
    }

    private static IEnumerable<string> Header(bool withDigests) =>
        withDigests
            ? ["REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"]
            : ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"];

    private sealed record Row(Image Image, ImageReference? Name)
    {
        public string Repository => Name is null ? None : ImageNames.Familiar(Name.Repository);

        public string Tag => Name?.Tag ?? None;
    }
}
