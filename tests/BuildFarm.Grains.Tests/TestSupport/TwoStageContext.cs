namespace BuildFarm.Grains.Tests.TestSupport;

/// <summary>A context whose Dockerfile has two independent stages and a third that copies from both.</summary>
public static class TwoStageContext
{
    /// <summary>
    /// Each stage's RUN holds its slot for <paramref name="seconds"/>, so with one slot a silo the
    /// second is placed while the first still runs; it prints <c>made-a</c> or <c>made-b</c>.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Files(int seconds) => new Dictionary<string, string>
    {
        ["Dockerfile"] = $"""
            FROM busybox AS a
            RUN sleep {seconds} && echo made-a && echo a > /a
            FROM busybox AS b
            RUN sleep {seconds} && echo made-b && echo b > /b
            FROM busybox
            COPY --from=a /a /a
            COPY --from=b /b /b

            """,
    };
}
