namespace BuildFarm.Oci.Registry;

/// <summary>What pushing one blob took.</summary>
public enum BlobPushOutcome
{
    /// <summary>The repository had the blob already; nothing was sent.</summary>
    AlreadyExists,

    /// <summary>The registry linked the blob from another repository; nothing was sent.</summary>
    Mounted,

    /// <summary>The bytes were uploaded.</summary>
    Uploaded,
}
