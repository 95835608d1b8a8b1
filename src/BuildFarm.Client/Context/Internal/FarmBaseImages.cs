using BuildFarm.Dockerfile.Planning;

namespace BuildFarm.Client.Context.Internal;

/// <summary>The base image configs a farm answered with, by image and platform; an image it does not have is unknown.</summary>
internal sealed class FarmBaseImages(Api.V1.BaseImageConfigsResponse response) : IBaseImageConfigSource
{
    private readonly Dictionary<(string Image, string Platform), BaseImageConfig> _configs = response.Configs
        .Where(static config => config.Found)
        .ToDictionary(
            static config => (config.Ref.Image, config.Ref.Platform),
            static config => new BaseImageConfig([.. config.Env], config.WorkingDir, config.User, [.. config.Shell]) { OnBuild = [.. config.OnBuild] });

    public BaseImageConfig? Find(string reference, string platform) => _configs.GetValueOrDefault((reference, platform));
}
