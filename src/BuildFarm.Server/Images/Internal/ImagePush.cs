using BuildFarm.Oci.Images;
using BuildFarm.Oci.References;
using BuildFarm.Storage.Images;

namespace BuildFarm.Server.Images.Internal;

/// <summary>One image to push to a repository under some tags; a push request is one or more of them.</summary>
internal sealed record ImagePush(RepositoryName Repository, Descriptor Image, IReadOnlyList<string> Tags, RepositoryName? MountFrom)
{
    /// <exception cref="FormatException">A name is not an image reference, or the request's fields do not go together.</exception>
    /// <exception cref="ImageNotFoundException">The image, or any tag of the repository, is not there.</exception>
    public static async Task<IReadOnlyList<ImagePush>> PlanAsync(ImageCatalog images, string image, string destination, bool allTags, CancellationToken cancellationToken) =>
        allTags ? await AllTagsOfAsync(images, image, destination, cancellationToken).ConfigureAwait(false) : [await OneAsync(images, image, destination, cancellationToken).ConfigureAwait(false)];

    private static async Task<ImagePush> OneAsync(ImageCatalog images, string sourceText, string destinationText, CancellationToken cancellationToken)
    {
        var name = ImageReference.Parse(sourceText);
        var image = await images.FindAsync(name, cancellationToken).ConfigureAwait(false) ?? throw ImageCatalog.NotFound(name);
        var destination = destinationText.Length == 0 ? name : ImageReference.Parse(destinationText);
        if (destination.Tag is null)
        {
            throw new FormatException($"cannot push to {(destinationText.Length == 0 ? sourceText : destinationText)}: a push needs a tag, not a digest");
        }

        return new ImagePush(destination.Repository, image.Target, [destination.Tag], MountSource(name.Repository, destination.Repository));
    }

    /// <summary>One push per distinct image among the repository's tags, carrying all of that image's tags.</summary>
    private static async Task<List<ImagePush>> AllTagsOfAsync(ImageCatalog images, string repositoryText, string destinationText, CancellationToken cancellationToken)
    {
        if (destinationText.Length > 0)
        {
            throw new FormatException("--all-tags pushes a repository to itself; it takes no TARGET");
        }

        if (ImageNames.HasExplicitTagOrDigest(repositoryText))
        {
            throw new FormatException($"tag can't be used with --all-tags/-a: {repositoryText}");
        }

        var repository = ImageReference.Parse(repositoryText).Repository;
        var pushes = (await images.ListAsync(cancellationToken).ConfigureAwait(false))
            .Where(image => image.Name is { Tag: not null } name && name.Repository == repository)
            .GroupBy(static image => image.Target.Digest)
            .Select(group => new ImagePush(repository, group.First().Target, [.. group.Select(static image => image.Name!.Tag!)], MountFrom: null))
            .ToList();
        return pushes.Count > 0 ? pushes : throw new ImageNotFoundException($"An image does not exist locally with the tag: {ImageNames.Familiar(repository)}");
    }

    // A registry links blobs between its own repositories: a blob the source repository has need not be sent again.
    private static RepositoryName? MountSource(RepositoryName source, RepositoryName destination) =>
        source.Registry == destination.Registry && source != destination ? source : null;
}
