using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using BuildFarm.Dockerfile.Instructions;

namespace BuildFarm.Dockerfile.Planning.Internal;

/// <summary>
/// One canonical line for an (expanded) instruction: keyword, flags in a fixed order, arguments
/// quoted only where needed, heredoc bodies appended. Equal text means equal instruction, which
/// is what a cache key needs.
/// </summary>
internal static class InstructionText
{
    // Written with Utf8JsonWriter, not JsonSerializer: the serializer's reflection start-up costs
    // a short-lived process (every farm build plans its Dockerfile) a tenth of a second.
    private static readonly JsonWriterOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Format(Instruction instruction)
    {
        var text = new StringBuilder(instruction.Keyword);
        switch (instruction)
        {
            case RunInstruction run:
                foreach (var mount in run.Mounts)
                {
                    Flag(text, "mount", mount);
                }

                if (run.Network != NetworkMode.Default)
                {
                    Flag(text, "network", run.Network.ToString().ToLowerInvariant());
                }

                if (run.Security != SecurityMode.Sandbox)
                {
                    Flag(text, "security", run.Security.ToString().ToLowerInvariant());
                }

                return AppendCommand(text, run.Command);
            case CmdInstruction cmd:
                return AppendCommand(text, cmd.Command);
            case EntrypointInstruction entrypoint:
                return AppendCommand(text, entrypoint.Command);
            case ShellInstruction shell:
                return text.Append(' ').Append(Array(shell.Shell)).ToString();
            case EnvInstruction env:
                return Pairs(text, env.Variables);
            case LabelInstruction label:
                return Pairs(text, label.Labels);
            case ArgInstruction arg:
                foreach (var declaration in arg.Arguments)
                {
                    text.Append(' ').Append(declaration.Name);
                    if (declaration.DefaultValue is not null)
                    {
                        text.Append('=').Append(Word(declaration.DefaultValue));
                    }
                }

                return text.ToString();
            case CopyInstruction copy:
                Flag(text, "from", copy.From);
                Switch(text, "parents", copy.Parents);
                return Files(text, copy);
            case AddInstruction add:
                Flag(text, "checksum", add.Checksum);
                Flag(text, "keep-git-dir", add.KeepGitDir);
                Flag(text, "unpack", add.Unpack);
                return Files(text, add);
            case ExposeInstruction expose:
                return Words(text, expose.Ports);
            case VolumeInstruction volume:
                return Words(text, volume.Volumes);
            case UserInstruction user:
                return Words(text, [user.User]);
            case WorkdirInstruction workdir:
                return Words(text, [workdir.Path]);
            case StopSignalInstruction signal:
                return Words(text, [signal.Signal]);
            case MaintainerInstruction maintainer:
                return Words(text, [maintainer.Maintainer]);
            case HealthcheckInstruction health:
                return Healthcheck(text, health);
            case OnbuildInstruction onbuild:
                return text.Append(' ').Append(onbuild.Expression).ToString();
            default:
                throw new ArgumentOutOfRangeException(nameof(instruction), instruction.GetType().Name, "Not a step instruction.");
        }
    }

    /// <summary>A JSON array of strings, as exec form is written.</summary>
    public static string Array(IEnumerable<string> values) => WriteJson(writer =>
    {
        writer.WriteStartArray();
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    });

    /// <summary>A word as is, or JSON-quoted when it is empty or holds blanks, quotes or backslashes.</summary>
    public static string Word(string word) =>
        word.Length == 0 || word.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '\\')
            ? WriteJson(writer => writer.WriteStringValue(word))
            : word;

    private static string WriteJson(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Json))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>A mount in <c>--mount</c> syntax with every option spelled out.</summary>
    public static string Mount(RunMount mount)
    {
        var parts = new List<string> { "type=" + RunMountParser.Name(mount.Type) };
        void Add(string key, string? value)
        {
            if (value is not null)
            {
                parts.Add($"{key}={value}");
            }
        }

        Add("target", mount.Target);
        Add("source", mount.Source);
        Add("from", mount.From);
        Add("id", mount.Id);
        Add("sharing", mount.Sharing?.ToString().ToLowerInvariant());
        parts.Add(mount.ReadOnly ? "ro" : "rw");
        if (mount.Required)
        {
            parts.Add("required");
        }

        Add("env", mount.Env);
        Add("mode", mount.Mode is { } mode ? "0" + Convert.ToString(mode, 8) : null);
        Add("uid", mount.Uid?.ToString(CultureInfo.InvariantCulture));
        Add("gid", mount.Gid?.ToString(CultureInfo.InvariantCulture));
        Add("size", mount.SizeLimit > 0 ? mount.SizeLimit.ToString(CultureInfo.InvariantCulture) : null);
        return string.Join(',', parts.Select(p => p.Contains(',', StringComparison.Ordinal) || p.Contains('"', StringComparison.Ordinal) ? "\"" + p.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : p));
    }

    private static string AppendCommand(StringBuilder text, CommandLine command)
    {
        text.Append(' ').Append(command.PrependShell ? string.Join(' ', command.Arguments) : Array(command.Arguments));
        return AppendHeredocs(text, command.Heredocs.Select(h => (h.Name, h.Content)));
    }

    private static string AppendHeredocs(StringBuilder text, IEnumerable<(string Name, string Content)> heredocs)
    {
        foreach (var (name, content) in heredocs)
        {
            text.Append('\n').Append(content).Append(name);
        }

        return text.ToString();
    }

    private static string Files(StringBuilder text, FileInstruction files)
    {
        Flag(text, "chown", files.Chown);
        Flag(text, "chmod", files.Chmod);
        Switch(text, "link", files.Link);
        foreach (var exclude in files.Excludes)
        {
            Flag(text, "exclude", exclude);
        }

        foreach (var source in files.Sources)
        {
            text.Append(' ').Append(Word(source));
        }

        foreach (var inline in files.InlineSources)
        {
            text.Append(" <<").Append(inline.Name);
        }

        text.Append(' ').Append(Word(files.Destination));
        return AppendHeredocs(text, files.InlineSources.Select(i => (i.Name, i.Content)));
    }

    private static string Healthcheck(StringBuilder text, HealthcheckInstruction health)
    {
        if (health.Disables)
        {
            return text.Append(" NONE").ToString();
        }

        Flag(text, "interval", health.Interval);
        Flag(text, "timeout", health.Timeout);
        Flag(text, "start-period", health.StartPeriod);
        Flag(text, "start-interval", health.StartInterval);
        if (health.Retries != 0)
        {
            Flag(text, "retries", health.Retries.ToString(CultureInfo.InvariantCulture));
        }

        var shell = health.Test[0] == "CMD-SHELL";
        return text.Append(" CMD ").Append(shell ? health.Test[1] : Array(health.Test.Skip(1))).ToString();
    }

    private static string Pairs(StringBuilder text, IEnumerable<KeyValue> pairs)
    {
        foreach (var pair in pairs)
        {
            text.Append(' ').Append(Word(pair.Key)).Append('=').Append(Word(pair.Value));
        }

        return text.ToString();
    }

    private static string Words(StringBuilder text, IEnumerable<string> words)
    {
        foreach (var word in words)
        {
            text.Append(' ').Append(Word(word));
        }

        return text.ToString();
    }

    private static void Flag(StringBuilder text, string name, string? value)
    {
        if (value is not null)
        {
            text.Append(" --").Append(name).Append('=').Append(Word(value));
        }
    }

    private static void Flag(StringBuilder text, string name, bool? value)
    {
        if (value == true)
        {
            text.Append(" --").Append(name);
        }
        else if (value == false)
        {
            text.Append(" --").Append(name).Append("=false");
        }
    }

    private static void Switch(StringBuilder text, string name, bool on)
    {
        if (on)
        {
            text.Append(" --").Append(name);
        }
    }

    private static void Flag(StringBuilder text, string name, GoDuration duration)
    {
        if (duration != GoDuration.Zero)
        {
            text.Append(" --").Append(name).Append('=').Append(duration);
        }
    }
}
