using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Dockerfile.Parsing;

namespace BuildFarm.Dockerfile.Tests.Instructions;

/// <summary>Types the single instruction of a one-instruction Dockerfile, through the real parser.</summary>
internal static class Parse
{
    public static T One<T>(string dockerfile)
        where T : Instruction =>
        Assert.IsType<T>(InstructionParser.Parse(Assert.Single(DockerfileParser.Parse(dockerfile).Instructions)));

    public static string Error(string dockerfile) =>
        Assert.Throws<DockerfileException>(() => InstructionParser.Parse(Assert.Single(DockerfileParser.Parse(dockerfile).Instructions))).Message;
}
