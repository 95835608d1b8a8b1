using System.Text.Json;
using System.Text.Json.Nodes;
using BuildFarm.Api.V1;

namespace BuildFarm.Cli.Building;

/// <summary><c>--metadata-file</c>: buildx's keys and, under <c>buildfarm.steps</c>, how each step got its result.</summary>
internal static class MetadataFile
{
    public static async Task WriteAsync(string path, BuildResult result, string buildId, CancellationToken cancellationToken)
    {
        var steps = new JsonArray([.. result.Steps.Select(step => (JsonNode)new JsonObject
        {
            ["name"] = step.Name,
            ["key"] = step.Key,
            ["cached"] = step.Cached,
            ["outcome"] = step.Outcome,
            ["seconds"] = step.Seconds,
            ["silo"] = step.Silo,
        })]);
        var metadata = new JsonObject
        {
            ["buildx.build.ref"] = buildId,
            ["containerimage.config.digest"] = result.ConfigDigest,
            ["containerimage.digest"] = result.ManifestDigest,
            ["image.name"] = string.Join(',', result.ImageNames),
            ["buildfarm.steps"] = steps,
        };
        var json = metadata.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        await File.WriteAllTextAsync(Path.GetFullPath(path), json + "\n", cancellationToken).ConfigureAwait(false);
    }
}
