namespace BuildFarm.Execution.Mounts;

/// <summary>A <c>RUN --mount</c> cannot be provided: a missing source, secret or agent; the message says which.</summary>
public sealed class RunMountException(string message) : Exception(message);
