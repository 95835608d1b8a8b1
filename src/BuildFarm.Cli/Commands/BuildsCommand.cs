using System.CommandLine;
using BuildFarm.Api.V1;
using BuildFarm.Cli.Building;
using BuildFarm.Cli.Formatting;

namespace BuildFarm.Cli.Commands;

/// <summary><c>farm builds ls|logs|cancel</c>: the builds the farm knows, running or ended.</summary>
internal static class BuildsCommand
{
    public static Command Create(FarmContext context)
    {
        var command = new Command("builds", "List, follow and cancel the farm's builds.");
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(Logs(context));
        command.Subcommands.Add(Cancel(context));
        return command;
    }

    private static Command List(FarmContext context)
    {
        var command = new Command("ls", "List builds, most recent first.");
        FarmAction.Set(command, async (parseResult, cancellationToken) =>
        {
            using var client = await context.ConnectAsync(parseResult, cancellationToken).ConfigureAwait(false);
            var builds = await client.Builds.ListAsync(new ListBuildsRequest(), cancellationToken: cancellationToken).ConfigureAwait(false);
            var table = new TextTable("BUILD ID", "STATE", "SUBMITTED", "IMAGE");
            foreach (var build in builds.Builds)
            {
                table.Add(
                    build.BuildId,
                    build.State.ToString().ToLowerInvariant(),
                    build.Submitted?.ToDateTimeOffset().ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
                    string.Join(',', build.Request.Tags));
            }

            table.WriteTo(parseResult.InvocationConfiguration.Output);
        });
        return command;
    }

    private static Command Logs(FarmContext context)
    {
        var id = new Argument<string>("BUILD") { Description = "The build id (farm builds ls)." };
        var command = new Command("logs", "Show a build's progress and output, following it until it ends.") { id };
        FarmAction.Set(command, async (parseResult, cancellationToken) =>
        {
            using var client = await context.ConnectAsync(parseResult, cancellationToken).ConfigureAwait(false);
            var printer = new PlainProgress(parseResult.InvocationConfiguration.Output);
            await foreach (var buildEvent in client.WatchAsync(parseResult.GetValue(id)!, 1, cancellationToken).ConfigureAwait(false))
            {
                await printer.ShowAsync(buildEvent).ConfigureAwait(false);
                if (buildEvent.KindCase == BuildEvent.KindOneofCase.BuildFailed)
                {
                    await parseResult.InvocationConfiguration.Output.WriteLineAsync($"ERROR: {buildEvent.BuildFailed.Error}").ConfigureAwait(false);
                }
            }
        });
        return command;
    }

    private static Command Cancel(FarmContext context)
    {
        var id = new Argument<string>("BUILD") { Description = "The build id (farm builds ls)." };
        var command = new Command("cancel", "Stop a running build: its process is killed and its mounts released.") { id };
        FarmAction.Set(command, async (parseResult, cancellationToken) =>
        {
            using var client = await context.ConnectAsync(parseResult, cancellationToken).ConfigureAwait(false);
            var state = await client.CancelAsync(parseResult.GetValue(id)!, cancellationToken).ConfigureAwait(false);
            await parseResult.InvocationConfiguration.Output.WriteLineAsync($"{parseResult.GetValue(id)}: {state.ToString().ToLowerInvariant()}").ConfigureAwait(false);
        });
        return command;
    }
}
