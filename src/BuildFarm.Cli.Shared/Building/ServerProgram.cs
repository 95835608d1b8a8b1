using System.Runtime.InteropServices;

namespace BuildFarm.Cli.Building;

/// <summary>
/// <c>farm-server</c>, the program that runs <c>farm server</c>: published beside <c>farm</c>
/// (deploy/publish-cli.sh), and run as <c>dotnet farm-server.dll</c> when <c>farm</c> itself runs as
/// <c>dotnet farm.dll</c> (tests, development).
/// </summary>
internal static partial class ServerProgram
{
    public const string Name = "farm-server";

    /// <summary>The program to start and the arguments that come before the server's own.</summary>
    public static (string Program, IReadOnlyList<string> Prefix) Locate()
    {
        var self = Environment.ProcessPath ?? throw new FarmException("cannot tell which program this is, to find farm-server beside it");
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return (self, [Beside(Name + ".dll")]);
        }

        return (Beside(Name), []);
    }

    /// <summary>Replaces this process with <c>farm-server ARGUMENTS</c>: same pid, terminal, signals and environment. Returns only by throwing.</summary>
    public static void Exec(IReadOnlyList<string> arguments)
    {
        var (program, prefix) = Locate();
        string?[] argv = [program, .. prefix, .. arguments, null];
        Console.Out.Flush();
        Console.Error.Flush();
        ExecV(program, argv);
        throw new FarmException($"could not run {program}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
    }

    private static string Beside(string fileName)
    {
        var path = Path.Combine(AppContext.BaseDirectory, fileName);
        return File.Exists(path)
            ? path
            : throw new FarmException($"{path} does not exist: farm server needs farm-server beside farm (deploy/publish-cli.sh puts it there)");
    }

    [LibraryImport("libc", EntryPoint = "execv", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int ExecV(string path, string?[] argv);
}
