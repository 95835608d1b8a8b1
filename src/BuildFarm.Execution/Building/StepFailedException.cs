using BuildFarm.Dockerfile.Planning;

namespace BuildFarm.Execution.Building;

/// <summary>A build step failed: the message names the Dockerfile line, the instruction and why.</summary>
public sealed class StepFailedException : Exception
{
    public StepFailedException(StepFailure failure, string instruction, Exception cause)
        : base($"{failure?.Location}: {instruction}: {cause?.Message}", cause)
    {
        ArgumentNullException.ThrowIfNull(failure);
        Failure = failure;
        Instruction = instruction;
    }

    /// <summary>The failure in parts: step, line, exit code, last lines of output.</summary>
    public StepFailure Failure { get; }

    public StepId Step => Failure.Step;

    /// <summary><c>file:line</c> of the instruction.</summary>
    public string Location => Failure.Location;

    /// <summary>The instruction as planned (variables expanded).</summary>
    public string Instruction { get; }
}
