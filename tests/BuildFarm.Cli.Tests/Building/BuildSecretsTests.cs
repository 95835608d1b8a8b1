using System.Text;
using System.Text.Json;
using BuildFarm.Cli.Tests.TestSupport;
using BuildFarm.Testing;

namespace BuildFarm.Cli.Tests.Building;

/// <summary>
/// <c>farm build --secret</c> and <c>--ssh</c> end to end: the CLI reads them, the Submit request
/// carries them, the build grain hands them to the engine's secret and ssh mounts, and nothing
/// keeps them: not the image, the build's record, its log, the data directory or a cache key.
/// </summary>
public sealed class BuildSecretsTests : IAsyncLifetime
{
    private const string FileSecret = "file-secret-5f1d0c";
    private const string EnvSecret = "env-secret-9a8b7c";

    private readonly FarmSession _farm = new();
    private readonly Dictionary<string, string> _variables = new(StringComparer.Ordinal) { ["API_KEY"] = EnvSecret };
    private Uri _server = null!;

    public async Task InitializeAsync()
    {
        _farm.Environment = _farm.Environment with { GetVariable = name => _variables.GetValueOrDefault(name) };
        await _farm.LoadBusyboxAsync();
        _server = await _farm.StartServerAsync();
        Directory.CreateDirectory(Context);
        File.WriteAllText(_farm.Combine("token.txt"), FileSecret);
    }

    public Task DisposeAsync()
    {
        _farm.Dispose();
        return Task.CompletedTask;
    }

    private string Context => _farm.Combine("context");

    private Task<FarmResult> BuildAsync(string dockerfile, params string[] args)
    {
        File.WriteAllText(Path.Combine(Context, "Dockerfile"), dockerfile);
        return _farm.RunAsync(["build", "--server", _server.ToString(), "--progress", "plain", .. args, Context]);
    }

    [Fact]
    public async Task A_step_reads_file_and_env_secrets_that_reach_no_layer_log_record_or_cache_key()
    {
        // The step compares digests: the values themselves must appear nowhere but in the step.
        var dockerfile = $$"""
            FROM busybox
            RUN --mount=type=secret,id=token --mount=type=secret,id=apikey,env=API_KEY \
                test "$(sha256sum < /run/secrets/token)" = "{{Sha256(FileSecret)}}  -" \
                && test "$(printf %s "$API_KEY" | sha256sum)" = "{{Sha256(EnvSecret)}}  -" \
                && ls /run/secrets > /listed && echo checked > /ok && echo read "${#API_KEY}" characters
            """;
        var output = _farm.Combine("out");
        var metadata = _farm.Combine("metadata.json");

        var built = await BuildAsync(dockerfile, "--secret", $"id=token,src={_farm.Combine("token.txt")}", "--secret", "id=apikey,env=API_KEY", "-o", $"type=local,dest={output}", "--metadata-file", metadata);
        _variables["API_KEY"] = "another-value-entirely";
        File.WriteAllText(_farm.Combine("token.txt"), "another-file-value");
        var again = await BuildAsync(dockerfile, "--secret", $"id=token,src={_farm.Combine("token.txt")}", "--secret", "id=apikey,env=API_KEY", "--metadata-file", _farm.Combine("again.json"));

        Assert.Equal(0, built.ExitCode);
        Assert.Contains("read 17 characters", built.Error, StringComparison.Ordinal);
        Assert.Equal("checked\n", File.ReadAllText(Path.Combine(output, "ok")));
        Assert.Equal("token\n", File.ReadAllText(Path.Combine(output, "listed")));
        Assert.False(Directory.Exists(Path.Combine(output, "run", "secrets")) && Directory.EnumerateFileSystemEntries(Path.Combine(output, "run", "secrets")).Any());

        // Another value is the same step: the values are not part of its key.
        Assert.Equal(0, again.ExitCode);
        using (var first = JsonDocument.Parse(File.ReadAllText(metadata)))
        using (var second = JsonDocument.Parse(File.ReadAllText(_farm.Combine("again.json"))))
        {
            var step = second.RootElement.GetProperty("buildfarm.steps")[0];
            Assert.Equal("cached", step.GetProperty("outcome").GetString());
            Assert.Equal(first.RootElement.GetProperty("buildfarm.steps")[0].GetProperty("key").GetString(), step.GetProperty("key").GetString());
        }

        string[] values = [FileSecret, EnvSecret];
        Assert.All(values, value => Assert.DoesNotContain(value, built.Error + built.Output, StringComparison.Ordinal));
        Assert.Empty(FilesContaining(output, values));
        Assert.Empty(FilesContaining(_farm.DataDirectory, values));
        var logs = await _farm.RunCheckedAsync("--server", _server.ToString(), "builds", "logs", BuildId(metadata));
        Assert.Contains("read 17 characters", logs, StringComparison.Ordinal);
        Assert.All(values, value => Assert.DoesNotContain(value, logs, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_required_secret_the_build_lacks_fails_with_buildkits_error()
    {
        var result = await BuildAsync("FROM busybox\nRUN --mount=type=secret,id=mysecret,required=true true\n");

        Assert.Equal(1, result.ExitCode);
        Assert.EndsWith("Error: Dockerfile:2: RUN --mount=type=secret,target=/run/secrets/mysecret,id=mysecret,ro,required true: secret mysecret: not found\n", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_secret_and_ssh_flags_are_refused_before_anything_is_sent()
    {
        var missing = await BuildAsync("FROM busybox\n", "--secret", "id=x,src=" + _farm.Combine("absent"));
        var noId = await BuildAsync("FROM busybox\n", "--secret", "src=/etc/hostname");
        var badKey = await BuildAsync("FROM busybox\n", "--secret", "id=x,file=/etc/hostname");
        var notSocket = await BuildAsync("FROM busybox\n", "--ssh", "deploy=" + _farm.Combine("token.txt") + "," + _farm.Combine("absent"));

        Assert.Equal($"Error: --secret id=x: failed to stat {_farm.Combine("absent")}: no such file\n", missing.Error);
        Assert.Equal("Error: --secret \"src=/etc/hostname\": secret missing ID\n", noId.Error);
        Assert.Equal("Error: --secret \"id=x,file=/etc/hostname\": unexpected key 'file' in 'file=/etc/hostname'\n", badKey.Error);
        Assert.Equal($"Error: --ssh deploy={_farm.Combine("absent")}: cannot read the key file (Could not find file '{_farm.Combine("absent")}'.)\n", notSocket.Error);
    }

    [Fact]
    public async Task Ssh_keys_are_served_by_an_agent_whose_socket_the_step_sees()
    {
        var key = _farm.Combine("id_ed25519");
        await ProcessRunner.RunCheckedAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "farm-test", "-f", key]);
        var broken = _farm.Combine("broken_key");
        File.WriteAllText(broken, "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----\n");
        const string dockerfile = "FROM busybox\nRUN --mount=type=ssh,required=true stat -c '%F %a' \"$SSH_AUTH_SOCK\" && echo \"$SSH_AUTH_SOCK\"\n";

        var built = await BuildAsync(dockerfile, "--ssh", $"default={key}");
        var refused = await BuildAsync(dockerfile + "RUN true\n", "--ssh", $"default={broken}");

        Assert.Equal(0, built.ExitCode);
        Assert.Contains(" socket 600\n", built.Error, StringComparison.Ordinal);
        Assert.Contains(" /run/buildkit/ssh_agent.0\n", built.Error, StringComparison.Ordinal);
        Assert.Empty(FilesContaining(_farm.DataDirectory, [File.ReadAllText(key).Split('\n')[1]]));
        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith("Error: --ssh default: the agent refused a key (a passphrase-protected or malformed key cannot be loaded): ", refused.Error.Split('\n')[^2] + "\n", StringComparison.Ordinal);
        Assert.Empty(Directory.Exists(Path.Combine(_farm.DataDirectory, "agents")) ? Directory.EnumerateFileSystemEntries(Path.Combine(_farm.DataDirectory, "agents")) : []);
    }

    private static string Sha256(string value) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    private static string BuildId(string metadata)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(metadata));
        return document.RootElement.GetProperty("buildx.build.ref").GetString()!;
    }

    // Every regular file below the directory whose bytes contain one of the values (sockets and the like skipped).
    internal static List<string> FilesContaining(string directory, IReadOnlyList<string> values)
    {
        var found = new List<string>();
        foreach (var file in Directory.EnumerateFiles(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var info = new FileInfo(file);
            if (info.LinkTarget is not null || info.Length > 64 << 20)
            {
                continue;
            }

            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(file);
            }
            catch (IOException)
            {
                continue; // a socket or fifo
            }

            if (values.Any(value => bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(value)) >= 0))
            {
                found.Add(file);
            }
        }

        return found;
    }
}
