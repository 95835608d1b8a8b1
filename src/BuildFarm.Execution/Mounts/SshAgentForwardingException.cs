namespace BuildFarm.Execution.Mounts;

/// <summary>A request to an agent forwarded from the client got no reply: timed out, the forwarding ended, the client could not ask it. The message says which agent and why.</summary>
public sealed class SshAgentForwardingException(string message) : Exception(message);
