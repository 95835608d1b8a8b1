namespace BuildFarm.Server.Hosting;

/// <summary>The silo cannot join its cluster: Redis is unreachable or misconfigured. The message says which.</summary>
public sealed class FarmClusterException(string message, Exception? inner = null) : Exception(message, inner);
