namespace BuildFarm.Benchmarks.Farm;

/// <summary>
/// Where a <c>farm build</c>'s wall time went, each phase from one boundary to the next so that
/// they add up to the whole. The boundaries are what can be seen from outside the CLI: the calls
/// the server logged (<see cref="ServerRequestLog"/>) and the build's events.
/// </summary>
/// <param name="ToFirstCall">Process start to the first call to the server: the CLI's start-up and the context's walk and hashing.</param>
/// <param name="FindMissing">The <c>Content/FindMissing</c> calls: which of the context's blobs the farm lacks.</param>
/// <param name="Upload">To the end of the last <c>Content/Upload</c> or <c>Content/UploadBatch</c>, when anything was missing.</param>
/// <param name="SubmitToFirstEvent">To the build's first event: the submit and the farm's planning.</param>
/// <param name="Build">First event to last: the steps and the image.</param>
/// <param name="ToExit">Last event to the process's exit: the metadata file and the CLI's exit.</param>
public sealed record FarmPhases(double ToFirstCall, double FindMissing, double Upload, double SubmitToFirstEvent, double Build, double ToExit)
{
    public const string FindMissingMethod = "Content/FindMissing";
    public const string UploadMethod = "Content/Upload";
    public const string UploadBatchMethod = "Content/UploadBatch";

    public static FarmPhases Of(FarmBuild build)
    {
        ArgumentNullException.ThrowIfNull(build);
        var firstCall = build.Requests.Count == 0 ? build.FirstEvent : build.Requests.Min(request => request.Started);
        var findMissingEnd = EndOf(build, FindMissingMethod) ?? firstCall;
        var uploadEnd = EndOf(build, UploadMethod, UploadBatchMethod) ?? findMissingEnd;
        return new FarmPhases(
            firstCall,
            findMissingEnd - firstCall,
            uploadEnd - findMissingEnd,
            build.FirstEvent - uploadEnd,
            build.LastEvent - build.FirstEvent,
            build.Seconds - build.LastEvent);
    }

    private static double? EndOf(FarmBuild build, params string[] methods) =>
        build.Requests.Where(request => methods.Contains(request.Method)).Select(request => (double?)request.Finished).Max();
}
