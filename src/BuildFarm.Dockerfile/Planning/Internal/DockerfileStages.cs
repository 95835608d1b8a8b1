using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Dockerfile.Parsing;

namespace BuildFarm.Dockerfile.Planning.Internal;

/// <summary>A stage as written: its FROM and the instructions up to the next FROM.</summary>
internal sealed record StageDefinition(int Index, FromInstruction From, IReadOnlyList<Instruction> Instructions)
{
    public string DisplayName => From.StageName ?? $"stage-{Index}";
}

/// <summary>A Dockerfile's typed instructions split the way BuildKit splits them: global ARGs, then stages.</summary>
internal sealed record DockerfileStages(IReadOnlyList<ArgInstruction> GlobalArgs, IReadOnlyList<StageDefinition> Stages)
{
    /// <exception cref="DockerfileException">An instruction is invalid, comes before the first FROM, or there is no FROM.</exception>
    public static DockerfileStages From(ParsedDockerfile dockerfile)
    {
        var globalArgs = new List<ArgInstruction>();
        var stages = new List<(FromInstruction From, List<Instruction> Instructions)>();
        foreach (var parsed in dockerfile.Instructions)
        {
            var instruction = InstructionParser.Parse(parsed);
            switch (instruction)
            {
                case FromInstruction from:
                    stages.Add((from, []));
                    break;
                case ArgInstruction arg when stages.Count == 0:
                    globalArgs.Add(arg);
                    break;
                case var _ when stages.Count == 0:
                    throw new DockerfileException(instruction.Location, "no build stage in current context");
                default:
                    stages[^1].Instructions.Add(instruction);
                    break;
            }
        }

        if (stages.Count == 0)
        {
            throw new DockerfileException(dockerfile.FileName, "dockerfile contains no stages to build");
        }

        return new DockerfileStages(globalArgs, stages.Select((s, i) => new StageDefinition(i, s.From, s.Instructions)).ToList());
    }
}
