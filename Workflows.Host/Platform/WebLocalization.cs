using System.Globalization;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Localization;

namespace Workflows.Host.Platform;

/// <summary>
/// The UI speaks Chinese (zh-CN) unless the person switched to English; the choice lives in the
/// culture cookie. The browser's Accept-Language is deliberately not consulted: the department works
/// in Chinese, and an English browser should not surprise a colleague looking over a shoulder.
/// </summary>
public static class WebLocalization
{
    public const string Chinese = "zh-CN";
    public const string English = "en";

    public static readonly CultureInfo[] Cultures = [new(Chinese), new(English)];

    public static IHostApplicationBuilder AddWebLocalization(this IHostApplicationBuilder builder)
    {
        // One reader of the resources: IStringLocalizer<SharedResource> reads through the glossary (docs/architecture.md §The web).
        builder.Services.AddLocalization();
        builder.Services.Replace(ServiceDescriptor.Singleton<IStringLocalizerFactory, GlossaryLocalizerFactory>());
        builder.Services.Configure<RequestLocalizationOptions>(o =>
        {
            o.DefaultRequestCulture = new RequestCulture(Chinese);
            o.SupportedCultures = Cultures;
            o.SupportedUICultures = Cultures;
            o.RequestCultureProviders = [new CookieRequestCultureProvider()];
        });
        // Razor encodes everything outside Basic Latin as &#x…; by default: Chinese pages would be numeric
        // entities. Allowing all Unicode ranges keeps them readable; <, >, &, quotes are still encoded.
        builder.Services.Configure<Microsoft.Extensions.WebEncoders.WebEncoderOptions>(o =>
            o.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));
        return builder;
    }

    public static bool IsSupported(string? culture) =>
        Cultures.Any(c => string.Equals(c.Name, culture, StringComparison.OrdinalIgnoreCase));

    /// <summary>A domain word (rank, status, action, role, history kind) in the UI language; the raw word when there is no translation.</summary>
    public static string Term(this IStringLocalizer localizer, string group, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "—";
        }

        var found = localizer[group + "." + value];
        if (!found.ResourceNotFound)
        {
            return found.Value;
        }

        // Terms added since (the glossary's W19_ entries: roles, field names, values).
        var added = localizer["W19_" + group + "." + value];
        return added.ResourceNotFound ? value : added.Value;
    }
}
