using System.Globalization;

namespace BuildFarm.LoadTests.Load;

/// <summary>How often each kind of build is picked: <c>cold=1,warm=3,edited=2</c> picks warm builds half the time.</summary>
public sealed class BuildMix
{
    private readonly IReadOnlyDictionary<BuildKind, int> _weights;
    private readonly int _total;

    private BuildMix(IReadOnlyDictionary<BuildKind, int> weights)
    {
        _weights = weights;
        _total = weights.Values.Sum();
    }

    public static BuildMix Default { get; } = Parse("cold=1,warm=3,edited=2");

    /// <exception cref="FormatException">Not KIND=WEIGHT pairs of the three kinds, or no weight above 0.</exception>
    public static BuildMix Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var weights = Enum.GetValues<BuildKind>().ToDictionary(static kind => kind, static _ => 0);
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = pair.Split('=');
            if (parts.Length != 2 || !Enum.TryParse<BuildKind>(parts[0], ignoreCase: true, out var kind) || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var weight) || weight > 1000)
            {
                throw new FormatException($"--mix \"{text}\": \"{pair}\" is not KIND=WEIGHT (cold, warm or edited, and a whole number up to 1000)");
            }

            weights[kind] = weight;
        }

        return weights.Values.Sum() > 0 ? new BuildMix(weights) : throw new FormatException($"--mix \"{text}\" gives no kind of build a weight above 0");
    }

    public BuildKind Pick(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var ticket = random.Next(_total);
        foreach (var (kind, weight) in _weights)
        {
            if (ticket < weight)
            {
                return kind;
            }

            ticket -= weight;
        }

        throw new InvalidOperationException("a ticket past the weights' total");
    }

    public override string ToString() => string.Join(", ", _weights.Select(static pair => $"{pair.Key.ToString().ToLowerInvariant()} {pair.Value}"));
}
