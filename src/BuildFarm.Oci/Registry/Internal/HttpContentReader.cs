using System.Net;
using System.Text;
using System.Text.Json;

namespace BuildFarm.Oci.Registry.Internal;

/// <summary>Reads small registry bodies (manifests, tokens, error documents) with a size limit.</summary>
internal static class HttpContentReader
{
    // A registry error body or token is a few hundred bytes; this only stops a runaway answer.
    private const int ErrorBodyLimit = 64 * 1024;

    public static async Task<byte[]> ReadLimitedAsync(HttpResponseMessage response, long limit, string what, CancellationToken cancellationToken)
    {
        var declared = response.Content.Headers.ContentLength;
        if (declared > limit)
        {
            throw new RegistryException($"{Describe(response)}: the {what} is {declared} bytes, more than the limit of {limit}.");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw new RegistryException($"{Describe(response)}: the {what} is more than the limit of {limit} bytes.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>The exception for a failed answer, with the registry's error codes when it sent them.</summary>
    public static async Task<RegistryException> ToExceptionAsync(HttpResponseMessage response, string? hint, CancellationToken cancellationToken)
    {
        var errors = await ReadErrorsAsync(response, cancellationToken).ConfigureAwait(false);
        var message = new StringBuilder(Describe(response))
            .Append(": ").Append((int)response.StatusCode).Append(' ').Append(response.ReasonPhrase ?? response.StatusCode.ToString());
        foreach (var error in errors)
        {
            message.Append(": ").Append(error.Code).Append(": ").Append(error.Message);
        }

        if (hint is not null)
        {
            message.Append(" (").Append(hint).Append(')');
        }

        return new RegistryException(message.ToString(), response.StatusCode, errors);
    }

    public static string Describe(HttpResponseMessage response) =>
        response.RequestMessage is { } request ? $"{request.Method} {request.RequestUri}" : "registry request";

    private static async Task<IReadOnlyList<RegistryError>> ReadErrorsAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.RequestMessage?.Method == HttpMethod.Head || response.StatusCode == HttpStatusCode.NoContent)
        {
            return [];
        }

        byte[] body;
        try
        {
            body = await ReadLimitedAsync(response, ErrorBodyLimit, "error body", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RegistryException or IOException or HttpRequestException)
        {
            return [];
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("errors", out var list)
                || list.ValueKind != JsonValueKind.Array)
            {
                return [];
            }

            return [.. list.EnumerateArray()
                .Where(static e => e.ValueKind == JsonValueKind.Object)
                .Select(static e => new RegistryError(StringProperty(e, "code") ?? "UNKNOWN", StringProperty(e, "message") ?? string.Empty))];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static string? StringProperty(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
