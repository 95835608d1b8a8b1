using BuildFarm.Dockerfile.Planning;

namespace BuildFarm.Execution.Building;

/// <summary>A build step failed: the message names the Dockerfile line, the instruction and why.</summary>
public sealed class StepFailedException : Exception
{
    public StepFailedException(StepId step, string location, string instruction, Exception cause)
        : base($"{location}: {instruction}: {cause.Message}", cause)
    {
        Step = step;
        Location = location;
        Instruction = instruction;
    }

    public StepId Step { get; }

    /// <summary><c>file:line</c> of the instruction.</summary>
    public string Location { get; }

    /// <summary>The instruction as planned (variables expanded).</summary>
    public string Instruction { get; }
}
