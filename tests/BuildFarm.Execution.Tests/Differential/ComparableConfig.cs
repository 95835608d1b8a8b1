using System.Globalization;
using System.Text.Json;
using BuildFarm.Oci.Images;

namespace BuildFarm.Execution.Tests.Differential;

/// <summary>One history entry as both builders can be compared on it.</summary>
/// <param name="Keyword">The instruction that made it (<c>RUN</c>, <c>ENV</c>, ...), or the base image's own text.</param>
/// <param name="Command">For RUN: the command as recorded (build args prefix, shell, command); null for other steps.</param>
/// <param name="EmptyLayer">Null where the two builders legitimately differ (see <see cref="ComparableConfig.WithoutLayerFlag"/>).</param>
public sealed record ComparableHistory(string Keyword, string? Command, bool? EmptyLayer)
{
    public override string ToString() =>
        Keyword + (Command is null ? string.Empty : " " + Command) + EmptyLayer switch { true => " (no layer)", false => " (layer)", null => string.Empty };
}

/// <summary>
/// The parts of an image config that the differential tests compare, one line per value, so that
/// a mismatch prints what differs. Empty lists and maps count as absent (buildah writes
/// <c>"Entrypoint": []</c> and <c>"Volumes": {}</c> where BuildKit leaves the field out; a runtime
/// reads both the same way). Times, ids and the builders' own fields are not compared.
/// </summary>
public sealed record ComparableConfig(IReadOnlyList<string> Values, IReadOnlyList<ComparableHistory> History)
{
    /// <summary>The config the engine wrote: BuildKit's history words (<c>RUN ... # buildkit</c>).</summary>
    public static ComparableConfig FromEngine(ImageConfig config) =>
        new(ValuesOf(config.Config ?? new ContainerConfig()), [.. (config.History ?? []).Select(FromBuildKit)]);

    /// <summary>
    /// The config buildah wrote, in Docker's format: its classic-builder history words
    /// (<c>/bin/sh -c #(nop) ENV ...</c>), and what it adds to every image taken away:
    /// </summary>
    /// <remarks>
    /// Documented differences, all cases:
    /// <list type="bullet">
    /// <item>buildah labels every image <c>io.buildah.version</c>; BuildKit adds no label.</item>
    /// <item>buildah writes a history entry for each ONBUILD instruction; BuildKit writes none
    /// (the trigger lands in the config only).</item>
    /// <item>History text: buildah writes metadata instructions unexpanded and COPY/ADD as
    /// <c>file:&lt;hash&gt; in &lt;dest&gt;</c>; BuildKit writes them expanded, with sources as
    /// written. Only RUN is recorded in the same words by both (build-args prefix, shell and
    /// command), so other entries are compared by instruction and layer flag.</item>
    /// </list>
    /// </remarks>
    public static ComparableConfig FromBuildah(ImageConfig config)
    {
        var container = config.Config ?? new ContainerConfig();
        var labels = container.Labels?.Where(l => l.Key != "io.buildah.version").ToDictionary(StringComparer.Ordinal);
        return new(
            ValuesOf(container with { Labels = labels }),
            [.. (config.History ?? []).Select(FromClassicBuilder).Where(h => h.Keyword != "ONBUILD")]);
    }

    /// <summary>
    /// The history without the layer flag of <paramref name="keyword"/> entries, for steps where
    /// buildah and BuildKit decide differently whether the step makes a layer.
    /// </summary>
    public ComparableConfig WithoutLayerFlag(string keyword) =>
        this with { History = [.. History.Select(h => h.Keyword == keyword ? h with { EmptyLayer = null } : h)] };

    /// <summary>This config with the value line <paramref name="line"/> (e.g. <c>Cmd: ["sh"]</c>), which must be there, replaced.</summary>
    public ComparableConfig ReplaceValue(string line, string replacement) =>
        Values.Contains(line)
            ? this with { Values = [.. Values.Select(v => v == line ? replacement : v)] }
            : throw new ArgumentException($"The config has no line '{line}':\n{this}", nameof(line));

    /// <summary>This config with <paramref name="prefix"/> replaced at the start of every RUN history entry that has it (one at least).</summary>
    public ComparableConfig ReplaceRunPrefix(string prefix, string replacement) =>
        History.Any(h => h.Command?.StartsWith(prefix, StringComparison.Ordinal) == true)
            ? this with
            {
                History = [.. History.Select(h => h.Command?.StartsWith(prefix, StringComparison.Ordinal) == true ? h with { Command = replacement + h.Command[prefix.Length..] } : h)],
            }
            : throw new ArgumentException($"The history has no RUN starting '{prefix}':\n{this}", nameof(prefix));

    /// <summary>Both configs side by side when they differ; empty when they are equal.</summary>
    public static string Diff(ComparableConfig expected, ComparableConfig actual, string expectedName, string actualName)
    {
        var left = expected.Lines();
        var right = actual.Lines();
        return left.SequenceEqual(right)
            ? string.Empty
            : $"--- {expectedName}\n{string.Join('\n', left)}\n+++ {actualName}\n{string.Join('\n', right)}\n"
              + $"first difference: line {left.Zip(right).TakeWhile(p => p.First == p.Second).Count() + 1}";
    }

    public override string ToString() => string.Join('\n', Lines());

    private List<string> Lines() => [.. Values, .. History.Select(h => "History: " + h)];

    private static List<string> ValuesOf(ContainerConfig config)
    {
        var values = new List<string>();
        Add(values, "Env", config.Env);
        Add(values, "Entrypoint", config.Entrypoint is { Count: > 0 } entrypoint ? [Json(entrypoint)] : null);
        Add(values, "Cmd", config.Cmd is { Count: > 0 } cmd ? [Json(cmd)] : null);
        Add(values, "WorkingDir", string.IsNullOrEmpty(config.WorkingDir) ? null : [config.WorkingDir]);
        Add(values, "User", string.IsNullOrEmpty(config.User) ? null : [config.User]);
        Add(values, "Label", config.Labels?.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}").ToList());
        Add(values, "ExposedPort", config.ExposedPorts?.Order(StringComparer.Ordinal).ToList());
        Add(values, "Volume", config.Volumes?.Order(StringComparer.Ordinal).ToList());
        Add(values, "StopSignal", string.IsNullOrEmpty(config.StopSignal) ? null : [config.StopSignal]);
        Add(values, "Healthcheck", config.Healthcheck is { } health ? [Describe(health)] : null);
        Add(values, "Shell", config.Shell is { Count: > 0 } shell ? [Json(shell)] : null);
        Add(values, "OnBuild", config.OnBuild);
        return values;
    }

    private static void Add(List<string> values, string name, IReadOnlyList<string>? items)
    {
        foreach (var item in items ?? [])
        {
            values.Add($"{name}: {item}");
        }
    }

    private static string Describe(Healthcheck health) => string.Create(
        CultureInfo.InvariantCulture,
        $"{Json(health.Test ?? [])} interval={health.Interval} timeout={health.Timeout} start-period={health.StartPeriod} start-interval={health.StartInterval} retries={health.Retries}");

    private static string Json(IReadOnlyList<string> items) => JsonSerializer.Serialize(items);

    /// <summary>BuildKit: <c>RUN &lt;command&gt; # buildkit</c>, <c>COPY ... # buildkit</c>, <c>ENV A=1</c>; the base image's entries as they are.</summary>
    private static ComparableHistory FromBuildKit(HistoryEntry entry)
    {
        var text = entry.CreatedBy ?? string.Empty;
        var keyword = text.Split(' ', 2)[0];
        if (!IsInstruction(keyword))
        {
            return new ComparableHistory(text, null, entry.EmptyLayer);
        }

        string? command = null;
        if (keyword == "RUN")
        {
            const string Marker = " # buildkit";
            command = text["RUN ".Length..];
            command = command.EndsWith(Marker, StringComparison.Ordinal) ? command[..^Marker.Length] : command;
        }

        return new ComparableHistory(keyword, command, entry.EmptyLayer);
    }

    /// <summary>Docker's classic builder (buildah): <c>/bin/sh -c #(nop) ENV A=1</c> for metadata, the bare command for RUN.</summary>
    private static ComparableHistory FromClassicBuilder(HistoryEntry entry)
    {
        const string Nop = "/bin/sh -c #(nop) ";
        var text = entry.CreatedBy ?? string.Empty;
        if (text.StartsWith(Nop, StringComparison.Ordinal))
        {
            return new ComparableHistory(text[Nop.Length..].Split(' ', 2)[0], null, entry.EmptyLayer);
        }

        // Anything else a step wrote is a RUN; the base image's entries keep their text.
        return entry.Comment?.StartsWith("FROM ", StringComparison.Ordinal) == true
            ? new ComparableHistory("RUN", text, entry.EmptyLayer)
            : new ComparableHistory(text, null, entry.EmptyLayer);
    }

    private static bool IsInstruction(string word) => word is
        "RUN" or "COPY" or "ADD" or "ENV" or "LABEL" or "ARG" or "WORKDIR" or "USER" or "EXPOSE" or "VOLUME"
        or "CMD" or "ENTRYPOINT" or "SHELL" or "STOPSIGNAL" or "HEALTHCHECK" or "ONBUILD" or "MAINTAINER";
}
