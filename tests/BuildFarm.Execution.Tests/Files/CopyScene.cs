using BuildFarm.Dockerfile.Ignore;
using BuildFarm.Execution.Files;
using BuildFarm.Execution.Sources;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Files;

/// <summary>What every copy test needs: a context directory, an image root to copy into, and a listing of that root.</summary>
internal sealed class CopyScene : IDisposable
{
    public CopyScene(string name)
    {
        Temp = new TempDirectory(name);
        Context = Temp.CreateDirectory("context");
        Root = Temp.CreateDirectory("root");
    }

    public TempDirectory Temp { get; }

    /// <summary>The build context directory.</summary>
    public string Context { get; }

    /// <summary>The destination image's "/".</summary>
    public string Root { get; }

    /// <summary>The destination tree, line by line (see <see cref="TreeListing"/>).</summary>
    public string[] Listing => TreeListing.Of(Root);

    /// <summary>A COPY of context sources.</summary>
    public CopyRequest Request(string destination, params string[] sources) =>
        new() { Sources = sources, Destination = destination, Source = SourceTree.ForContext(Context, DockerIgnore.Empty, new FileDigestCache()) };

    public Task CopyAsync(CopyRequest request, HttpClient? http = null) => FileCopier.CopyAsync(request, Root, http, CancellationToken.None);

    public Task CopyAsync(string destination, params string[] sources) => CopyAsync(Request(destination, sources));

    public void Dispose() => Temp.Dispose();
}
