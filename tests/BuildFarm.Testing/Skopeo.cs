using System.Text.Json;

namespace BuildFarm.Testing;

/// <summary>skopeo, the independent peer that checks what our registry and layout code wrote.</summary>
public static class Skopeo
{
    /// <summary>The manifest digest of an image (<c>docker://host/repo:tag</c>, <c>oci-archive:file:ref</c>, ...).</summary>
    public static async Task<string> InspectDigestAsync(string image, params string[] options)
    {
        using var document = await InspectAsync(image, options);
        return document.RootElement.GetProperty("Digest").GetString()!;
    }

    /// <summary><c>skopeo inspect</c> of an image, TLS verification off for docker:// (test registries speak plain HTTP).</summary>
    public static async Task<JsonDocument> InspectAsync(string image, params string[] options) =>
        JsonDocument.Parse(await ProcessRunner.RunCheckedAsync("skopeo", ["inspect", .. TlsOff(image), .. options, image]));

    /// <summary><c>skopeo inspect --raw</c>: the exact manifest bytes the source holds.</summary>
    public static Task<string> InspectRawAsync(string image, params string[] options) =>
        ProcessRunner.RunCheckedAsync("skopeo", ["inspect", "--raw", .. TlsOff(image), .. options, image]);

    public static Task<string> CopyAsync(string source, string destination, params string[] options) =>
        ProcessRunner.RunCheckedAsync(
            "skopeo",
            ["copy", "--quiet", .. TlsOff(source, "--src-tls-verify=false"), .. TlsOff(destination, "--dest-tls-verify=false"), .. options, source, destination]);

    private static string[] TlsOff(string image, string flag = "--tls-verify=false") =>
        image.StartsWith("docker://", StringComparison.Ordinal) ? [flag] : [];
}
