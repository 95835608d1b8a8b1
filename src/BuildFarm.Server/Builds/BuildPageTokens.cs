using System.Globalization;
using System.Text;
using Grpc.Core;

namespace BuildFarm.Server.Builds;

/// <summary>
/// <c>ListBuilds</c> page tokens: opaque to clients, they hold the index ordinal the next page
/// lists before, so a page stays where it was while newer builds arrive.
/// </summary>
internal static class BuildPageTokens
{
    private const string Prefix = "before:";

    public static string Encode(long before) =>
        before <= 0 ? string.Empty : Convert.ToBase64String(Encoding.UTF8.GetBytes(Prefix + before.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The ordinal to list before: 0 for the first page.</summary>
    /// <exception cref="RpcException">INVALID_ARGUMENT: not a token this server gave.</exception>
    public static long Decode(string token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return 0;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            if (text.StartsWith(Prefix, StringComparison.Ordinal)
                && long.TryParse(text.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var before)
                && before > 0)
            {
                return before;
            }
        }
        catch (FormatException)
        {
        }

        throw new RpcException(new Status(StatusCode.InvalidArgument, $"page_token \"{token}\" is not a token this server gave: pass the next_page_token of the previous page, or none for the first."));
    }
}
