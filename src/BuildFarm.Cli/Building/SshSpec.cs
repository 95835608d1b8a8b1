namespace BuildFarm.Cli.Building;

/// <summary>
/// One <c>--ssh</c>, buildx's syntax: <c>ID=KEYFILE[,KEYFILE]</c> (<c>default</c> is the id a
/// mount without <c>id=</c> asks for). The farm may run on another machine, so it is sent keys, not
/// an agent: the client reads the key files and the farm loads them into an agent of its own for
/// the build. An agent socket (buildx's <c>default</c> alone, or <c>ID=SOCKET</c>) cannot be
/// forwarded: an agent never gives up its keys, and the farm does not tunnel agent connections.
/// </summary>
internal sealed record SshSpec(string Id, IReadOnlyList<string> KeyFiles)
{
    public static SshSpec Parse(string value)
    {
        var equals = value.IndexOf('=', StringComparison.Ordinal);
        var id = (equals < 0 ? value : value[..equals]).Trim();
        var paths = equals < 0 ? [] : value[(equals + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (id.Length == 0)
        {
            throw new FarmException($"--ssh \"{value}\": the id is empty");
        }

        if (paths.Length == 0)
        {
            throw new FarmException($"--ssh \"{value}\": give the private key files, {id}=~/.ssh/id_ed25519[,FILE]: the farm loads keys into an agent of its own and does not forward a local agent");
        }

        return new SshSpec(id, paths);
    }

    /// <summary>The key files' bytes.</summary>
    public IReadOnlyList<byte[]> ReadKeys()
    {
        var keys = new List<byte[]>();
        foreach (var path in KeyFiles)
        {
            try
            {
                keys.Add(File.ReadAllBytes(path));
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // A socket cannot be read: the one way an agent's path ends up here.
                throw new FarmException($"--ssh {Id}={path}: cannot read the key file ({error.Message}); an agent socket cannot be forwarded, give its key files");
            }
        }

        return keys;
    }
}
