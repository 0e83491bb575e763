using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Web;

/// <summary>
/// A browser-like session over the pages: signs in through /Account/Login with the form's
/// antiforgery token, keeps the cookies, and posts forms the way the pages render them.
/// </summary>
public sealed partial class WebSession : IDisposable
{
    private readonly HttpClient client;

    private WebSession(HttpClient client) => this.client = client;

    public static async Task<WebSession> SignInAsync(WorkflowsApp app, string userName, string password = WorkflowsApp.DemoPassword)
    {
        var session = new WebSession(app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true }));
        var (status, body) = await session.GetAsync("/Account/Login");
        Assert.Equal(HttpStatusCode.OK, status);
        var response = await session.PostFormAsync("/Account/Login", body, new() { ["UserName"] = userName, ["Password"] = password });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return session;
    }

    public async Task<(HttpStatusCode Status, string Body)> GetAsync(string url)
    {
        using var response = await client.GetAsync(url);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The whole response (headers, raw bytes), for downloads such as the CSV export.</summary>
    public Task<HttpResponseMessage> GetResponseAsync(string url) => client.GetAsync(url);

    /// <summary>Posts a form with the antiforgery token taken from <paramref name="pageHtml"/> (the page the form is on).</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string url, string pageHtml, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = AntiforgeryToken(pageHtml);
        using var content = new FormUrlEncodedContent(fields);
        return await client.PostAsync(url, content);
    }

    /// <summary>Posts a file upload form (multipart) with the antiforgery token taken from <paramref name="pageHtml"/>.</summary>
    public async Task<(HttpStatusCode Status, string Body)> PostFileAsync(string url, string pageHtml, string field, string fileName, byte[] bytes)
    {
        using var content = new MultipartFormDataContent
        {
            { new StringContent(AntiforgeryToken(pageHtml)), "__RequestVerificationToken" },
            { new ByteArrayContent(bytes), field, fileName },
        };
        using var response = await client.PostAsync(url, content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Posts fields that may repeat (checkboxes of one name), the token included by the caller.</summary>
    public async Task<HttpResponseMessage> PostPairsAsync(string url, IEnumerable<KeyValuePair<string, string>> fields)
    {
        using var content = new FormUrlEncodedContent(fields);
        return await client.PostAsync(url, content);
    }

    /// <summary>Posts, follows one local redirect (post/redirect/get), and returns the page shown.</summary>
    public async Task<(HttpStatusCode Status, string Body)> SubmitAsync(string url, string pageHtml, Dictionary<string, string> fields)
    {
        using var response = await PostFormAsync(url, pageHtml, fields);
        if (response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther)
        {
            return await GetAsync(response.Headers.Location!.OriginalString);
        }

        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Answers a page's own confirmation step (the #confirm-form a destructive form shows first) as a browser without
    /// JavaScript does: posts the form's hidden fields, as rendered, to its action, and follows one redirect.
    /// </summary>
    public async Task<(HttpStatusCode Status, string Body)> ConfirmAsync(string confirmationHtml)
    {
        var form = ConfirmForm().Match(confirmationHtml);
        Assert.True(form.Success, "The page asks no confirmation.");
        var action = WebUtility.HtmlDecode(Attribute(form.Groups[1].Value, "action"));
        var fields = InputTag().Matches(form.Groups[2].Value)
            .Select(input => new KeyValuePair<string, string>(WebUtility.HtmlDecode(Attribute(input.Value, "name")), WebUtility.HtmlDecode(Attribute(input.Value, "value"))))
            .ToList();
        using var response = await PostPairsAsync(action, fields);
        if (response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther)
        {
            return await GetAsync(response.Headers.Location!.OriginalString);
        }

        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string Attribute(string tag, string name) =>
        Regex.Match(tag, "\\s" + name + "=\"([^\"]*)\"") is { Success: true } m ? m.Groups[1].Value : "";

    [GeneratedRegex("<form([^>]*id=\"confirm-form\"[^>]*)>(.*?)</form>", RegexOptions.Singleline)]
    private static partial Regex ConfirmForm();

    [GeneratedRegex("<input[^>]*>")]
    private static partial Regex InputTag();

    public static string AntiforgeryToken(string html) =>
        TokenPattern().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value)
            : throw new InvalidOperationException("The page has no antiforgery token.");

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    /// <summary>Any request with the session's cookies (an API call a page's script — or another site — could make).</summary>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request) => client.SendAsync(request);

    public void Dispose() => client.Dispose();
}
