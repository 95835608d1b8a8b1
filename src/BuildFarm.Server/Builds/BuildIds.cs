using System.Security.Cryptography;

namespace BuildFarm.Server.Builds;

/// <summary>Build ids: a UTC time stamp to sort by, then random letters (<c>20261125-081502-k3j9x2q8</c>).</summary>
internal static class BuildIds
{
    private const string Letters = "abcdefghijklmnopqrstuvwxyz0123456789";

    public static string New(TimeProvider time) =>
        $"{time.GetUtcNow():yyyyMMdd-HHmmss}-{RandomNumberGenerator.GetString(Letters, 8)}";

    public static bool IsValid(string id) =>
        id.Length == 24 && id[8] == '-' && id[15] == '-' && id.All(c => c == '-' || Letters.Contains(c, StringComparison.Ordinal));
}
