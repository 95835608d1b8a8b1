using BuildFarm.Dockerfile;
namespace BuildFarm.Dockerfile.Parsing.Internal;

/// <summary>
/// A reason an instruction cannot be parsed, raised where the location is not known; the parser
/// loop, which knows the lines, turns it into a <see cref="DockerfileException"/>.
/// </summary>
internal sealed class InstructionSyntaxException(string reason) : Exception(reason);
