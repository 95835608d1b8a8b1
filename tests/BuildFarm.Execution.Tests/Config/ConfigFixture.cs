using System.Text;
using BuildFarm.Dockerfile.Planning;
using BuildFarm.Execution.Config;
using BuildFarm.Oci.Images;

namespace BuildFarm.Execution.Tests.Config;

/// <summary>Plans a Dockerfile with the real planner and applies its target stage to a config.</summary>
internal static class ConfigFixture
{
    public static readonly DateTimeOffset Epoch = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    public static readonly Platform Linux = new() { OS = "linux", Architecture = "amd64" };

    public static (ImageConfig Config, IReadOnlyList<AppliedStep> Steps) Apply(string dockerfile, ImageConfig? baseImage = null, IReadOnlyDictionary<string, string>? buildArgs = null)
    {
        var options = new BuildPlanOptions
        {
            Platform = "linux/amd64",
            BuildArgs = buildArgs ?? new Dictionary<string, string>(),
            BaseImages = baseImage is null ? null : new KnownBase(baseImage),
        };
        var plan = BuildPlanner.Plan(dockerfile, "Dockerfile", options);
        var builder = plan.Target.Base.Kind == StageBaseKind.Scratch
            ? ImageConfigBuilder.FromScratch(Linux, Epoch)
            : ImageConfigBuilder.FromBase(baseImage ?? throw new ArgumentException("the Dockerfile needs a base image"), Epoch);
        var applied = plan.Target.Steps.Select(builder.Apply).ToList();
        return (builder.Build(), applied);
    }

    public static ImageConfig Config(string dockerfile, ImageConfig? baseImage = null) => Apply(dockerfile, baseImage).Config;

    /// <summary>The history lines the Dockerfile's own steps added (after the base's).</summary>
    public static IReadOnlyList<string?> History(string dockerfile, ImageConfig? baseImage = null, IReadOnlyDictionary<string, string>? buildArgs = null) =>
        Apply(dockerfile, baseImage, buildArgs).Steps.Where(s => s.History is not null).Select(s => s.History!.CreatedBy).ToList();

    public static string Json(ImageConfig config) => Encoding.UTF8.GetString(config.ToJson());

    private sealed class KnownBase(ImageConfig image) : IBaseImageConfigSource
    {
        public BaseImageConfig? Find(string reference, string platform)
        {
            var config = image.Config ?? new ContainerConfig();
            return new BaseImageConfig(config.Env ?? [], config.WorkingDir ?? string.Empty, config.User ?? string.Empty, config.Shell ?? []);
        }
    }
}
