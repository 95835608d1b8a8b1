namespace BuildFarm.Storage;

/// <summary>
/// Replaces a small file as a whole: the new content goes to a temporary file in the same
/// directory, reaches the disk, and is renamed over the old one, so a reader or a crash sees
/// either the old file or the new one, never a mix.
/// </summary>
public static class AtomicFile
{
    public const string TemporarySuffix = ".partial";

    public static void Write(string path, Action<Stream> writeContent)
    {
        var temporary = path + "." + Guid.NewGuid().ToString("N") + TemporarySuffix;
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                writeContent(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Removes what an interrupted <see cref="Write"/> left in <paramref name="directory"/>.</summary>
    public static void DeleteLeftovers(string directory)
    {
        foreach (var leftover in Directory.EnumerateFiles(directory, "*" + TemporarySuffix))
        {
            File.Delete(leftover);
        }
    }
}
