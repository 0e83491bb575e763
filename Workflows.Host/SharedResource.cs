namespace Workflows.Host;

/// <summary>
/// Marker for the web UI's strings: <c>IStringLocalizer&lt;SharedResource&gt;</c> reads
/// <c>Resources/SharedResource.{culture}.resx</c>. Keys are the English text, so a missing
/// translation shows English rather than a blank.
/// </summary>
#pragma warning disable CA1052 // A marker type for the localizer: it has no members and is never instantiated.
public sealed class SharedResource
#pragma warning restore CA1052
{
    private SharedResource()
    {
    }
}
