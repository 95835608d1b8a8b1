namespace BuildFarm.Benchmarks.Monorepo;

/// <summary>
/// A monorepo-like build context, the same bytes on every run: a shared library (<c>lib/</c>),
/// three apps (<c>apps/a</c>, <c>apps/b</c>, <c>apps/c</c>) that link it, the build scripts
/// (<c>tools/</c>) and a multi-stage Dockerfile on busybox — a base stage, the library's build
/// stage, one stage per app and a final stage that collects the apps' artifacts.
/// The scripts do real, modest work with busybox tools: one <c>sed</c> "compile" per source
/// file (<c>tools/compile.sh</c>), then <c>sha256sum</c>, <c>tar</c> and <c>gzip</c> for the artifact.
/// </summary>
public sealed class MonorepoCorpus
{
    public const int LibraryModules = 10;
    public const int LibraryFilesPerModule = 15;
    public const int AppModules = 4;
    public const int AppFilesPerModule = 20;

    public static readonly string[] Apps = ["a", "b", "c"];

    /// <summary>The app <see cref="EditApp"/> edits.</summary>
    public const string EditedApp = "b";

    /// <summary>The last stage, which has no name: the farm calls it by its index, as BuildKit does.</summary>
    public const string FinalStage = "stage-5";

    public const string LibraryRun = "sh /tools/build-lib.sh /src/lib /out";

    public const string FinalRun = "cd /apps && sha256sum *.tar.gz > SHA256SUMS";

    /// <summary>
    /// The stages with a RUN, each with the stages whose RUN results its RUN reads through
    /// <c>COPY --from</c>: the graph <see cref="CriticalPath"/> walks.
    /// </summary>
    public static IReadOnlyDictionary<string, string[]> RunInputs { get; } = new Dictionary<string, string[]>(
        [
            new("lib", []),
            .. Apps.Select(app => new KeyValuePair<string, string[]>($"app-{app}", ["lib"])),
            new(FinalStage, [.. Apps.Select(app => $"app-{app}")]),
        ],
        StringComparer.Ordinal);

    public static string AppRun(string app) => $"sh /tools/build-app.sh {app} /src/app /deps/lib.tar.gz /out";

    public static string Dockerfile { get; } = string.Join('\n', [
        "FROM busybox AS base",
        "ENV LC_ALL=C",
        "COPY tools/ /tools/",
        "WORKDIR /src",
        "",
        "FROM base AS lib",
        "COPY lib/ /src/lib/",
        $"RUN {LibraryRun}",
        "",
        .. Apps.SelectMany(app => (string[])[
            $"FROM base AS app-{app}",
            "COPY --from=lib /out/lib.tar.gz /deps/",
            $"COPY apps/{app}/ /src/app/",
            $"RUN {AppRun(app)}",
            ""]),
        "FROM busybox",
        .. Apps.Select(app => $"COPY --from=app-{app} /out/ /apps/"),
        $"RUN {FinalRun}",
        ""]);

    // "Compiles" every file NAME matching PATTERN under SRC into OUT/NAME.o: strip line comments,
    // squeeze blanks, upper-case; one sed per file, as a compiler is one process per unit.
    public const string CompileScript = """
        compile() {
          (cd "$1" && find . -type d | sort) | while read -r dir; do mkdir -p "$2/$dir"; done
          for f in $(cd "$1" && find . -type f -name "$3" | sort); do
            sed -e 's://.*$::' -e 's/[[:space:]][[:space:]]*/ /g' -e 'y/abcdefghijklmnopqrstuvwxyz/ABCDEFGHIJKLMNOPQRSTUVWXYZ/' "$1/$f" > "$2/$f.o"
          done
        }

        """;

    // The library's units and headers, packed with their sums as the library's artifact.
    public const string BuildLibScript = """
        set -eu
        . /tools/compile.sh
        src=$1 out=$2
        compile "$src" "$out/obj" '*.[ch]'
        cd "$out/obj"
        find . -type f | sort | xargs sha256sum > ../lib.sums
        tar -cf - . | gzip -6 > ../lib.tar.gz
        cd / && rm -rf "$out/obj"

        """;

    // The app's units are compiled like the library's; "linking" unpacks the library and hashes
    // every object with it into the app's binary, which is packed as the app's artifact.
    public const string BuildAppScript = """
        set -eu
        . /tools/compile.sh
        name=$1 src=$2 lib=$3 out=$4
        work=/tmp/build-$name
        mkdir -p "$work/lib" "$out"
        gzip -dc "$lib" | tar -xf - -C "$work/lib"
        compile "$src" "$work/obj" '*.c'
        cd "$work"
        find obj lib -type f | sort | xargs cat | sha256sum > "$name.bin"
        find obj -type f | sort | xargs sha256sum >> "$name.bin"
        tar -cf - "$name.bin" | gzip -6 > "$out/$name.tar.gz"
        cd / && rm -rf "$work"

        """;

    private MonorepoCorpus(string root)
    {
        Root = root;
    }

    /// <summary>The context directory (its Dockerfile is <c>Dockerfile</c>).</summary>
    public string Root { get; }

    public int FileCount => Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories).Count();

    public static MonorepoCorpus Generate(string root)
    {
        var random = new XorShift(0xB0117FA4);
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(root).FullName, "Dockerfile"), Dockerfile);
        File.WriteAllText(Path.Combine(root, ".dockerignore"), "**/*.md\n");
        File.WriteAllText(Path.Combine(root, "README.md"), "A generated monorepo: lib/ is shared by apps/a, apps/b and apps/c.\n");
        var tools = Directory.CreateDirectory(Path.Combine(root, "tools")).FullName;
        File.WriteAllText(Path.Combine(tools, "compile.sh"), CompileScript);
        File.WriteAllText(Path.Combine(tools, "build-lib.sh"), BuildLibScript);
        File.WriteAllText(Path.Combine(tools, "build-app.sh"), BuildAppScript);

        WriteSources(Path.Combine(root, "lib"), "core", LibraryModules, LibraryFilesPerModule, random, withHeaders: true);
        foreach (var app in Apps)
        {
            WriteSources(Path.Combine(root, "apps", app), "feature", AppModules, AppFilesPerModule, random, withHeaders: false);
        }

        return new MonorepoCorpus(root);
    }

    /// <summary>Changes one source file of <see cref="EditedApp"/>; every call makes new content.</summary>
    public void EditApp(int edit) => AppendLine(Path.Combine(Root, "apps", EditedApp, "feature01", "unit07.c"), edit);

    /// <summary>Changes one source file of the shared library; every call makes new content.</summary>
    public void EditLibrary(int edit) => AppendLine(Path.Combine(Root, "lib", "core03", "unit05.c"), edit);

    private static void AppendLine(string path, int edit)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"the corpus has no {path} to edit");
        }

        File.AppendAllText(path, $"int edit_{edit} = {edit};\n");
    }

    // Modules of units: unitNN.c (1-6 KB of word soup), a header per module for the library,
    // and a README per module that .dockerignore keeps out of the context.
    private static void WriteSources(string root, string modulePrefix, int modules, int filesPerModule, XorShift random, bool withHeaders)
    {
        for (var module = 0; module < modules; module++)
        {
            var directory = Directory.CreateDirectory(Path.Combine(root, $"{modulePrefix}{module:D2}")).FullName;
            File.WriteAllText(Path.Combine(directory, "README.md"), $"# {modulePrefix}{module:D2}\n");
            var units = withHeaders ? filesPerModule - 1 : filesPerModule;
            if (withHeaders)
            {
                TreeGenerator.WriteFile(Path.Combine(directory, $"{modulePrefix}{module:D2}.h"), 512 + random.Next(1024), random, text: true);
            }

            for (var unit = 0; unit < units; unit++)
            {
                TreeGenerator.WriteFile(Path.Combine(directory, $"unit{unit:D2}.c"), 1024 + random.Next(5 * 1024), random, text: true);
            }
        }
    }
}
