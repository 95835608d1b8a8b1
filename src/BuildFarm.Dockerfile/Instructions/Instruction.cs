using BuildFarm.Dockerfile.Parsing;

namespace BuildFarm.Dockerfile.Instructions;

/// <summary>
/// One Dockerfile instruction with its meaning: flags checked and typed, arguments split the way
/// BuildKit splits them. Words are kept as written; the planner expands variables in exactly the
/// places BuildKit does, so the same record serves both the raw and the expanded form.
/// </summary>
public abstract record Instruction
{
    /// <summary>Where the instruction stands in its Dockerfile.</summary>
    public required SourceLocation Location { get; init; }

    /// <summary>The instruction's source text, continuations joined and trimmed.</summary>
    public required string Original { get; init; }

    /// <summary>The keyword in upper case (<c>RUN</c>, <c>COPY</c>, ...).</summary>
    public abstract string Keyword { get; }
}

/// <summary><c>FROM [--platform=P] image [AS name]</c>: starts a stage.</summary>
/// <param name="BaseName">The image or stage to start from, as written.</param>
/// <param name="StageName">The stage name in lower case (names are case-insensitive), or null.</param>
/// <param name="Platform">The <c>--platform</c> value as written, or null.</param>
public sealed record FromInstruction(string BaseName, string? StageName, string? Platform) : Instruction
{
    public override string Keyword => "FROM";
}

/// <summary>A command line of RUN, CMD or ENTRYPOINT.</summary>
/// <param name="Arguments">Exec form: the JSON array. Shell form: one element, the command text.</param>
/// <param name="PrependShell">True for shell form: the stage's shell runs the text.</param>
/// <param name="Heredocs">Heredoc bodies the command refers to (shell form only).</param>
public sealed record CommandLine(IReadOnlyList<string> Arguments, bool PrependShell, IReadOnlyList<Heredoc> Heredocs);

/// <summary><c>RUN [--mount=...] [--network=...] [--security=...] command</c>.</summary>
/// <param name="Mounts">Each <c>--mount</c> value as written; the planner expands and types them (<see cref="RunMount"/>).</param>
public sealed record RunInstruction(
    CommandLine Command,
    IReadOnlyList<string> Mounts,
    NetworkMode Network,
    SecurityMode Security) : Instruction
{
    public override string Keyword => "RUN";
}

/// <summary>The network a RUN step gets (<c>--network</c>).</summary>
public enum NetworkMode
{
    Default,
    None,
    Host,
}

/// <summary>The sandboxing of a RUN step (<c>--security</c>).</summary>
public enum SecurityMode
{
    Sandbox,
    Insecure,
}

/// <summary><c>CMD</c>: the default command of the image.</summary>
public sealed record CmdInstruction(CommandLine Command) : Instruction
{
    public override string Keyword => "CMD";
}

/// <summary><c>ENTRYPOINT</c>: the program the image starts.</summary>
public sealed record EntrypointInstruction(CommandLine Command) : Instruction
{
    public override string Keyword => "ENTRYPOINT";
}

/// <summary><c>SHELL ["exe", "arg", ...]</c> (JSON form only): the shell for shell-form commands.</summary>
public sealed record ShellInstruction(IReadOnlyList<string> Shell) : Instruction
{
    public override string Keyword => "SHELL";
}

/// <summary>A key and value of ENV or LABEL.</summary>
/// <param name="HasDelimiter">False for the legacy <c>ENV key value</c> form.</param>
public sealed record KeyValue(string Key, string Value, bool HasDelimiter = true);

/// <summary><c>ENV key=value ...</c>.</summary>
public sealed record EnvInstruction(IReadOnlyList<KeyValue> Variables) : Instruction
{
    public override string Keyword => "ENV";
}

/// <summary><c>LABEL key=value ...</c>.</summary>
public sealed record LabelInstruction(IReadOnlyList<KeyValue> Labels) : Instruction
{
    public override string Keyword => "LABEL";
}

/// <summary>One name of an ARG instruction.</summary>
/// <param name="DefaultValue">The default as written (still to be expanded), or null when none is given.</param>
public sealed record ArgDeclaration(string Name, string? DefaultValue);

/// <summary><c>ARG name[=default] ...</c>.</summary>
public sealed record ArgInstruction(IReadOnlyList<ArgDeclaration> Arguments) : Instruction
{
    public override string Keyword => "ARG";
}

/// <summary><c>EXPOSE port[/proto] ...</c>: the words as written; the planner expands and checks them (<see cref="ExposedPorts"/>).</summary>
public sealed record ExposeInstruction(IReadOnlyList<string> Ports) : Instruction
{
    public override string Keyword => "EXPOSE";
}

/// <summary><c>VOLUME path ...</c>.</summary>
public sealed record VolumeInstruction(IReadOnlyList<string> Volumes) : Instruction
{
    public override string Keyword => "VOLUME";
}

/// <summary><c>USER user[:group]</c>.</summary>
public sealed record UserInstruction(string User) : Instruction
{
    public override string Keyword => "USER";
}

/// <summary><c>WORKDIR path</c>.</summary>
public sealed record WorkdirInstruction(string Path) : Instruction
{
    public override string Keyword => "WORKDIR";
}

/// <summary><c>STOPSIGNAL signal</c>.</summary>
public sealed record StopSignalInstruction(string Signal) : Instruction
{
    public override string Keyword => "STOPSIGNAL";
}

/// <summary><c>MAINTAINER name</c> (deprecated, sets the image author).</summary>
public sealed record MaintainerInstruction(string Maintainer) : Instruction
{
    public override string Keyword => "MAINTAINER";
}

/// <summary><c>ONBUILD instruction</c>: a trigger recorded in the image, run by stages built on it.</summary>
/// <param name="Trigger">The wrapped instruction, already checked.</param>
/// <param name="Expression">The trigger's source text as stored in the image config.</param>
public sealed record OnbuildInstruction(Instruction Trigger, string Expression) : Instruction
{
    public override string Keyword => "ONBUILD";
}
