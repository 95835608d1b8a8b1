using System.Net.Http.Headers;
using System.Text;

namespace BuildFarm.Oci.Registry.Auth;

/// <summary>
/// One challenge of a <c>WWW-Authenticate</c> header (RFC 7235): a scheme and its parameters,
/// e.g. <c>Bearer realm="https://auth.example/token",service="registry.example",scope="repository:app:pull"</c>.
/// </summary>
public sealed record AuthChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    public bool IsBearer => Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase);

    public bool IsBasic => Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase);

    public string? this[string parameter] => Parameters.GetValueOrDefault(parameter);

    /// <summary>The challenges of a response; empty when it has none.</summary>
    public static IReadOnlyList<AuthChallenge> FromResponse(HttpResponseMessage response) =>
        [.. response.Headers.WwwAuthenticate.Select(Parse)];

    public static AuthChallenge Parse(AuthenticationHeaderValue header) =>
        new(header.Scheme, ParseParameters(header.Parameter ?? string.Empty));

    /// <summary>Parses <c>name=value</c> or <c>name="quoted \" value"</c> pairs separated by commas.</summary>
    public static IReadOnlyDictionary<string, string> ParseParameters(string text)
    {
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && (text[i] == ',' || char.IsWhiteSpace(text[i])))
            {
                i++;
            }

            var nameStart = i;
            while (i < text.Length && text[i] != '=' && text[i] != ',')
            {
                i++;
            }

            var name = text[nameStart..i].Trim();
            if (i >= text.Length || text[i] != '=')
            {
                // A bare token (token68 or garbage) carries no parameter a registry client uses.
                continue;
            }

            i++;
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            string value;
            if (i < text.Length && text[i] == '"')
            {
                var quoted = new StringBuilder();
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }

                    quoted.Append(text[i]);
                    i++;
                }

                i++; // the closing quote (or past the end when it is missing)
                value = quoted.ToString();
            }
            else
            {
                var valueStart = i;
                while (i < text.Length && text[i] != ',')
                {
                    i++;
                }

                value = text[valueStart..i].Trim();
            }

            if (name.Length > 0)
            {
                parameters[name] = value;
            }
        }

        return parameters;
    }
}
