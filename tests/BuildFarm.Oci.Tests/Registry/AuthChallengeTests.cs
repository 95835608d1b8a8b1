using System.Net.Http.Headers;
using BuildFarm.Oci.Registry.Auth;

namespace BuildFarm.Oci.Tests.Registry;

public class AuthChallengeTests
{
    [Fact]
    public void Parses_a_bearer_challenge_with_a_comma_inside_a_quoted_scope()
    {
        var challenge = AuthChallenge.Parse(AuthenticationHeaderValue.Parse(
            "Bearer realm=\"https://auth.example.com/token\",service=\"registry.example.com\",scope=\"repository:team/app:pull,push\""));

        Assert.True(challenge.IsBearer);
        Assert.False(challenge.IsBasic);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["realm"] = "https://auth.example.com/token",
                ["service"] = "registry.example.com",
                ["scope"] = "repository:team/app:pull,push",
            },
            challenge.Parameters);
    }

    [Fact]
    public void Parses_unquoted_values_escapes_spaces_and_case_insensitive_names()
    {
        var parameters = AuthChallenge.ParseParameters("Realm=plain , error=\"insufficient_scope\",  note=\"say \\\"hi\\\"\", token68only");

        Assert.Equal(3, parameters.Count);
        Assert.Equal("plain", parameters["realm"]);
        Assert.Equal("insufficient_scope", parameters["ERROR"]);
        Assert.Equal("say \"hi\"", parameters["note"]);
    }

    [Fact]
    public void Reads_every_challenge_of_a_response()
    {
        using var response = new HttpResponseMessage(System.Net.HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.ParseAdd("Basic realm=\"registry\"");
        response.Headers.WwwAuthenticate.ParseAdd("Bearer realm=\"http://127.0.0.1:1/token\",service=\"s\"");

        var challenges = AuthChallenge.FromResponse(response);

        Assert.Equal(["Basic", "Bearer"], challenges.Select(c => c.Scheme));
        Assert.Equal("registry", challenges[0]["realm"]);
        Assert.Equal("s", challenges[1]["service"]);
        Assert.Null(challenges[1]["scope"]);
    }

    [Fact]
    public void An_unterminated_quote_ends_the_value_at_the_end_of_the_header()
    {
        Assert.Equal("abc", AuthChallenge.ParseParameters("realm=\"abc")["realm"]);
    }
}
