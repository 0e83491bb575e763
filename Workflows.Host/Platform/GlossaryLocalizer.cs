using Microsoft.Extensions.Localization;

namespace Workflows.Host.Platform;

/// <summary>
/// The pages' localizer (<c>IStringLocalizer&lt;SharedResource&gt;</c>, <c>@L</c> in every view) as a face of
/// <see cref="Glossary"/>: the same resource reader and the same choice of language (the request's, Chinese for a
/// background thread), so the pages, the API's details, the notifications and the exports say one thing one way.
/// </summary>
public sealed class GlossaryLocalizer : IStringLocalizer
{
    public static readonly GlossaryLocalizer Instance = new();

    private GlossaryLocalizer()
    {
    }

    public LocalizedString this[string name] => Glossary.Find(name);

    public LocalizedString this[string name, params object[] arguments] => Glossary.Find(name, arguments);

    public IEnumerable<LocalizedString> GetAllStrings(bool includeParentCultures) => Glossary.All();
}

/// <summary>Every localizer the host asks for is the glossary's: the host has one resource file, SharedResource.</summary>
public sealed class GlossaryLocalizerFactory : IStringLocalizerFactory
{
    public IStringLocalizer Create(Type resourceSource) => GlossaryLocalizer.Instance;

    public IStringLocalizer Create(string baseName, string location) => GlossaryLocalizer.Instance;
}
