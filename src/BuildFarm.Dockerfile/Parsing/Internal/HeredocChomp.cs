using System.Text;

namespace BuildFarm.Dockerfile.Parsing.Internal;

/// <summary>BuildKit's <c>ChompHeredocContent</c>: <c>&lt;&lt;-</c> drops the tabs that start each line.</summary>
internal static class HeredocChomp
{
    public static string RemoveLeadingTabs(string content)
    {
        var builder = new StringBuilder(content.Length);
        var atLineStart = true;
        foreach (var c in content)
        {
            if (atLineStart && c == '\t')
            {
                continue;
            }
            atLineStart = c == '\n';
            builder.Append(c);
        }
        return builder.ToString();
    }
}
