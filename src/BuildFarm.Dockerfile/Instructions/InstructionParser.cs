using System.Globalization;
using System.Text.RegularExpressions;
using BuildFarm.Dockerfile.Instructions.Internal;
using BuildFarm.Dockerfile.Parsing;
using BuildFarm.Dockerfile.Internal;

namespace BuildFarm.Dockerfile.Instructions;

/// <summary>
/// Gives a parsed instruction its meaning: checks the keyword, its flags and the number and shape
/// of its arguments, the way BuildKit's <c>instructions</c> package does and with its messages.
/// Every error is a <see cref="DockerfileException"/> naming the instruction's file and line.
/// </summary>
public static partial class InstructionParser
{
    private static readonly string[] InstructionNames =
        ["from", "run", "cmd", "entrypoint", "shell", "env", "label", "arg", "copy", "add", "expose", "volume", "user", "workdir", "stopsignal", "maintainer", "healthcheck", "onbuild"];

    /// <summary>Types one instruction.</summary>
    public static Instruction Parse(ParsedInstruction parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        var request = new Request(parsed);
        return parsed.Keyword.ToLowerInvariant() switch
        {
            "from" => ParseFrom(request),
            "run" => ParseRun(request),
            "cmd" => new CmdInstruction(CommandLineOf(request)) { Location = request.Location, Original = request.Original }.CheckedFlags(request),
            "entrypoint" => new EntrypointInstruction(CommandLineOf(request)) { Location = request.Location, Original = request.Original }.CheckedFlags(request),
            "shell" => ParseShell(request),
            "env" => ParseEnv(request),
            "label" => ParseLabel(request),
            "arg" => ParseArg(request),
            "copy" => ParseCopy(request),
            "add" => ParseAdd(request),
            "expose" => ParseExpose(request),
            "volume" => ParseVolume(request),
            "user" => new UserInstruction(request.ExactlyOne("USER")) { Location = request.Location, Original = request.Original }.CheckedFlags(request),
            "workdir" => new WorkdirInstruction(request.ExactlyOne("WORKDIR")) { Location = request.Location, Original = request.Original }.CheckedFlags(request),
            "stopsignal" => new StopSignalInstruction(request.ExactlyOne("STOPSIGNAL")) { Location = request.Location, Original = request.Original }.CheckedFlags(request),
            "maintainer" => new MaintainerInstruction(request.ExactlyOne("MAINTAINER")) { Location = request.Location, Original = request.Original }.CheckedFlags(request),
            "healthcheck" => ParseHealthcheck(request),
            "onbuild" => ParseOnbuild(request),
            _ => throw request.Error(Suggestion.Append($"unknown instruction: {request.KeywordAsWritten}", request.KeywordAsWritten, InstructionNames, ignoreCase: true)),
        };
    }

    private static FromInstruction ParseFrom(Request request)
    {
        var args = request.Arguments;
        string? stageName = null;
        if (args.Count == 3 && args[1].Equals("as", StringComparison.OrdinalIgnoreCase))
        {
            stageName = args[2].ToLowerInvariant();
            if (!StageNamePattern().IsMatch(stageName))
            {
                throw request.Error($"invalid name for build stage: \"{args[2]}\", name can't start with a number or contain symbols");
            }
        }
        else if (args.Count != 1)
        {
            throw request.Error("FROM requires either one or three arguments");
        }

        var flags = request.ParseFlags(new FlagSet().String("platform"));
        return new FromInstruction(args[0], stageName, flags.GetString("platform")) { Location = request.Location, Original = request.Original };
    }

    private static RunInstruction ParseRun(Request request)
    {
        var flags = request.ParseFlags(new FlagSet().Strings("mount").String("network").String("security"));
        var mounts = flags.GetStrings("mount");
        foreach (var mount in mounts)
        {
            // Like BuildKit, options are only fully known once variables are expanded; a mount
            // without variables is checked now so its errors do not wait for planning.
            if (RunMountParser.CheckWithoutExpansion(mount, request.Location))
            {
                RunMountParser.Parse(mount, request.Location, static value => value);
            }
        }

        var network = flags.GetString("network") ?? "default";
        var security = flags.GetString("security") ?? "sandbox";
        return new RunInstruction(
            CommandLineOf(request),
            mounts,
            network switch
            {
                "default" => NetworkMode.Default,
                "none" => NetworkMode.None,
                "host" => NetworkMode.Host,
                _ => throw request.Error($"invalid network mode \"{network}\""),
            },
            security switch
            {
                "sandbox" => SecurityMode.Sandbox,
                "insecure" => SecurityMode.Insecure,
                _ => throw request.Error($"security \"{security}\" is not valid"),
            })
        {
            Location = request.Location,
            Original = request.Original,
        };
    }

    private static ShellInstruction ParseShell(Request request)
    {
        request.ParseFlags(new FlagSet());
        var shell = JoinedArguments(request);
        if (shell.Count == 0)
        {
            throw request.Error("SHELL requires at least one argument");
        }

        if (!request.Parsed.IsJsonForm)
        {
            throw request.Error("SHELL requires the arguments to be in JSON form");
        }

        return new ShellInstruction(shell) { Location = request.Location, Original = request.Original };
    }

    private static EnvInstruction ParseEnv(Request request)
    {
        request.ParseFlags(new FlagSet());
        return new EnvInstruction(KeyValuesOf(request, "ENV")) { Location = request.Location, Original = request.Original };
    }

    private static LabelInstruction ParseLabel(Request request)
    {
        request.ParseFlags(new FlagSet());
        return new LabelInstruction(KeyValuesOf(request, "LABEL")) { Location = request.Location, Original = request.Original };
    }

    private static ArgInstruction ParseArg(Request request)
    {
        if (request.Arguments.Count == 0)
        {
            throw request.Error("ARG requires at least one argument");
        }

        request.ParseFlags(new FlagSet());
        var declarations = new List<ArgDeclaration>();
        foreach (var argument in request.Arguments)
        {
            // Unlike ENV, the parser leaves "name=value" whole so a bare name stays possible.
            var equals = argument.IndexOf('=', StringComparison.Ordinal);
            if (equals == 0)
            {
                throw request.Error("ARG names can not be blank");
            }

            declarations.Add(equals < 0
                ? new ArgDeclaration(argument, null)
                : new ArgDeclaration(argument[..equals], argument[(equals + 1)..]));
        }

        return new ArgInstruction(declarations) { Location = request.Location, Original = request.Original };
    }

    private static CopyInstruction ParseCopy(Request request)
    {
        request.RequireDestination("COPY");
        var flags = request.ParseFlags(FileFlags().String("from").Bool("parents"));
        var (sources, inline, destination) = SourcesAndDestination(request, "COPY");
        return new CopyInstruction(
            sources,
            inline,
            destination,
            flags.GetString("from"),
            flags.GetString("chown"),
            flags.GetString("chmod"),
            flags.GetBool("link"),
            flags.GetBool("parents"),
            flags.GetStrings("exclude"))
        {
            Location = request.Location,
            Original = request.Original,
        };
    }

    private static AddInstruction ParseAdd(Request request)
    {
        request.RequireDestination("ADD");
        var flags = request.ParseFlags(FileFlags().Bool("keep-git-dir").String("checksum").Bool("unpack"));
        var (sources, inline, destination) = SourcesAndDestination(request, "ADD");
        return new AddInstruction(
            sources,
            inline,
            destination,
            flags.GetString("chown"),
            flags.GetString("chmod"),
            flags.GetBool("link"),
            flags.GetStrings("exclude"),
            flags.GetString("checksum"),
            flags.GetOptionalBool("keep-git-dir"),
            flags.GetOptionalBool("unpack"))
        {
            Location = request.Location,
            Original = request.Original,
        };
    }

    /// <summary>The flags COPY and ADD share.</summary>
    private static FlagSet FileFlags() => new FlagSet().String("chown").String("chmod").Bool("link").Strings("exclude");

    private static ExposeInstruction ParseExpose(Request request)
    {
        if (request.Arguments.Count == 0)
        {
            throw request.Error("EXPOSE requires at least one argument");
        }

        request.ParseFlags(new FlagSet());
        return new ExposeInstruction(request.Arguments) { Location = request.Location, Original = request.Original };
    }

    private static VolumeInstruction ParseVolume(Request request)
    {
        if (request.Arguments.Count == 0)
        {
            throw request.Error("VOLUME requires at least one argument");
        }

        request.ParseFlags(new FlagSet());
        var volumes = new List<string>();
        foreach (var volume in request.Arguments)
        {
            var trimmed = volume.Trim();
            if (trimmed.Length == 0)
            {
                throw request.Error("VOLUME specified can not be an empty string");
            }

            volumes.Add(trimmed);
        }

        return new VolumeInstruction(volumes) { Location = request.Location, Original = request.Original };
    }

    private static HealthcheckInstruction ParseHealthcheck(Request request)
    {
        if (request.Arguments.Count == 0)
        {
            throw request.Error("HEALTHCHECK requires at least one argument");
        }

        var type = request.Arguments[0].ToUpperInvariant();
        var rest = request.Arguments.Skip(1).ToList();
        if (type == "NONE")
        {
            if (rest.Count != 0)
            {
                throw request.Error("HEALTHCHECK NONE takes no arguments");
            }

            request.ParseFlags(new FlagSet());
            return new HealthcheckInstruction(["NONE"], GoDuration.Zero, GoDuration.Zero, GoDuration.Zero, GoDuration.Zero, 0)
            {
                Location = request.Location,
                Original = request.Original,
            };
        }

        var flags = request.ParseFlags(new FlagSet().String("interval").String("timeout").String("start-period").String("start-interval").String("retries"));
        if (type != "CMD")
        {
            throw request.Error($"Unknown type \"{type}\" in HEALTHCHECK (try CMD)");
        }

        var command = request.Parsed.IsJsonForm ? rest : rest.Count == 0 ? [] : [string.Join(' ', rest)];
        if (command.Count == 0)
        {
            throw request.Error("Missing command after HEALTHCHECK CMD");
        }

        List<string> test = [request.Parsed.IsJsonForm ? "CMD" : "CMD-SHELL", .. command];
        var retriesText = flags.GetString("retries");
        var retries = 0;
        if (!string.IsNullOrEmpty(retriesText))
        {
            if (!int.TryParse(retriesText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out retries))
            {
                throw request.Error($"strconv.ParseInt: parsing \"{retriesText}\": invalid syntax");
            }

            if (retries < 0)
            {
                throw request.Error($"--retries cannot be negative ({retries})");
            }
        }

        return new HealthcheckInstruction(
            test,
            Interval(request, flags, "interval"),
            Interval(request, flags, "timeout"),
            Interval(request, flags, "start-period"),
            Interval(request, flags, "start-interval"),
            retries)
        {
            Location = request.Location,
            Original = request.Original,
        };
    }

    private static OnbuildInstruction ParseOnbuild(Request request)
    {
        var inner = request.Parsed.Inner ?? throw request.Error("ONBUILD requires at least one argument");
        request.ParseFlags(new FlagSet());
        var trigger = inner.Keyword.ToUpperInvariant();
        switch (trigger)
        {
            case "ONBUILD":
                throw request.Error("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
            case "MAINTAINER" or "FROM":
                throw request.Error($"{trigger} isn't allowed as an ONBUILD trigger");
        }

        var expression = OnbuildPrefix().Replace(request.Parsed.Original, string.Empty);
        // The parser attaches the bodies to the ONBUILD line; they are the trigger's, which runs with them.
        var heredocs = request.Parsed.Heredocs.Count > 0 ? request.Parsed.Heredocs : inner.Heredocs;
        foreach (var heredoc in heredocs)
        {
            expression += "\n" + heredoc.Content + heredoc.Name;
        }

        return new OnbuildInstruction(Parse(inner with { Heredocs = heredocs }), expression) { Location = request.Location, Original = request.Original };
    }

    private static GoDuration Interval(Request request, FlagSet flags, string name)
    {
        var text = flags.GetString(name);
        if (string.IsNullOrEmpty(text))
        {
            return GoDuration.Zero;
        }

        if (!GoDuration.TryParse(text, out var duration, out var error))
        {
            throw request.Error(error);
        }

        if (duration.Nanoseconds != 0 && duration.Nanoseconds < 1_000_000)
        {
            throw request.Error($"Interval \"{name}\" cannot be less than 1ms");
        }

        return duration;
    }

    private static CommandLine CommandLineOf(Request request) =>
        new(JoinedArguments(request), !request.Parsed.IsJsonForm, request.Parsed.Heredocs);

    /// <summary>Exec form keeps the array; shell form is one string (BuildKit's handleJSONArgs).</summary>
    private static IReadOnlyList<string> JoinedArguments(Request request)
    {
        var args = request.Arguments;
        if (args.Count == 0 || request.Parsed.IsJsonForm)
        {
            return args;
        }

        return [string.Join(' ', args)];
    }

    private static List<KeyValue> KeyValuesOf(Request request, string keyword)
    {
        var args = request.Arguments;
        if (args.Count == 0)
        {
            throw request.Error($"{keyword} requires at least one argument");
        }

        if (args.Count % 3 != 0)
        {
            throw request.Error($"Bad input to {keyword}, too many arguments");
        }

        var pairs = new List<KeyValue>();
        for (var i = 0; i < args.Count; i += 3)
        {
            if (args[i].Length == 0)
            {
                throw request.Error($"{keyword} names can not be blank");
            }

            pairs.Add(new KeyValue(args[i], args[i + 1], args[i + 2].Length != 0));
        }

        return pairs;
    }

    private static (List<string> Sources, List<InlineSource> Inline, string Destination) SourcesAndDestination(Request request, string keyword)
    {
        var args = request.Arguments;
        var destination = args[^1];
        if (HeredocReference.NameOf(destination) is not null)
        {
            throw request.Error($"{keyword} cannot accept a heredoc as a destination");
        }

        var sources = new List<string>();
        var inline = new List<InlineSource>();
        foreach (var source in args.Take(args.Count - 1))
        {
            var name = HeredocReference.NameOf(source);
            var heredoc = name is null ? null : request.Parsed.Heredocs.FirstOrDefault(h => h.Name == name);
            if (heredoc is null)
            {
                sources.Add(source);
            }
            else
            {
                inline.Add(new InlineSource(heredoc.Name, heredoc.ChompedContent, heredoc.Expand));
            }
        }

        return (sources, inline, destination);
    }

    private static T CheckedFlags<T>(this T instruction, Request request)
        where T : Instruction
    {
        request.ParseFlags(new FlagSet());
        return instruction;
    }

    [GeneratedRegex("^[a-z][a-z0-9-_.]*$")]
    private static partial Regex StageNamePattern();

    [GeneratedRegex(@"^\s*ONBUILD\s*", RegexOptions.IgnoreCase)]
    private static partial Regex OnbuildPrefix();

    private sealed class Request(ParsedInstruction parsed)
    {
        public ParsedInstruction Parsed { get; } = parsed;

        public IReadOnlyList<string> Arguments => Parsed.Arguments;

        public SourceLocation Location => Parsed.Location;

        public string Original => Parsed.Original.Trim();

        /// <summary>The keyword with the user's casing, as BuildKit's messages show it.</summary>
        public string KeywordAsWritten
        {
            get
            {
                var original = Original;
                var end = original.IndexOfAny([' ', '\t']);
                var word = end < 0 ? original : original[..end];
                return word.Equals(Parsed.Keyword, StringComparison.OrdinalIgnoreCase) ? word : Parsed.Keyword;
            }
        }

        public DockerfileException Error(string reason) => new(Location, reason);

        public FlagSet ParseFlags(FlagSet flags)
        {
            var error = flags.Parse(Parsed.Flags);
            return error is null ? flags : throw Error(error);
        }

        public string ExactlyOne(string keyword) =>
            Arguments.Count == 1 ? Arguments[0] : throw Error($"{keyword} requires exactly one argument");

        public void RequireDestination(string keyword)
        {
            if (Arguments.Count < 2)
            {
                throw Error($"{keyword} requires at least two arguments, but only one was provided. Destination could not be determined");
            }
        }
    }
}
