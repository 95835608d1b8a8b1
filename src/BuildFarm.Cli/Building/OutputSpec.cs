using BuildFarm.Api.V1;

namespace BuildFarm.Cli.Building;

/// <summary>One <c>--output</c>, parsed as buildx takes it: <c>type=oci,dest=out.tar</c>, or a bare path (a local tree).</summary>
internal sealed record OutputSpec(OutputType Type, string? Destination, IReadOnlyDictionary<string, string> Attributes)
{
    public static OutputSpec Parse(string value)
    {
        if (!value.Contains('=', StringComparison.Ordinal))
        {
            return new OutputSpec(OutputType.Local, value, new Dictionary<string, string>());
        }

        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new FarmException($"--output \"{value}\": \"{part}\" is not key=value");
            }

            attributes[part[..equals].Trim()] = part[(equals + 1)..].Trim();
        }

        var type = attributes.GetValueOrDefault("type") switch
        {
            "oci" => OutputType.Oci,
            "docker" => OutputType.Docker,
            "local" => OutputType.Local,
            "registry" or "image" when attributes.GetValueOrDefault("push") is null or "true" => OutputType.Registry,
            null => throw new FarmException($"--output \"{value}\": type is missing (oci, docker, local or registry)"),
            var other => throw new FarmException($"--output \"{value}\": unknown type \"{other}\" (oci, docker, local or registry)"),
        };
        var destination = attributes.GetValueOrDefault("dest");
        if (type is OutputType.Oci or OutputType.Docker or OutputType.Local && string.IsNullOrEmpty(destination))
        {
            throw new FarmException($"--output \"{value}\": type={attributes["type"]} needs dest=PATH (or dest=- for stdout)");
        }

        return new OutputSpec(type, destination, attributes);
    }

    public Output ToMessage()
    {
        var output = new Output { Type = Type };
        foreach (var (key, value) in Attributes)
        {
            output.Attrs[key] = value;
        }
        return output;
    }
}
