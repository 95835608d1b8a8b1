namespace BuildFarm.Storage.Images;

/// <summary>An archive is not a readable image archive; the message names the archive and what is wrong.</summary>
public sealed class InvalidImageArchiveException(string message, Exception? innerException = null) : Exception(message, innerException);
