using BuildFarm.Dockerfile;
using BuildFarm.Dockerfile.Parsing;

namespace BuildFarm.Dockerfile.Tests.Parsing;

/// <summary>Short ways to parse a Dockerfile written inline in a test.</summary>
internal static class Parse
{
    public static ParsedDockerfile Text(string dockerfile) => DockerfileParser.Parse(dockerfile, "Dockerfile");

    /// <summary>The parse tree in BuildKit's dump format.</summary>
    public static string Tree(string dockerfile) => ParseTreePrinter.Print(Text(dockerfile));

    /// <summary>The message of the parse error the text must raise.</summary>
    public static string Error(string dockerfile) =>
        Assert.Throws<DockerfileException>(() => Text(dockerfile)).Message;
}
