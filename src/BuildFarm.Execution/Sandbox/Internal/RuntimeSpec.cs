using System.Text.Json.Serialization;

namespace BuildFarm.Execution.Sandbox.Internal;

// The parts of the OCI runtime spec (config.json) the sandbox writes.

internal sealed record RuntimeSpec(
    string OciVersion,
    RuntimeProcess Process,
    RuntimeRoot Root,
    string Hostname,
    IReadOnlyList<RuntimeMount> Mounts,
    RuntimeLinux Linux);

internal sealed record RuntimeProcess(
    bool Terminal,
    RuntimeUser User,
    IReadOnlyList<string> Args,
    IReadOnlyList<string> Env,
    string Cwd,
    RuntimeCapabilities Capabilities,
    IReadOnlyList<RuntimeRlimit> Rlimits,
    bool NoNewPrivileges);

internal sealed record RuntimeUser(uint Uid, uint Gid, IReadOnlyList<uint> AdditionalGids);

internal sealed record RuntimeCapabilities(IReadOnlyList<string> Bounding, IReadOnlyList<string> Effective, IReadOnlyList<string> Permitted);

internal sealed record RuntimeRlimit(string Type, ulong Hard, ulong Soft);

internal sealed record RuntimeRoot(string Path, bool Readonly);

internal sealed record RuntimeMount(string Destination, string Type, string Source, IReadOnlyList<string> Options);

internal sealed record RuntimeLinux(IReadOnlyList<RuntimeNamespace> Namespaces, IReadOnlyList<string> MaskedPaths, IReadOnlyList<string> ReadonlyPaths)
{
    /// <summary>The container's cgroup, absolute within each hierarchy; null for runc's default.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? CgroupsPath { get; init; }
}

/// <summary>A namespace of the container; with no path, a new one, else the one at the path.</summary>
internal sealed record RuntimeNamespace(string Type, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Path = null);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RuntimeSpec))]
internal sealed partial class RuntimeSpecJson : JsonSerializerContext;
