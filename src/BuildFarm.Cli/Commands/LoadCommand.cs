using System.CommandLine;
using BuildFarm.Oci;
using BuildFarm.Oci.References;

namespace BuildFarm.Cli.Commands;

/// <summary>
/// <c>farm load [-i ARCHIVE]</c>: sends the images of an OCI or docker save archive (read from
/// stdin without <c>-i</c>) to the farm, which names them as the archive does, as <c>docker load</c> does.
/// </summary>
internal static class LoadCommand
{
    public static Command Create(FarmContext context)
    {
        var input = new Option<string?>("--input", "-i") { Description = "The archive to read (default: stdin)." };
        var command = new Command("load", "Load images from an OCI or docker save archive (tar, optionally gzip or zstd compressed).") { input };
        FarmAction.Set(command, async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var path = parseResult.GetValue(input);
            if (path is null && context.Environment.StandardInputIsTerminal)
            {
                throw new FarmException("requested load from stdin, but stdin is a terminal: give an archive with -i or redirect stdin");
            }

            await using var archive = path is null ? context.Environment.OpenStandardInput() : OpenArchive(path);
            using var client = await context.ConnectAsync(parseResult, cancellationToken).ConfigureAwait(false);
            foreach (var image in await client.LoadImagesAsync(archive, path ?? "stdin", cancellationToken).ConfigureAwait(false))
            {
                if (image.Names.Count == 0)
                {
                    await output.WriteLineAsync($"Loaded image ID: {image.Id}").ConfigureAwait(false);
                }

                foreach (var name in image.Names)
                {
                    await output.WriteLineAsync($"Loaded image: {ImageNames.Familiar(ImageReference.Parse(name))}").ConfigureAwait(false);
                }
            }
        });
        return command;
    }

    private static FileStream OpenArchive(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FarmException($"cannot read the archive {Path.GetFullPath(path)}: no such file");
        }
    }
}
