namespace BuildFarm.Testing;

/// <summary>The checkout the tests run from, found by walking up to BuildFarm.sln.</summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string> Root = new(Find);

    public static string Path => Root.Value;

    public static string Combine(params string[] relative) => System.IO.Path.Combine([Path, .. relative]);

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "BuildFarm.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No BuildFarm.sln above {AppContext.BaseDirectory}.");
    }
}
