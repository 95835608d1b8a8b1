using BuildFarm.Benchmarks;

// Usage: dotnet run -c Release --project tests/BuildFarm.Benchmarks -- layers [--mb 200] [--dir /tmp/buildfarm-bench]
if (args.Length == 0 || args[0] != "layers")
{
    Console.Error.WriteLine("usage: BuildFarm.Benchmarks layers [--mb <tree size in MB, default 200>] [--dir <where the tree goes>]");
    return 2;
}

var megabytes = 200;
var directory = Path.Combine(Path.GetTempPath(), "buildfarm-bench");
for (var i = 1; i < args.Length - 1; i += 2)
{
    switch (args[i])
    {
        case "--mb":
            megabytes = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture);
            break;
        case "--dir":
            directory = args[i + 1];
            break;
        default:
            Console.Error.WriteLine($"unknown option {args[i]}");
            return 2;
    }
}

var tree = TreeGenerator.Ensure(directory, megabytes * 1024L * 1024L);
await new LayerBenchmark(tree).RunAsync();
return 0;
