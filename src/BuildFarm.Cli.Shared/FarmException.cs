namespace BuildFarm.Cli;

/// <summary>An expected failure of a command (bad input, unknown image): its message is all the user sees.</summary>
internal sealed class FarmException(string message) : Exception(message);
