using BuildFarm.Oci.Images;

namespace BuildFarm.Oci.History;

/// <summary>
/// One step of an image's history, as <c>docker history</c> shows it, with what it costs.
/// </summary>
/// <param name="Entry">The config's history entry; a made-up one (no <c>created_by</c>) for a layer the history does not describe.</param>
/// <param name="Layer">The layer the step made; null for a step that changed only the config.</param>
/// <param name="Size">The bytes of the files the layer holds, uncompressed (what docker calls a layer's size).</param>
/// <param name="WastedBytes">
/// The bytes of the layer's files that a later layer deletes or overwrites: still downloaded and
/// stored with the image, never seen in its file tree, because layers are immutable.
/// </param>
public sealed record LayerHistory(HistoryEntry Entry, Descriptor? Layer, long Size, long WastedBytes);
