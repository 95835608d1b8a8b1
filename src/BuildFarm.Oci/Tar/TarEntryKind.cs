namespace BuildFarm.Oci.Tar;

/// <summary>The kinds of tar entry a layer can hold.</summary>
public enum TarEntryKind
{
    RegularFile,
    HardLink,
    SymbolicLink,
    CharacterDevice,
    BlockDevice,
    Directory,
    Fifo,
}
