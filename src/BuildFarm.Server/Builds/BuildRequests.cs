using BuildFarm.Api.V1;
using BuildFarm.Execution.Building;
using BuildFarm.Execution.Sandbox;
using BuildFarm.Grains.Builds;
using BuildFarm.Oci;
using BuildFarm.Oci.References;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Trees;
using Google.Protobuf;
using Grpc.Core;

namespace BuildFarm.Server.Builds;

/// <summary>Checks a <see cref="SubmitRequest"/> and turns it into the build grain's <see cref="BuildSpec"/>.</summary>
internal static class BuildRequests
{
    /// <summary>The tree of an empty directory: the context of an inline Dockerfile submitted without one.</summary>
    public static TreeNode EmptyContext { get; } = TreeNode.Create([]);

    public static BuildSpec ToSpec(SubmitRequest request, ContentStore store)
    {
        var inline = request.DockerfileCase == SubmitRequest.DockerfileOneofCase.DockerfileInline;
        Digest root;
        if (request.ContextRoot.Length == 0 && inline)
        {
            root = EmptyContext.Digest;
        }
        else if (request.ContextRoot.Length == 0)
        {
            throw Invalid("context_root is empty: a Dockerfile read from the context (dockerfile_path) needs the context tree's root digest.");
        }
        else if (!Digest.TryParse(request.ContextRoot, out root) || root.Algorithm != "sha256")
        {
            throw Invalid($"context_root \"{request.ContextRoot}\" is not a digest (sha256:<64 hex digits>).");
        }

        if (!store.Exists(root) && root != EmptyContext.Digest)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"The context tree {root} is not in the farm's store: upload it (Content.Upload) and submit again."));
        }

        if (request.Platform.Length > 0 && request.Platform != "linux/amd64")
        {
            throw Invalid($"platform \"{request.Platform}\": this farm builds for linux/amd64 only.");
        }

        var outputs = request.Outputs.Select(o => o.Type).ToList();
        if (outputs.Contains(OutputType.Unspecified))
        {
            throw Invalid("an output has no type: use type=oci, docker, local or registry.");
        }

        var tags = request.Tags.Select(Normalize).Distinct(StringComparer.Ordinal).ToList();
        var push = request.Push || outputs.Contains(OutputType.Registry);
        if (push && tags.Count == 0)
        {
            throw Invalid("--push needs at least one image name (-t).");
        }

        return new BuildSpec
        {
            ContextDigest = root.ToString(),
            DockerfilePath = request.DockerfileCase == SubmitRequest.DockerfileOneofCase.DockerfilePath && request.DockerfilePath.Length > 0 ? request.DockerfilePath : "Dockerfile",
            DockerfileContent = inline ? request.DockerfileInline.ToStringUtf8() : null,
            BuildArgs = new Dictionary<string, string>(request.BuildArgs, StringComparer.Ordinal),
            Target = request.Target.Length == 0 ? null : request.Target,
            NoCache = request.NoCache,
            Pull = request.Pull,
            NoCacheFilter = [.. request.NoCacheFilter],
            Tags = tags,
            Labels = new Dictionary<string, string>(request.Labels, StringComparer.Ordinal),
            Push = push,
            Exported = outputs.Count > 0 || push,
            ExtraHosts = [.. request.ExtraHosts.Select(ParseExtraHost)],
            Entitlements = [.. request.Entitlements.Select(ValidateEntitlement).Distinct(StringComparer.Ordinal)],
            SubmittedRequest = AsSubmitted(request),
        };
    }

    /// <summary>The request's secrets, SSH keys and forwarded agents, which the build grain holds in memory only.</summary>
    public static BuildSecrets ToSecrets(SubmitRequest request)
    {
        var keys = new Dictionary<string, IReadOnlyList<byte[]>>(StringComparer.Ordinal);
        foreach (var agent in request.Ssh)
        {
            if (agent.Id.Length == 0 || agent.PrivateKeys.Count == 0)
            {
                throw Invalid($"ssh agent \"{agent.Id}\": an agent needs an id and at least one private key.");
            }

            if (!keys.TryAdd(agent.Id, [.. agent.PrivateKeys.Select(k => k.ToByteArray())]))
            {
                throw Invalid($"ssh agent \"{agent.Id}\" is given twice.");
            }
        }

        var forwarded = new List<string>();
        foreach (var id in request.SshForwarded)
        {
            if (id.Length == 0 || keys.ContainsKey(id) || forwarded.Contains(id, StringComparer.Ordinal))
            {
                throw Invalid($"forwarded ssh agent \"{id}\": an agent needs an id, given once, either forwarded or with keys.");
            }

            forwarded.Add(id);
        }

        if (forwarded.Count > 0 && request.SshSession.Length == 0)
        {
            throw Invalid("ssh_forwarded needs ssh_session: open SshAgents.Forward first and name the session it gives.");
        }

        return request.Secrets.Count == 0 && keys.Count == 0 && forwarded.Count == 0
            ? BuildSecrets.None
            : new BuildSecrets
            {
                Values = request.Secrets.ToDictionary(s => s.Key, s => s.Value.ToByteArray(), StringComparer.Ordinal),
                SshKeys = keys,
                ForwardedSsh = forwarded,
                SshSession = forwarded.Count > 0 ? request.SshSession : null,
            };
    }

    // Stored as parsed and printed again: the engine parses exactly what was validated here.
    private static string ParseExtraHost(string value)
    {
        try
        {
            return ExtraHost.Parse(value).ToString();
        }
        catch (FormatException e)
        {
            throw Invalid($"--add-host: {e.Message}.");
        }
    }

    private static string ValidateEntitlement(string name) =>
        Entitlements.Validate(name) is { } error ? throw Invalid($"--allow: {error}.") : name;


    /// <summary>
    /// The request as Get and List report it: as it came, an inline Dockerfile's bytes left out (the
    /// field stays set, empty), and never a secret's value or an SSH key (the build record is stored).
    /// </summary>
    private static byte[] AsSubmitted(SubmitRequest request)
    {
        var kept = request.Clone();
        kept.Secrets.Clear();
        kept.Ssh.Clear();
        kept.SshSession = string.Empty; // the way to the client's agents; the ids stay
        if (kept.DockerfileCase == SubmitRequest.DockerfileOneofCase.DockerfileInline)
        {
            kept.DockerfileInline = ByteString.Empty;
        }

        return kept.ToByteArray();
    }

    private static string Normalize(string name) =>
        ImageReference.TryParse(name, out var reference, out var error)
            ? reference.ToString()
            : throw Invalid($"invalid tag \"{name}\": {error}");

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
