namespace BuildFarm.Execution.Building;

/// <summary>A FROM, COPY --from or mount from= names an image the store cannot provide.</summary>
public sealed class BaseImageNotFoundException(string reference, string reason)
    : Exception($"base image {reference}: {reason}")
{
    public string Reference { get; } = reference;
}
