namespace BuildFarm.Dockerfile.Instructions;

/// <summary><c>HEALTHCHECK [flags] CMD command</c> or <c>HEALTHCHECK NONE</c>.</summary>
/// <param name="Test">
/// As the image config stores it: <c>["NONE"]</c>, <c>["CMD", exec args...]</c> or
/// <c>["CMD-SHELL", command]</c>.
/// </param>
/// <param name="Interval"><c>--interval</c>; zero when not given (the runtime default applies).</param>
/// <param name="Timeout"><c>--timeout</c>; zero when not given.</param>
/// <param name="StartPeriod"><c>--start-period</c>; zero when not given.</param>
/// <param name="StartInterval"><c>--start-interval</c>; zero when not given.</param>
/// <param name="Retries"><c>--retries</c>; zero when not given.</param>
public sealed record HealthcheckInstruction(
    IReadOnlyList<string> Test,
    GoDuration Interval,
    GoDuration Timeout,
    GoDuration StartPeriod,
    GoDuration StartInterval,
    int Retries) : Instruction
{
    public override string Keyword => "HEALTHCHECK";

    /// <summary>True for <c>HEALTHCHECK NONE</c>, which turns off a check inherited from the base image.</summary>
    public bool Disables => Test is ["NONE"];
}
