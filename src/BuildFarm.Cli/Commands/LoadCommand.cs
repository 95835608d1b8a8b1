using System.CommandLine;
using BuildFarm.Cli.Images;

namespace BuildFarm.Cli.Commands;

/// <summary>
/// <c>farm load [-i ARCHIVE]</c>: adds the images of an OCI or docker save archive (read from
/// stdin without <c>-i</c>) under the names the archive gives them, as <c>docker load</c> does.
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

            await using var file = path is null ? null : OpenArchive(path);
            using var images = context.OpenImages(parseResult);
            await using var spooled = file is null
                ? await SpoolStandardInputAsync(context.Environment, images.DataDirectory, cancellationToken).ConfigureAwait(false)
                : null;
            var loaded = await ImageArchive.ImportAsync(file ?? spooled!, path ?? "stdin", images.Blobs, cancellationToken).ConfigureAwait(false);
            foreach (var image in loaded)
            {
                if (image.Names.Count == 0)
                {
                    images.AddUnnamed(image.Target);
                    var summary = await images.SummarizeAsync(image.Target, cancellationToken).ConfigureAwait(false);
                    await output.WriteLineAsync($"Loaded image ID: {summary.Id}").ConfigureAwait(false);
                }

                foreach (var name in image.Names)
                {
                    images.Name(name, image.Target);
                    await output.WriteLineAsync($"Loaded image: {ImageNames.Familiar(name)}").ConfigureAwait(false);
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

    /// <summary>An archive is read twice (to tell its format, then to import it), so stdin is copied to a file first.</summary>
    private static async Task<FileStream> SpoolStandardInputAsync(FarmEnvironment environment, string dataDirectory, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateDirectory(Path.Combine(dataDirectory, "tmp")).FullName;
        var spool = new FileStream(
            Path.Combine(directory, $"load-{Guid.NewGuid():N}.tar"),
            FileMode.CreateNew,
            FileAccess.ReadWrite,
            FileShare.None,
            bufferSize: 1 << 16,
            FileOptions.DeleteOnClose);
        try
        {
            await using (var input = environment.OpenStandardInput())
            {
                await input.CopyToAsync(spool, cancellationToken).ConfigureAwait(false);
            }


            spool.Position = 0;
            return spool;
        }
        catch
        {
            await spool.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
