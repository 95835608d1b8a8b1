using System.Globalization;
using BuildFarm.Benchmarks;
using BuildFarm.Benchmarks.Farm;
using BuildFarm.Benchmarks.Monorepo;
using BuildFarm.Benchmarks.Scale;

// Usage: dotnet run -c Release --project tests/BuildFarm.Benchmarks -- layers [--mb 200] [--dir /tmp/buildfarm-bench]
//        tests/BuildFarm.Benchmarks/run-monorepo.sh   (publishes the farm CLI and runs: monorepo --farm PATH/farm)
//        tests/BuildFarm.Benchmarks/run-scale.sh [--files 1000,10000]   (likewise: scale --farm PATH/farm [--files ...])
//        dotnet run -c Release --project tests/BuildFarm.Benchmarks -- monorepo-corpus DIR   (the corpus alone, to profile by hand)
//        dotnet run -c Release --project tests/BuildFarm.Benchmarks -- snapshots   (as root: cold builds in process, snapshots promoted vs unpacked)
//        tests/BuildFarm.Benchmarks/publish-and-run.sh upload [--files 10000] [--bytes 1024] [--dir /tmp/buildfarm-upload-bench]   (likewise: upload --farm PATH/farm ...)
const string Usage = """
    usage: BuildFarm.Benchmarks layers [--mb <tree size in MB, default 200>] [--dir <where the tree goes>]
           BuildFarm.Benchmarks monorepo --farm <the farm CLI: OUTPUT_DIR/farm of deploy/publish-cli.sh>
           BuildFarm.Benchmarks scale --farm <the farm CLI> [--files <N,N,...>, default 1000,10000,50000]
           BuildFarm.Benchmarks monorepo-corpus <directory>
           BuildFarm.Benchmarks snapshots
           BuildFarm.Benchmarks upload --farm <the farm CLI> [--files <count, default 10000>] [--bytes <per file, default 1024>] [--dir <work directory>]
    """;
switch (args)
{
    case ["layers", .. var options]:
        return await LayersAsync(options);
    case ["monorepo", "--farm", var farmProgram]:
        return FindFarm(farmProgram) is { } monorepoFarm ? (await new MonorepoBenchmark(monorepoFarm).RunAsync() ? 0 : 1) : 2;
    case ["scale", "--farm", var farmProgram, .. var options]:
        if (FindFarm(farmProgram) is not { } scaleFarm || FileCounts(options) is not { } fileCounts)
        {
            return 2;
        }

        return await new ScaleBenchmark(scaleFarm).RunAsync(fileCounts) ? 0 : 1;
    case ["upload", "--farm", var farmProgram, .. var options]:
        return FindFarm(farmProgram) is { } uploadFarm ? await UploadAsync(uploadFarm, options) : 2;
    case ["monorepo-corpus", var directory]:
        Console.WriteLine($"{MonorepoCorpus.Generate(directory).FileCount} files in {Path.GetFullPath(directory)}");
        return 0;
    case ["snapshots"]:
        await SnapshotBenchmark.RunAsync();
        return 0;
    default:
        Console.Error.WriteLine(Usage);
        return 2;
}

static async Task<int> LayersAsync(string[] options)
{
    var megabytes = 200;
    var directory = Path.Combine(Path.GetTempPath(), "buildfarm-bench");
    for (var i = 0; i < options.Length - 1; i += 2)
    {
        switch (options[i])
        {
            case "--mb":
                megabytes = int.Parse(options[i + 1], CultureInfo.InvariantCulture);
                break;
            case "--dir":
                directory = options[i + 1];
                break;
            default:
                Console.Error.WriteLine($"unknown option {options[i]}");
                return 2;
        }
    }

    var tree = TreeGenerator.Ensure(directory, megabytes * 1024L * 1024L);
    await new LayerBenchmark(tree).RunAsync();
    return 0;
}

static FarmCli? FindFarm(string farm)
{
    if (!File.Exists(farm))
    {
        Console.Error.WriteLine($"--farm: there is no farm CLI at {Path.GetFullPath(farm)} (deploy/publish-cli.sh makes one)");
        return null;
    }

    return new FarmCli(Path.GetFullPath(farm));
}

// [] or ["--files", "1000,10000"]
static int[]? FileCounts(string[] options)
{
    switch (options)
    {
        case []:
            return ScaleBenchmark.DefaultFileCounts;
        case ["--files", var list]:
            var counts = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var parsed = counts.Select(count => int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var files) && files > 0 ? files : 0).ToArray();
            if (parsed.Length > 0 && parsed.All(files => files > 0))
            {
                return parsed;
            }

            Console.Error.WriteLine($"--files \"{list}\": give file counts above zero separated by commas, e.g. 1000,10000");
            return null;
        default:
            Console.Error.WriteLine($"scale: unknown options \"{string.Join(' ', options)}\" (only --files N,N,...)");
            return null;
    }
}

static async Task<int> UploadAsync(FarmCli farm, string[] options)
{
    var files = 10_000;
    var bytes = 1024;
    var directory = Path.Combine(Path.GetTempPath(), "buildfarm-upload-bench");
    for (var i = 0; i < options.Length - 1; i += 2)
    {
        switch (options[i])
        {
            case "--files":
                files = int.Parse(options[i + 1], CultureInfo.InvariantCulture);
                break;
            case "--bytes":
                bytes = int.Parse(options[i + 1], CultureInfo.InvariantCulture);
                break;
            case "--dir":
                directory = Path.GetFullPath(options[i + 1]);
                break;
            default:
                Console.Error.WriteLine($"unknown option {options[i]}");
                return 2;
        }
    }

    await new UploadBenchmark(farm, directory, files, bytes).RunAsync();
    return 0;
}
