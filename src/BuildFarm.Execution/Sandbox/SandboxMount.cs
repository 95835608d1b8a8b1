namespace BuildFarm.Execution.Sandbox;

/// <summary>Something mounted into a sandbox besides its root: the basis of <c>RUN --mount</c>.</summary>
/// <param name="Target">An absolute path in the container.</param>
public abstract record SandboxMount(string Target);

/// <summary>A fresh, empty tmpfs; <paramref name="SizeLimit"/> in bytes, 0 for the kernel's default (half of memory).</summary>
public sealed record TmpfsMount(string Target, long SizeLimit = 0, bool ReadOnly = false) : SandboxMount(Target);

/// <summary>A directory or file of the host, read-only unless said otherwise.</summary>
public sealed record BindMount(string Source, string Target, bool ReadOnly = true) : SandboxMount(Target);
