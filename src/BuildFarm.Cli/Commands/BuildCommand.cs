using System.CommandLine;
using BuildFarm.Api.V1;
using BuildFarm.Cli.Building;
using BuildFarm.Client.Builds;
using BuildFarm.Client.Context;
using BuildFarm.Dockerfile;
using BuildFarm.Dockerfile.Parsing;
using BuildFarm.Oci.Layers;
using Google.Protobuf;
using Grpc.Core;

namespace BuildFarm.Cli.Commands;

/// <summary><c>farm build [options] CONTEXT</c>: builds on the farm with buildx's options and habits.</summary>
internal static class BuildCommand
{
    public static Command Create(FarmContext context)
    {
        var contextPath = new Argument<string>("CONTEXT") { Description = "The build context directory." };
        var file = new Option<string?>("--file", "-f") { Description = "The Dockerfile (default: CONTEXT/Dockerfile)." };
        var tags = new Option<string[]>("--tag", "-t") { Description = "Name the image name:tag; {git.sha} and {git.short} name the context's commit. Repeatable.", AllowMultipleArgumentsPerToken = false };
        var buildArgs = new Option<string[]>("--build-arg") { Description = "Set a build arg, NAME=value (NAME alone takes it from the environment). Repeatable." };
        var labels = new Option<string[]>("--label") { Description = "Set an image label, NAME=value. Repeatable." };
        var target = new Option<string?>("--target") { Description = "The stage to build." };
        var noCache = new Option<bool>("--no-cache") { Description = "Run every step, whatever is recorded." };
        var pull = new Option<bool>("--pull") { Description = "Pull every base image named by tag again (default: pull only images the farm lacks)." };
        var noCacheFilter = new Option<string[]>("--no-cache-filter") { Description = "Run every step of these stages. Repeatable." };
        var progress = new Option<string>("--progress") { Description = "auto, tty, plain, rawjson or quiet.", DefaultValueFactory = _ => "auto" };
        progress.AcceptOnlyFromAmong("auto", "tty", "plain", "rawjson", "quiet");
        var outputs = new Option<string[]>("--output", "-o") { Description = "type=oci|docker|local|registry,dest=PATH. Repeatable." };
        var push = new Option<bool>("--push") { Description = "Push the tagged image (--output type=registry)." };
        var secrets = new Option<string[]>("--secret") { Description = "A secret for RUN --mount=type=secret: id=ID[,src=FILE|,env=NAME]. Repeatable." };
        var ssh = new Option<string[]>("--ssh") { Description = "SSH agents for RUN --mount=type=ssh (ID default for mounts without id=): ID forwards $SSH_AUTH_SOCK's agent, ID=SOCKET that agent, ID=KEYFILE[,KEYFILE] sends keys. Repeatable." };
        var metadataFile = new Option<string?>("--metadata-file") { Description = "Write the build's result (digests, names, steps) as JSON to this file." };
        var addHosts = new Option<string[]>("--add-host") { Description = "Add a line to every RUN step's /etc/hosts, NAME:IP. Repeatable.", AllowMultipleArgumentsPerToken = false };
        var allow = new Option<string[]>("--allow") { Description = "Ask for an entitlement the server must grant: network.host (RUN --network=host). Repeatable.", AllowMultipleArgumentsPerToken = false };
        var command = new Command("build", "Build an image from a Dockerfile on the farm.")
        {
            contextPath, file, tags, buildArgs, labels, target, noCache, pull, noCacheFilter, progress, outputs, push, secrets, ssh, metadataFile, addHosts, allow,
        };
        FarmAction.Set(command, async (parseResult, cancellationToken) =>
        {
            var timings = PhaseTimings.From(context.Environment);
            var contextDirectory = Path.GetFullPath(parseResult.GetValue(contextPath)!);
            if (!Directory.Exists(contextDirectory))
            {
                throw new FarmException($"the build context \"{contextDirectory}\" is not a directory");
            }

            // As BuildKit's frontend: a missing "Dockerfile" is read as "dockerfile" when that exists.
            var dockerfile = DockerfileLowerCaseName.ResolveOnDisk(Path.GetFullPath(parseResult.GetValue(file) ?? Path.Combine(contextDirectory, DockerfileParser.DefaultFileName)));
            if (!File.Exists(dockerfile))
            {
                throw new FarmException($"the Dockerfile \"{dockerfile}\" does not exist");
            }

            var outputSpecs = (parseResult.GetValue(outputs) ?? []).Select(OutputSpec.Parse).ToList();
            var userLabels = Pairs(parseResult.GetValue(labels), "--label", static _ => null);
            timings?.Mark("options");
            // git answers while the context is walked: its two process starts are most of what it costs.
            var gitLookup = Task.Run(() => GitCheckout.Find(contextDirectory), cancellationToken);
            var request = new SubmitRequest
            {
                Target = parseResult.GetValue(target) ?? string.Empty,
                NoCache = parseResult.GetValue(noCache),
                Pull = parseResult.GetValue(pull),
                Push = parseResult.GetValue(push),
            };
            request.BuildArgs.Add(Pairs(parseResult.GetValue(buildArgs), "--build-arg", context.Environment.GetVariable));
            request.NoCacheFilter.AddRange(parseResult.GetValue(noCacheFilter) ?? []);
            request.ExtraHosts.AddRange(parseResult.GetValue(addHosts) ?? []);
            request.Entitlements.AddRange(parseResult.GetValue(allow) ?? []);
            request.Outputs.AddRange(outputSpecs.Select(o => o.ToMessage()));
            var forwardedAgents = AddSecrets(request, parseResult.GetValue(secrets) ?? [], parseResult.GetValue(ssh) ?? [], context.Environment.GetVariable);

            var error = parseResult.InvocationConfiguration.Error;
            using var client = await context.ConnectAsync(parseResult, cancellationToken).ConfigureAwait(false);
            timings?.Mark("connect");

            var relativeDockerfile = Path.GetRelativePath(contextDirectory, dockerfile);
            var inContext = !relativeDockerfile.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relativeDockerfile);
            var snapshotOptions = new ContextSnapshotOptions
            {
                ContextDirectory = contextDirectory,
                DockerfilePath = dockerfile,
                BuildArgs = new Dictionary<string, string>(request.BuildArgs),
                Target = request.Target.Length == 0 ? null : request.Target,
                DigestCacheFile = Path.Combine(context.DataDirectory(parseResult), "client-digests.msgpack"),
            };
            // The two halves of FarmClient.UploadContextAsync, apart so that each is timed.
            ContextSnapshot snapshot;
            try
            {
                snapshot = await FarmClient.SnapshotContextAsync(await client.WithBaseImagesAsync(snapshotOptions, request.Pull, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            }
            catch (DockerfileException e)
            {
                // A malformed .dockerignore, which the client reads: its file and line, not a stack trace.
                throw new FarmException(e.Message);
            }

            timings?.Mark("context walk");
            await client.UploadAsync(snapshot, cancellationToken).ConfigureAwait(false);
            timings?.Mark("find missing and upload");
            var git = await gitLookup.ConfigureAwait(false);
            timings?.Mark("git (left to wait for)");
            request.Tags.AddRange((parseResult.GetValue(tags) ?? []).Select(t => GitCheckout.ExpandTag(t, git)));
            if (git is not null)
            {
                request.Labels[GitCheckout.RevisionLabel] = git.Sha;
                if (git.Source is { } source)
                {
                    request.Labels[GitCheckout.SourceLabel] = source;
                }
            }

            request.Labels.Add(userLabels);
            request.ContextRoot = snapshot.Root.ToString();
            if (inContext)
            {
                request.DockerfilePath = relativeDockerfile.Replace(Path.DirectorySeparatorChar, '/');
            }
            else
            {
                request.DockerfileInline = ByteString.CopyFrom(await File.ReadAllBytesAsync(dockerfile, cancellationToken).ConfigureAwait(false));
            }

            // The client's own agents answer the build's steps through a session opened first; it
            // closes when the build's stream ends.
            await using var forwarding = forwardedAgents.Count > 0 ? await client.ForwardSshAgentsAsync(forwardedAgents, cancellationToken).ConfigureAwait(false) : null;
            request.SshSession = forwarding?.Session ?? string.Empty;
            var mode = parseResult.GetValue(progress)!;
            var printer = BuildProgress.Create(mode, error, context.Environment.StandardErrorIsTerminal, context.Environment.Time);
            BuildEvent? last = null;
            try
            {
                await foreach (var buildEvent in client.SubmitAsync(request, cancellationToken).ConfigureAwait(false))
                {
                    if (last is null)
                    {
                        timings?.Mark("submit to first event");
                    }

                    last = buildEvent;
                    await printer.ShowAsync(buildEvent).ConfigureAwait(false);
                }
            }
            catch (RpcException e) when (last is not null && e.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Cancelled && !cancellationToken.IsCancellationRequested)
            {
                // The silo coordinating the build went away (killed, its machine lost): what its
                // steps recorded stays in the cluster's cache, so building again loses no finished step.
                await printer.CompleteAsync().ConfigureAwait(false);
                throw new FarmException($"the farm server running build {last.BuildId} stopped answering ({e.Status.Detail}); the steps it finished are recorded: build again, through another silo of a cluster");
            }

            await printer.CompleteAsync().ConfigureAwait(false);
            timings?.Mark("build on the farm");
            switch (last?.KindCase)
            {
                case BuildEvent.KindOneofCase.BuildFinished:
                    break;
                case BuildEvent.KindOneofCase.BuildFailed:
                    throw new FarmException(last.BuildFailed.Error);
                case BuildEvent.KindOneofCase.BuildCancelled:
                    throw new FarmException($"the build was cancelled: {last.BuildCancelled.Reason}");
                default:
                    throw new FarmException("the farm ended the build's event stream without a result");
            }

            var result = last.BuildFinished.Result;
            foreach (var output in outputSpecs.Where(o => o.Type != OutputType.Registry))
            {
                await ExportAsync(client, last.BuildId, output, context, cancellationToken).ConfigureAwait(false);
            }

            if (parseResult.GetValue(metadataFile) is { } metadataPath)
            {
                await MetadataFile.WriteAsync(metadataPath, result, last.BuildId, cancellationToken).ConfigureAwait(false);
            }

            if (mode == "quiet")
            {
                await parseResult.InvocationConfiguration.Output.WriteLineAsync(result.ConfigDigest).ConfigureAwait(false);
            }

            if (timings is not null)
            {
                timings.Mark("outputs");
                await timings.WriteAsync(error).ConfigureAwait(false);
            }
        });
        return command;
    }

    // Read on the client, as buildx does; the farm keeps them in memory for the build only.
    // Returns the agents to forward: id to socket.
    private static Dictionary<string, string> AddSecrets(SubmitRequest request, IEnumerable<string> secrets, IEnumerable<string> ssh, Func<string, string?> getVariable)
    {
        foreach (var secret in secrets.Select(s => SecretSpec.Parse(s, getVariable)))
        {
            request.Secrets[secret.Id] = ByteString.CopyFrom(secret.ReadValue(getVariable));
        }

        var forwarded = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var agent in ssh.Select(value => SshSpec.Parse(value, getVariable)))
        {
            if (request.Ssh.Any(a => a.Id == agent.Id) || forwarded.ContainsKey(agent.Id))
            {
                throw new FarmException($"--ssh {agent.Id} is given twice");
            }

            if (agent.AgentSocket is { } socket)
            {
                forwarded[agent.Id] = socket;
                request.SshForwarded.Add(agent.Id);
                continue;
            }

            var keys = new SshAgentKeys { Id = agent.Id };
            keys.PrivateKeys.AddRange(agent.ReadKeys().Select(ByteString.CopyFrom));
            request.Ssh.Add(keys);
        }

        return forwarded;
    }

    private static async Task ExportAsync(FarmClient client, string buildId, OutputSpec output, FarmContext context, CancellationToken cancellationToken)
    {
        var names = output.Attributes.TryGetValue("name", out var name) ? name.Split(',', StringSplitOptions.RemoveEmptyEntries) : [];
        if (output.Destination == "-")
        {
            await using var stdout = context.Environment.OpenStandardOutput();
            await client.ExportAsync(buildId, output.Type, names, stdout, cancellationToken).ConfigureAwait(false);
            return;
        }

        var destination = Path.GetFullPath(output.Destination!);
        if (output.Type == OutputType.Local)
        {
            // The image's file tree, unpacked into the directory.
            var archive = destination + ".farm-export.tar";
            try
            {
                await using (var file = File.Create(archive))
                {
                    await client.ExportAsync(buildId, output.Type, names, file, cancellationToken).ConfigureAwait(false);
                }

                Directory.CreateDirectory(destination);
                await using var tar = File.OpenRead(archive);
                await LayerApplier.ApplyAsync(tar, destination, LayerApplyMode.Merge, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                File.Delete(archive);
            }

            return;
        }

        var partial = destination + ".partial";
        try
        {
            await using (var file = File.Create(partial))
            {
                await client.ExportAsync(buildId, output.Type, names, file, cancellationToken).ConfigureAwait(false);
            }

            File.Move(partial, destination, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
        }
    }

    private static Dictionary<string, string> Pairs(string[]? values, string option, Func<string, string?> fromEnvironment)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var value in values ?? [])
        {
            var equals = value.IndexOf('=', StringComparison.Ordinal);
            if (equals == 0)
            {
                throw new FarmException($"{option} \"{value}\": the name is empty");
            }

            if (equals > 0)
            {
                pairs[value[..equals]] = value[(equals + 1)..];
            }
            else if (fromEnvironment(value) is { } inherited)
            {
                pairs[value] = inherited; // as docker: NAME alone takes the value from the environment
            }
        }

        return pairs;
    }
}
