namespace BuildFarm.Grains;

/// <summary>The name the farm's grain storage is registered under.</summary>
public static class GrainStorage
{
    public const string Name = "buildfarm";
}
