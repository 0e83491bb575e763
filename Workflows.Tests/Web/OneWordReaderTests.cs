using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Localization;
using Workflows.Host;
using Workflows.Host.Platform;

namespace Workflows.Tests.Web;

/// <summary>
/// The pages' localizer and the glossary are one reader of the resources (docs/architecture.md §The web: one reader of the
/// words): every entry reads the same through both, in both languages, and a thread without a language (a background
/// job) gets the department's Chinese from both.
/// </summary>
public sealed class OneWordReaderTests
{
    private static IStringLocalizer<SharedResource> PagesLocalizer()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.AddWebLocalization();
        return builder.Build().Services.GetRequiredService<IStringLocalizer<SharedResource>>();
    }

    [Theory]
    [InlineData("zh-CN")]
    [InlineData("en")]
    public void EveryEntry_ReadsTheSame_ThroughThePagesAndTheGlossary(string culture)
    {
        var pages = PagesLocalizer();
        var saved = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(culture);
            var entries = pages.GetAllStrings(includeParentCultures: false).ToList();
            Assert.True(entries.Count > 500, $"Expected the resource file's entries, found {entries.Count}.");
            Assert.All(entries, e => Assert.Equal(Glossary.Say(e.Name), pages[e.Name].Value));
            Assert.Equal(Glossary.Term("Rank", "GroupLeader"), pages.Term("Rank", "GroupLeader"));
            Assert.Equal(culture == "en" ? "Group leader" : "组长", pages["Rank.GroupLeader"].Value);
            Assert.True(pages["No such entry"].ResourceNotFound);
            Assert.Equal("No such entry", pages["No such entry"].Value);
        }
        finally
        {
            CultureInfo.CurrentUICulture = CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void AThreadWithoutALanguage_ReadsChinese_ThroughBoth()
    {
        var pages = PagesLocalizer();
        var saved = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
            Assert.Equal("组长", Glossary.Term("Rank", "GroupLeader"));
            Assert.Equal("组长", pages["Rank.GroupLeader"].Value);
            Assert.Equal(Glossary.TooLong(10), pages["W19_TooLong", 10].Value);
        }
        finally
        {
            CultureInfo.CurrentUICulture = saved;
        }
    }
}
