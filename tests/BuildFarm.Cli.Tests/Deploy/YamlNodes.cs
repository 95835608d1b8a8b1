using YamlDotNet.RepresentationModel;

namespace BuildFarm.Cli.Tests.Deploy;

/// <summary>Reading YAML documents (docker-compose config's output, Kubernetes manifests) by key, failing with the missing key's name.</summary>
internal static class YamlNodes
{
    public static IReadOnlyList<YamlNode> LoadAll(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return [.. stream.Documents.Select(static d => d.RootNode).Where(static root => root is YamlMappingNode { Children.Count: > 0 })];
    }

    public static YamlNode Get(this YamlNode node, string key) =>
        node.Find(key) ?? throw new KeyNotFoundException($"no \"{key}\" at {node.Start} in {node}");

    public static YamlNode? Find(this YamlNode node, string key) =>
        node is YamlMappingNode mapping && mapping.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public static string Text(this YamlNode node) => ((YamlScalarNode)node).Value ?? string.Empty;

    public static string Text(this YamlNode node, string key) => node.Get(key).Text();

    public static IReadOnlyList<YamlNode> Items(this YamlNode node) => [.. ((YamlSequenceNode)node).Children];

    public static IReadOnlyList<string> Strings(this YamlNode node) => [.. node.Items().Select(static item => item.Text())];

    /// <summary>A mapping of scalars, as labels, selectors and compose environments are.</summary>
    public static IReadOnlyDictionary<string, string> Pairs(this YamlNode node) =>
        ((YamlMappingNode)node).Children.ToDictionary(static pair => pair.Key.Text(), static pair => pair.Value.Text());

    public static IEnumerable<(string Key, YamlNode Value)> Entries(this YamlNode node) =>
        ((YamlMappingNode)node).Children.Select(static pair => (pair.Key.Text(), pair.Value));
}
