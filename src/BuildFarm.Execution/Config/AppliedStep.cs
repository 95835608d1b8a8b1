using BuildFarm.Oci.Images;

namespace BuildFarm.Execution.Config;

/// <summary>What applying one step to the image config did.</summary>
/// <param name="History">The history entry recorded for the step, or null when BuildKit records none (ONBUILD).</param>
/// <param name="DirectoryToCreate">
/// For a WORKDIR other than <c>/</c>: the absolute directory the engine must create (with parents,
/// mode 0755, owned by the user in force) in the step's layer, as BuildKit does; null otherwise.
/// </param>
public sealed record AppliedStep(HistoryEntry? History, string? DirectoryToCreate);
