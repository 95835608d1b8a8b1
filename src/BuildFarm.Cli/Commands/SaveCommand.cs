using System.CommandLine;
using BuildFarm.Api.V1;

namespace BuildFarm.Cli.Commands;

/// <summary>
/// <c>farm save IMAGE... [-o FILE] [--format oci|docker]</c>: writes the farm's images to an OCI archive
/// (the default; manifests kept byte for byte) or a docker save archive, to stdout without <c>-o</c>.
/// </summary>
internal static class SaveCommand
{
    private const string OciFormat = "oci";
    private const string DockerFormat = "docker";

    public static Command Create(FarmContext context)
    {
        var names = new Argument<string[]>("IMAGE") { Description = "Images to save, by name or ID.", Arity = ArgumentArity.OneOrMore };
        var outputFile = new Option<string?>("--output", "-o") { Description = "The file to write (default: stdout)." };
        var format = new Option<string>("--format")
        {
            Description = "oci: an OCI image layout tar (skopeo's oci-archive); docker: a docker save archive.",
            DefaultValueFactory = _ => OciFormat,
        };
        format.AcceptOnlyFromAmong(OciFormat, DockerFormat);
        var command = new Command("save", "Save images to an OCI or docker save archive.") { names, outputFile, format };
        FarmAction.Set(command, async (parseResult, cancellationToken) =>
        {
            var path = parseResult.GetValue(outputFile);
            if (path is null && context.Environment.StandardOutputIsTerminal)
            {
                throw new FarmException("cowardly refusing to save to a terminal. Use the -o flag or redirect");
            }

            using var client = await context.ConnectAsync(parseResult, cancellationToken).ConfigureAwait(false);
            var images = parseResult.GetValue(names)!;
            var archiveFormat = parseResult.GetValue(format) == DockerFormat ? ImageArchiveFormat.Docker : ImageArchiveFormat.Oci;
            Task Write(Stream stream) => client.SaveImagesAsync(images, archiveFormat, stream, cancellationToken);
            if (path is null)
            {
                await using var stdout = context.Environment.OpenStandardOutput();
                await Write(stdout).ConfigureAwait(false);
            }
            else
            {
                await WriteFileAsync(Path.GetFullPath(path), Write, cancellationToken).ConfigureAwait(false);
            }
        });
        return command;
    }

    /// <summary>Writes beside the file and renames it into place, so a failed save leaves no partial archive.</summary>
    private static async Task WriteFileAsync(string path, Func<Stream, Task> write, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(Path.GetDirectoryName(path)))
        {
            throw new FarmException($"cannot write {path}: the directory {Path.GetDirectoryName(path)} does not exist");
        }

        var temporary = $"{path}.farm-{Guid.NewGuid():N}";
        try
        {
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                await write(file).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
