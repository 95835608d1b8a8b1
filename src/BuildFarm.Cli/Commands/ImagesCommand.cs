using System.CommandLine;
using BuildFarm.Cli.Formatting;
using BuildFarm.Cli.Images;

namespace BuildFarm.Cli.Commands;

/// <summary>
/// <c>farm images [-q] [--digests] [--no-trunc]</c>: the local images, one row per name, newest
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
        var command = new Command("images", "List local images.") { quiet, digests, noTrunc };
        FarmAction.Set(command, async (parseResult, cancellationToken) =>
        {
            using var images = context.OpenImages(parseResult);
            var rows = new List<(LocalImage Image, ImageSummary Summary)>();
            foreach (var image in images.List())
            {
                rows.Add((image, await images.SummarizeAsync(image.Target, cancellationToken).ConfigureAwait(false)));
            }

            rows = [.. rows
                .OrderByDescending(static row => row.Summary.Created ?? DateTimeOffset.MinValue)
                .ThenBy(static row => Repository(row.Image), StringComparer.Ordinal)
                .ThenBy(static row => row.Image.Name?.Tag ?? None, StringComparer.Ordinal)];

            var output = parseResult.InvocationConfiguration.Output;
            string Id(ImageSummary summary) => parseResult.GetValue(noTrunc) ? summary.Id.ToString() : ImageNames.Short(summary.Id);
            if (parseResult.GetValue(quiet))
            {
                foreach (var (_, summary) in rows)
                {
                    await output.WriteLineAsync(Id(summary)).ConfigureAwait(false);
                }

                return;
            }

            var now = context.Environment.Time.GetUtcNow();
            var withDigests = parseResult.GetValue(digests);
            var table = new TextTable([.. Header(withDigests)]);
            foreach (var (image, summary) in rows)
            {
                string[] naming = withDigests
                    ? [Repository(image), image.Name?.Tag ?? None, image.Target.Digest.ToString()]
                    : [Repository(image), image.Name?.Tag ?? None];
                table.Add([
                    .. naming,
                    Id(summary),
                    summary.Created is { } created ? HumanUnits.Duration(now - created) + " ago" : "N/A",
                    HumanUnits.Size(summary.Size)]);
            }

            table.WriteTo(output);
        });
        return command;
    }

    private static IEnumerable<string> Header(bool withDigests) =>
        withDigests
            ? ["REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"]
            : ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"];

    private static string Repository(LocalImage image) => image.Name is { } name ? ImageNames.Familiar(name.Repository) : None;
}
