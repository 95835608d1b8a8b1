using System.Globalization;
using BuildFarm.Benchmarks;
using BuildFarm.Benchmarks.Monorepo;

// Usage: dotnet run -c Release --project tests/BuildFarm.Benchmarks -- layers [--mb 200] [--dir /tmp/buildfarm-bench]
//        tests/BuildFarm.Benchmarks/run-monorepo.sh   (publishes the farm CLI and runs: monorepo --farm PATH/farm)
//        dotnet run -c Release --project tests/BuildFarm.Benchmarks -- monorepo-corpus DIR   (the corpus alone, to profile by hand)
const string Usage = """
    usage: BuildFarm.Benchmarks layers [--mb <tree size in MB, default 200>] [--dir <where the tree goes>]
           BuildFarm.Benchmarks monorepo --farm <the farm CLI: OUTPUT_DIR/farm of deploy/publish-cli.sh>
           BuildFarm.Benchmarks monorepo-corpus <directory>
    """;
switch (args)
{
    case ["layers", .. var options]:
        return await LayersAsync(options);
    case ["monorepo", "--farm", var farm]:
        if (!File.Exists(farm))
        {
            Console.Error.WriteLine($"--farm: there is no farm CLI at {Path.GetFullPath(farm)} (deploy/publish-cli.sh makes one)");
            return 2;
        }

        return await new MonorepoBenchmark(new FarmCli(Path.GetFullPath(farm))).RunAsync() ? 0 : 1;
    case ["monorepo-corpus", var directory]:
        Console.WriteLine($"{MonorepoCorpus.Generate(directory).FileCount} files in {Path.GetFullPath(directory)}");
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
