using BuildFarm.Api.V1;
using BuildFarm.Grains.Builds;
using BuildFarm.Server.Builds;
using BuildFarm.Storage;
using BuildFarm.Storage.Content;
using BuildFarm.Testing;
using Google.Protobuf;

namespace BuildFarm.Api.Tests.Builds;

/// <summary>
/// What a submitted build's outputs tell the engine: whether the image is read once the build
/// ends (an export or a push), so that a silo brings its layers while the build runs.
/// </summary>
public sealed class SubmittedOutputsTests : IDisposable
{
    private readonly TempDirectory _directory = new("buildfarm-outputs");
    private readonly ContentStore _store;

    public SubmittedOutputsTests()
    {
        _store = ContentStore.Open(new ContentStoreOptions { DataDirectory = _directory.Combine("data") });
    }

    public void Dispose()
    {
        _store.Dispose();
        _directory.Dispose();
    }

    [Theory]
    [InlineData(null, false, false)]
    [InlineData(OutputType.Oci, false, true)]
    [InlineData(OutputType.Docker, false, true)]
    [InlineData(OutputType.Local, false, true)]
    [InlineData(OutputType.Registry, false, true)]
    [InlineData(null, true, true)]
    public void An_image_is_exported_when_the_build_has_an_output_or_pushes(OutputType? output, bool push, bool exported)
    {
        var request = new SubmitRequest { DockerfileInline = ByteString.CopyFromUtf8("FROM busybox\n"), Push = push };
        request.Tags.Add("app:1");
        if (output is { } type)
        {
            request.Outputs.Add(new Output { Type = type });
        }

        var spec = BuildRequests.ToSpec(request, _store);

        Assert.Equal((exported, exported), (spec.Exported, spec.ToBuildRequest().ImageIsExported));
    }
}
