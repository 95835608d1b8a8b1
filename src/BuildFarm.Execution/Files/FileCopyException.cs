namespace BuildFarm.Execution.Files;

/// <summary>A COPY or ADD that cannot be done as asked: a bad flag value, a destination it cannot write, a download that failed.</summary>
public sealed class FileCopyException(string message, Exception? innerException = null) : Exception(message, innerException);
