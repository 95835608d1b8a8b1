namespace BuildFarm.Oci.Registry.Internal;

/// <summary>
/// Sends a request, again and again with backoff while the registry answers 5xx or the network
/// fails, up to the policy's attempts. The request is made anew for each attempt because an
/// <see cref="HttpRequestMessage"/> and its content can be sent only once.
/// </summary>
internal sealed class RetryingSender(HttpClient http, RegistryClientOptions options)
{
    public async Task<HttpResponseMessage> SendAsync(Func<CancellationToken, ValueTask<HttpRequestMessage>> createRequest, CancellationToken cancellationToken)
    {
        var policy = options.Retry;
        for (var attempt = 1; ; attempt++)
        {
            if (attempt > 1)
            {
                await Task.Delay(policy.DelayBefore(attempt), options.TimeProvider, cancellationToken).ConfigureAwait(false);
            }

            using var request = await createRequest(cancellationToken).ConfigureAwait(false);
            HttpResponseMessage response;
            try
            {
                response = await SendOnceAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e, cancellationToken))
            {
                if (attempt < policy.MaxAttempts)
                {
                    continue;
                }

                throw new RegistryException(
                    $"{request.Method} {request.RequestUri}: failed after {attempt} attempt(s): {Describe(e)}", innerException: e);
            }

            if ((int)response.StatusCode >= 500 && attempt < policy.MaxAttempts)
            {
                response.Dispose();
                continue;
            }

            return response;
        }
    }

    private async Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // The timeout is a guard against a registry that never answers, not logic under test, so
        // it runs on the real clock: a test clock that fires timers at once would cancel every request.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.RequestTimeout);
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
    }

    private static bool IsTransient(Exception e, CancellationToken cancellationToken) =>
        e is HttpRequestException or IOException
        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private static string Describe(Exception e) =>
        e is OperationCanceledException ? "no answer within the request timeout" : e.Message;
}
