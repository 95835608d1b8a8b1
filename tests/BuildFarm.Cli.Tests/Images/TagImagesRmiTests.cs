using BuildFarm.Cli.Tests.TestSupport;

namespace BuildFarm.Cli.Tests.Images;

/// <summary><c>farm tag</c>, <c>farm images</c> and <c>farm rmi</c>: names normalised and shown the way docker shows them.</summary>
public sealed class TagImagesRmiTests : IDisposable
{
    private readonly FarmSession _farm = new();

    [Fact]
    public async Task Tags_are_listed_one_row_each_in_docker_short_form()
    {
        var busybox = await _farm.LoadBusyboxAsync();

        Assert.Equal("", await _farm.RunCheckedAsync("tag", "busybox", "localhost:5000/app:abc123"));
        await _farm.RunCheckedAsync("tag", "docker.io/library/busybox:latest", "me/app");
        await _farm.RunCheckedAsync("tag", "busybox:latest", "127.0.0.1:5000/team/app:latest");
        var images = await _farm.RunCheckedAsync("images");

        var row = $"{busybox.ShortId}   56 years ago   {busybox.Size}\n";
        Assert.Equal(
            "REPOSITORY                TAG       IMAGE ID       CREATED        SIZE\n"
            + $"127.0.0.1:5000/team/app   latest    {row}"
            + $"busybox                   latest    {row}"
            + $"localhost:5000/app        abc123    {row}"
            + $"me/app                    latest    {row}",
            images);
    }

    [Fact]
    public async Task A_tag_can_be_moved_and_the_same_name_written_differently_is_one_name()
    {
        var busybox = await _farm.LoadBusyboxAsync();
        await _farm.RunCheckedAsync("tag", "busybox", "app");

        await _farm.RunCheckedAsync("tag", busybox.ShortId, "docker.io/library/app:latest");

        Assert.Equal($"{busybox.ShortId}\n{busybox.ShortId}\n", await _farm.RunCheckedAsync("images", "-q"));
    }

    [Fact]
    public async Task Rmi_by_name_untags_only_that_name()
    {
        var busybox = await _farm.LoadBusyboxAsync();
        await _farm.RunCheckedAsync("tag", "busybox", "app:1");

        Assert.Equal("Untagged: app:1\n", await _farm.RunCheckedAsync("rmi", "docker.io/library/app:1"));

        Assert.Equal(
            "REPOSITORY   TAG       IMAGE ID       CREATED        SIZE\n"
            + $"busybox      latest    {busybox.ShortId}   56 years ago   {busybox.Size}\n",
            await _farm.RunCheckedAsync("images"));
    }

    [Fact]
    public async Task Rmi_by_ID_of_an_image_with_two_names_needs_force()
    {
        var busybox = await _farm.LoadBusyboxAsync();
        await _farm.RunCheckedAsync("tag", "busybox", "app:1");

        var refused = await _farm.RunAsync("rmi", busybox.ShortId);
        var forced = await _farm.RunCheckedAsync("rmi", "-f", busybox.ShortId);

        Assert.Equal(new FarmResult(1, "", $"Error: conflict: unable to delete {busybox.ShortId} (must be forced) - image is referenced in multiple repositories\n"), refused);
        Assert.Equal("Untagged: app:1\nUntagged: busybox:latest\n", forced);
        Assert.Equal("", await _farm.RunCheckedAsync("images", "-q"));
    }

    [Fact]
    public async Task A_tag_with_a_digest_is_refused()
    {
        await _farm.LoadBusyboxAsync();

        var result = await _farm.RunAsync("tag", "busybox", "app@sha256:" + new string('0', 64));

        Assert.Equal(new FarmResult(1, "", $"Error: refusing to create a tag with a digest reference: app@sha256:{new string('0', 64)}\n"), result);
    }

    [Fact]
    public async Task An_empty_store_lists_only_the_header()
    {
        Assert.Equal("REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n", await _farm.RunCheckedAsync("images"));
    }

    public void Dispose() => _farm.Dispose();
}
