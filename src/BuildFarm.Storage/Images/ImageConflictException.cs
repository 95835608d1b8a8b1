namespace BuildFarm.Storage.Images;

/// <summary>
/// What was asked cannot be done with the images as they are: an ID prefix that matches several
/// images, or removing an image that other names still hold without forcing it.
/// </summary>
public sealed class ImageConflictException(string message) : Exception(message);
