namespace BuildFarm.Cli.Building;

/// <summary>
/// One <c>--secret</c>, as buildx takes it: <c>id=ID[,src=FILE|,env=NAME][,type=file|env]</c>
/// (<c>source</c> for <c>src</c>). With neither source, BuildKit's client reads the environment
/// variable named ID when it is set, else the file named ID. The client reads the value; the farm
/// holds it in memory for the build only.
/// </summary>
internal sealed record SecretSpec(string Id, string? File, string? Environment)
{
    // BuildKit's secretsprovider.MaxSecretSize.
    private const long MaxSecretSize = 500 * 1024;

    public static SecretSpec Parse(string value, Func<string, string?> getVariable)
    {
        string? id = null, file = null, env = null, type = null;
        foreach (var field in value.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = field.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new FarmException($"--secret \"{value}\": invalid field '{field}' must be a key=value pair");
            }

            var key = field[..equals].Trim().ToLowerInvariant();
            var text = field[(equals + 1)..];
            switch (key)
            {
                case "type":
                    type = text is "file" or "env" ? text : throw new FarmException($"--secret \"{value}\": unsupported secret type \"{text}\"");
                    break;
                case "id":
                    id = text;
                    break;
                case "source" or "src":
                    file = text;
                    break;
                case "env":
                    env = text;
                    break;
                default:
                    throw new FarmException($"--secret \"{value}\": unexpected key '{key}' in '{field}'");
            }
        }

        if (string.IsNullOrEmpty(id))
        {
            throw new FarmException($"--secret \"{value}\": secret missing ID");
        }

        if (type == "env" && env is null)
        {
            (env, file) = (file, null);
        }

        if (env is null && file is null)
        {
            if (getVariable(id) is not null)
            {
                env = id;
            }
            else
            {
                file = id;
            }
        }

        return new SecretSpec(id, file, env);
    }

    /// <summary>The secret's value: the variable's (empty when unset, as BuildKit's client gives it) or the file's bytes.</summary>
    public byte[] ReadValue(Func<string, string?> getVariable)
    {
        if (Environment is { } name)
        {
            return System.Text.Encoding.UTF8.GetBytes(getVariable(name) ?? string.Empty);
        }

        var info = new FileInfo(File!);
        if (!info.Exists)
        {
            throw new FarmException($"--secret id={Id}: failed to stat {File}: no such file");
        }

        return info.Length > MaxSecretSize
            ? throw new FarmException($"--secret id={Id}: secret {Id} too big. max size 500KB")
            : System.IO.File.ReadAllBytes(info.FullName);
    }
}
