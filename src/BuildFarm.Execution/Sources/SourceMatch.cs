namespace BuildFarm.Execution.Sources;

/// <summary>One path a COPY/ADD source selected.</summary>
/// <param name="Source">The source as written (<c>src/*.cs</c>).</param>
/// <param name="MatchedPath">The root-relative path it matched, before symlinks are followed: its base name is the name COPY gives a file.</param>
/// <param name="ResolvedPath">The root-relative path whose content is copied, symlinks followed inside the root.</param>
public sealed record SourceMatch(string Source, string MatchedPath, string ResolvedPath);
