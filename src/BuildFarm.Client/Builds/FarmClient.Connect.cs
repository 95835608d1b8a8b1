using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace BuildFarm.Client.Builds;

/// <summary>Connecting to one of a cluster's silos: every silo serves the whole API, so any that answers will do.</summary>
public sealed partial class FarmClient
{
    /// <summary>How long a silo may take to answer its health check before the next is tried.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// A client of the first of <paramref name="addresses"/> whose gRPC health check answers
    /// Serving within <see cref="ProbeTimeout"/>, tried in order.
    /// </summary>
    /// <exception cref="FarmUnavailableException">None answered; the message names each address and why.</exception>
    public static async Task<FarmClient> ConnectAsync(IReadOnlyList<Uri> addresses, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        if (addresses.Count == 0)
        {
            throw new ArgumentException("no farm server address given", nameof(addresses));
        }

        var failures = new List<string>();
        foreach (var address in addresses)
        {
            var channel = CreateChannel(address);
            try
            {
                var response = await new Health.HealthClient(channel)
                    .CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow + ProbeTimeout, cancellationToken: cancellationToken)
                    .ConfigureAwait(false);
                if (response.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return new FarmClient(channel);
                }

                failures.Add($"{address} is {response.Status}");
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unimplemented)
            {
                failures.Add($"{address} did not answer ({e.StatusCode}: {e.Status.Detail})");
            }

            channel.Dispose();
        }

        throw new FarmUnavailableException($"no farm server answered: {string.Join("; ", failures)}");
    }
}

/// <summary>None of the farm servers a client was given answered.</summary>
public sealed class FarmUnavailableException(string message) : Exception(message);
