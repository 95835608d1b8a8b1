using System.CommandLine;
using BuildFarm.Oci.Registry;

namespace BuildFarm.Cli;

/// <summary>
/// Runs a command's work and turns the failures users cause or meet (bad input, unknown images,
/// unreadable archives, registry errors) into one <c>Error: ...</c> line on stderr and exit code 1.
/// Anything else is a bug and keeps its stack trace.
/// </summary>
internal static class FarmAction
{
    public static void Set(Command command, Func<ParseResult, CancellationToken, Task> action) =>
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            try
            {
                await action(parseResult, cancellationToken).ConfigureAwait(false);
                return 0;
            }
            catch (Exception e) when (IsExpected(e))
            {
                await parseResult.InvocationConfiguration.Error.WriteLineAsync($"Error: {MessageOf(e)}").ConfigureAwait(false);
                return 1;
            }
        });

    // A gRPC failure's own message repeats the status; its detail is what the server had to say.
    private static string MessageOf(Exception e) => e is Grpc.Core.RpcException rpc
        ? (rpc.StatusCode == Grpc.Core.StatusCode.Unavailable ? $"the farm server cannot be reached ({rpc.Status.Detail})" : rpc.Status.Detail)
        : e.Message;

    private static bool IsExpected(Exception e) =>
        e is FarmException or RegistryException or InvalidDataException or IOException or UnauthorizedAccessException or FormatException or NotSupportedException or HttpRequestException or Grpc.Core.RpcException;
}
