namespace BuildFarm.Storage.Images;

/// <summary>No image goes by the name or ID asked for; the message is docker's (<c>No such image: busybox:missing</c>).</summary>
public sealed class ImageNotFoundException(string message) : Exception(message);
