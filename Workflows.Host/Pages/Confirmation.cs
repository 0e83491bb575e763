using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Workflows.Host.Pages;

/// <summary>
/// The question a destructive or irreversible form asks before it acts, answered on the server so it holds without
/// JavaScript: the first POST (without <c>confirmed=1</c>) acts on nothing and shows this box — the question, what will
/// happen, a button that posts the same fields again with <c>confirmed=1</c>, and the way back. site.js asks the same
/// question in a dialog and, when it is answered yes, sends <c>confirmed=1</c> at once.
/// </summary>
/// <param name="Action">Where the form posted (the page and its handler), to post the confirmed form to.</param>
/// <param name="Fields">The fields the form posted, sent again unchanged.</param>
public sealed record Confirmation(string Question, IReadOnlyList<string> Details, string Button, string CancelUrl, string Action,
    IReadOnlyList<KeyValuePair<string, string>> Fields)
{
    public const string Field = "confirmed";

    private const string AntiforgeryField = "__RequestVerificationToken";

    /// <summary>Whether this POST carries the answer yes.</summary>
    public static bool Given(PageModel page) => page.Request.HasFormContentType && page.Request.Form[Field] == "1";

    /// <summary>The box for this POST: its address and its fields, to be sent again when confirmed.</summary>
    public static Confirmation For(PageModel page, string question, string button, string cancelUrl, params IEnumerable<string> details) =>
        new(question, [.. details.Where(d => !string.IsNullOrWhiteSpace(d))], button, cancelUrl, page.Request.Path + page.Request.QueryString,
            page.Request.HasFormContentType
                ? [.. page.Request.Form.Where(f => f.Key is not (AntiforgeryField or Field)).SelectMany(f => f.Value.Select(v => KeyValuePair.Create(f.Key, v ?? "")))]
                : []);
}
