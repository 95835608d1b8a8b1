using System.Globalization;
using BuildFarm.Benchmarks;
using BuildFarm.Benchmarks.Monorepo;

// Usage: dotnet run -c Release --project tests/BuildFarm.Benchmarks -- layers [--mb 200] [--dir /tmp/buildfarm-bench]
//        tests/BuildFarm.Benchmarks/run-monorepo.sh   (publishes the farm CLI and runs: monorepo --farm PATH/farm.dll)
//        dotnet run -c Release --project tests/BuildFarm.Benchmarks -- monorepo-corpus DIR   (the corpus alone, to profile by hand)
//        dotnet run -c Release --project tests/BuildFarm.Benchmarks -- upload [--files 10000] [--bytes 1024] [--dir /tmp/buildfarm-upload-bench]
const string Usage = """
    usage: BuildFarm.Benchmarks layers [--mb <tree size in MB, default 200>] [--dir <where the tree goes>]
           BuildFarm.Benchmarks monorepo --farm <the farm CLI's farm.dll>
           BuildFarm.Benchmarks monorepo-corpus <directory>
           BuildFarm.Benchmarks upload [--files <count, default 10000>] [--bytes <per file, default 1024>] [--dir <work directory>]
    """;
switch (args)
{
    case ["layers", .. var options]:
        return await LayersAsync(options);
    case ["monorepo", "--farm", var farmDll]:
        if (!File.Exists(farmDll))
        {
            Console.Error.WriteLine($"--farm: there is no farm CLI at {Path.GetFullPath(farmDll)} (deploy/publish-cli.sh makes one)");
            return 2;
        }

        return await new MonorepoBenchmark(new FarmCli(Path.GetFullPath(farmDll))).RunAsync() ? 0 : 1;
    case ["upload", .. var options]:
        return await UploadAsync(options);
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

static async Task<int> UploadAsync(string[] options)
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

    await new UploadBenchmark(directory, files, bytes).RunAsync();
    return 0;
}
