using System.Text.RegularExpressions;

namespace Workflows.Tests.Proofs;

/// <summary>
/// The repository documents itself: no tracked file points at documents kept outside it (the specification files a
/// clone does not have), and every relative link in the README, <c>docs/</c> and <c>designs/</c> leads to a tracked
/// file or folder of the repository. Anchors are not checked.
/// </summary>
public sealed partial class RepositoryLinksTests
{
    /// <summary>
    /// Files still citing the outside documents because the runtime is being reshaped (issue 15) by another branch,
    /// which repoints them. Remove each entry once its files point into <c>docs/</c>.
    /// </summary>
    private static readonly string[] NotYetRepointed = [];

    private static readonly string[] TextExtensions = [".md", ".cs", ".cshtml", ".json", ".csproj", ".props", ".sh", ".resx"];

    // The patterns are written so that this file does not match itself.

    /// <summary>The folder beside the repository the outside documents lived in.</summary>
    [GeneratedRegex(@"\.\./shared\b")]
    private static partial Regex OutsideFolder();

    /// <summary>The outside documents by name; case-sensitive, so <c>docs/api.md</c> is not one of them.</summary>
    [GeneratedRegex(@"(?<![\w/.\-])(DOMAIN|API|ARCHITECTURE|STYLE)\.md\b")]
    private static partial Regex OutsideDocument();

    /// <summary>An inline link or image: <c>[text](target "title")</c>.</summary>
    [GeneratedRegex(@"\[[^\]\n]*\]\(\s*<?(?<target>[^)\s>]+)>?(?:\s+""[^""\n]*"")?\s*\)")]
    private static partial Regex InlineLink();

    /// <summary>A reference definition: <c>[name]: target</c> at the start of a line.</summary>
    [GeneratedRegex(@"^ {0,3}\[[^\]\n]+\]:\s*<?(?<target>[^\s>]+)>?", RegexOptions.Multiline)]
    private static partial Regex ReferenceLink();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.\-]*:")]
    private static partial Regex Scheme();

    [GeneratedRegex(@"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FencedBlock();

    [GeneratedRegex(@"`[^`\n]*`")]
    private static partial Regex CodeSpan();

    /// <summary>A citation of a section, as the code comments write it: <c>docs/domain.md §Clean-record windows</c>.</summary>
    [GeneratedRegex(@"docs/(?<page>[a-z\-]+\.md) §(?<rest>[^\n]*)")]
    private static partial Regex SectionCitation();

    [GeneratedRegex(@"^#{1,6} +(?<heading>.+?) *$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [Fact]
    public void TrackedFiles_PointNowhereOutsideTheRepository()
    {
        var root = RepositorySecretsTests.RepositoryRoot();
        var files = Tracked(root);
        Assert.True(files.Count > 50, $"Expected the repository's files under {root}, found {files.Count}.");

        var findings = files
            .Where(f => TextExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Where(f => !NotYetRepointed.Any(p => f.StartsWith(p, StringComparison.Ordinal)))
            .Where(f => File.Exists(Path.Combine(root, f)))
            .SelectMany(f => OutsideMentions(f, File.ReadAllText(Path.Combine(root, f))))
            .ToList();

        Assert.True(findings.Count == 0,
            "These point outside the repository; point them into docs/ instead:\n" + string.Join("\n", findings));
    }

    [Fact]
    public void MarkdownLinks_ResolveInsideTheRepository()
    {
        var root = RepositorySecretsTests.RepositoryRoot();
        var files = Tracked(root);
        var tracked = files.ToHashSet(StringComparer.Ordinal);
        Assert.Contains("docs/README.md", tracked);
        Assert.Contains("docs/domain.md", tracked);
        Assert.Contains("docs/api.md", tracked);
        Assert.Contains("docs/architecture.md", tracked);

        var documents = files
            .Where(f => f.EndsWith(".md", StringComparison.Ordinal))
            .Where(f => f == "README.md" || f.StartsWith("docs/", StringComparison.Ordinal) || f.StartsWith("designs/", StringComparison.Ordinal))
            .Where(f => File.Exists(Path.Combine(root, f)))
            .ToList();
        Assert.True(documents.Count >= 15, $"Expected the README, docs/ and designs/ pages, found {documents.Count}.");

        var findings = documents.SelectMany(f => BrokenLinks(f, File.ReadAllText(Path.Combine(root, f)), tracked)).ToList();
        Assert.True(findings.Count == 0, "Links that lead nowhere in the repository:\n" + string.Join("\n", findings));
    }

    [Fact]
    public void SectionCitations_NameHeadingsThatExist()
    {
        var root = RepositorySecretsTests.RepositoryRoot();
        var files = Tracked(root);
        var headings = files
            .Where(f => f.StartsWith("docs/", StringComparison.Ordinal) && f.EndsWith(".md", StringComparison.Ordinal))
            .ToDictionary(f => f["docs/".Length..], f => Headings(File.ReadAllText(Path.Combine(root, f))), StringComparer.Ordinal);

        var findings = files
            .Where(f => TextExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Where(f => File.Exists(Path.Combine(root, f)))
            .SelectMany(f => StaleCitations(f, File.ReadAllText(Path.Combine(root, f)), headings))
            .ToList();
        Assert.True(findings.Count == 0, "Citations of sections docs/ does not have:\n" + string.Join("\n", findings));
    }

    /// <summary>The checks are real: they find what they must and pass what is fine.</summary>
    [Fact]
    public void Checks_FindPlantedProblems_AndPassGoodOnes()
    {
        // Planted values are assembled at run time, so this file itself stays clean for the checks above.
        var outside = ".." + "/shared";
        var domain = "DOM" + "AIN.md";
        Assert.NotEmpty(OutsideMentions("a.cs", $"// see {outside}/{domain} §3"));
        Assert.NotEmpty(OutsideMentions("a.cs", $"/// <summary>The rule of {domain} §3.</summary>"));
        Assert.NotEmpty(OutsideMentions("README.md", $"the contract in `{outside}/" + "AP" + "I.md`"));
        Assert.Empty(OutsideMentions("a.cs", "// docs/domain.md §Clean-record windows; docs/api.md §Errors"));
        Assert.Empty(OutsideMentions("a.cs", "// OpenAPI.md is not one of them"));

        HashSet<string> tracked = ["README.md", "docs/api.md", "docs/domain.md", "designs/adr/0001-x.md"];
        Assert.NotEmpty(BrokenLinks("docs/domain.md", "See [the API](missing.md).", tracked));
        Assert.NotEmpty(BrokenLinks("docs/domain.md", $"See [the spec]({outside}/{domain}).", tracked));
        Assert.NotEmpty(BrokenLinks("docs/domain.md", "See [outside](../../elsewhere/README.md).", tracked));
        Assert.NotEmpty(BrokenLinks("docs/domain.md", "[ref]: ../nothing/here.md", tracked));
        Assert.NotEmpty(BrokenLinks("README.md", "[untracked](data/workflows.db)", tracked));

        Assert.Empty(BrokenLinks("docs/domain.md", "See [errors](api.md#errors) and [above](#limits).", tracked));
        Assert.Empty(BrokenLinks("docs/domain.md", "[ADRs](../designs/adr/) and [home](../README.md)", tracked));
        Assert.Empty(BrokenLinks("README.md", "[docs](docs/) and [Elsa](https://github.com/elsa-workflows/elsa-core)", tracked));
        Assert.Empty(BrokenLinks("README.md", "```\n[not a link](nowhere.md)\n```\nand `[code](nowhere.md)`", tracked));

        var pages = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["domain.md"] = Headings("# The domain\n## People, ranks and seats\n### Skip-level\n"),
        };
        var cite = "docs/" + "domain.md §";
        Assert.NotEmpty(StaleCitations("a.cs", $"/// the ladder ({cite}Ranks and seats).", pages));
        Assert.NotEmpty(StaleCitations("a.cs", "// see docs/" + "nowhere.md §Anything", pages));
        Assert.Empty(StaleCitations("a.cs", $"/// the ladder ({cite}People, ranks and seats); the {cite}Skip-level rule.", pages));
    }

    private static List<string> Tracked(string root) =>
        [.. RepositorySecretsTests.TrackedFiles(root).Select(f => f.Replace('\\', '/'))];

    private static IEnumerable<string> OutsideMentions(string file, string text)
    {
        foreach (var match in OutsideFolder().Matches(text).Concat(OutsideDocument().Matches(text)).OrderBy(m => m.Index))
        {
            yield return $"{file}:{Line(text, match.Index)}: {match.Value}";
        }
    }

    private static IEnumerable<string> BrokenLinks(string file, string text, IReadOnlySet<string> tracked)
    {
        // Code is not prose: a fenced block or a code span may show link syntax without being a link.
        var prose = CodeSpan().Replace(FencedBlock().Replace(text, m => new string('\n', m.Value.Count(c => c == '\n'))), "");
        var folder = Path.GetDirectoryName(file)?.Replace('\\', '/') ?? "";
        foreach (var match in InlineLink().Matches(prose).Concat(ReferenceLink().Matches(prose)))
        {
            var target = match.Groups["target"].Value;
            if (target.StartsWith('#') || Scheme().IsMatch(target))
            {
                continue;
            }

            if (Resolve(folder, target) is not { } path
                || !(path.Length == 0 || tracked.Contains(path) || tracked.Any(t => t.StartsWith(path + "/", StringComparison.Ordinal))))
            {
                yield return $"{file}:{Line(prose, match.Index)}: {target}";
            }
        }
    }

    private static IReadOnlyList<string> Headings(string markdown) =>
        [.. Heading().Matches(FencedBlock().Replace(markdown, "")).Select(m => m.Groups["heading"].Value)];

    /// <summary>Every section citation whose page does not exist in docs/ or has no heading the citation starts with.</summary>
    private static IEnumerable<string> StaleCitations(string file, string text, IReadOnlyDictionary<string, IReadOnlyList<string>> headings)
    {
        foreach (Match match in SectionCitation().Matches(text))
        {
            var rest = match.Groups["rest"].Value;
            if (!headings.TryGetValue(match.Groups["page"].Value, out var page) || !page.Any(h => rest.StartsWith(h, StringComparison.Ordinal)))
            {
                yield return $"{file}:{Line(text, match.Index)}: {match.Value.Trim()}";
            }
        }
    }

    /// <summary>The repository-relative path a link leads to, or null when it leaves the repository.</summary>
    private static string? Resolve(string folder, string target)
    {
        var path = Uri.UnescapeDataString(target.Split('#', 2)[0].Split('?', 2)[0]);
        var parts = new List<string>();
        var start = path.StartsWith('/') ? "" : folder;
        foreach (var part in $"{start}/{path}".Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            switch (part)
            {
                case ".":
                    continue;
                case "..":
                    if (parts.Count == 0)
                    {
                        return null;
                    }

                    parts.RemoveAt(parts.Count - 1);
                    break;
                default:
                    parts.Add(part);
                    break;
            }
        }

        return string.Join('/', parts);
    }

    private static int Line(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;
}
