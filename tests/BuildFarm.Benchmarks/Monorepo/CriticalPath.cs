namespace BuildFarm.Benchmarks.Monorepo;

/// <summary>
/// The floor under a build that runs its stages in parallel: the longest chain of dependent RUN
/// commands through the stage graph, each counted at what it costs alone (<see cref="RunCommandsAlone"/>).
/// A stage whose RUN did not run adds nothing but still links the stages around it.
/// </summary>
public static class CriticalPath
{
    /// <param name="inputs">Each stage with a RUN and the stages whose RUN results its RUN reads.</param>
    /// <param name="runSeconds">What each stage's RUN costs alone.</param>
    /// <param name="ran">Whether the build ran the stage's RUN.</param>
    public static double Seconds(IReadOnlyDictionary<string, string[]> inputs, IReadOnlyDictionary<string, double> runSeconds, Func<string, bool> ran)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(runSeconds);
        ArgumentNullException.ThrowIfNull(ran);
        var longestTo = new Dictionary<string, double>(StringComparer.Ordinal);
        double Through(string stage)
        {
            if (!longestTo.TryGetValue(stage, out var seconds))
            {
                seconds = (ran(stage) ? runSeconds[stage] : 0) + inputs[stage].Select(Through).DefaultIfEmpty(0).Max();
                longestTo[stage] = seconds;
            }

            return seconds;
        }

        return inputs.Keys.Select(Through).DefaultIfEmpty(0).Max();
    }
}
