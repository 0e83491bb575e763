using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Web;

/// <summary>
/// Every value a person sees is words in the reader's language (docs/domain.md §Words): every GET page of the host, for
/// every kind of user, on a scene with applications of all three kinds in several states, read as a browser shows it
/// (the text of the body), must hold no GUID, no JSON, no engine code, no HTTP status and — in Chinese — no English word;
/// in English, no Chinese beyond people's and groups' names and what people typed.
/// </summary>
public abstract partial class PageWordsTests(WorkflowsApp app)
{
    private static readonly string[] Users = ["member1a", "leader1", "supervisor", "manager", "gm", "leadership", "hr"];

    /// <summary>
    /// Latin text a Chinese page may show, each on purpose: the reference number's "SQ" prefix, rule codes (R05) and
    /// the "¥" sign are the department's own notation; "CSV" and "xlsx" name the file formats of the exports; the header's
    /// "English" is the language switch, named in the language it switches to; "API" links the integrators' reference;
    /// user names (member1a) are what people type to sign in; "QQ" is a product's name in the rule catalog's titles.
    /// </summary>
    private static readonly Regex AllowedLatin = AllowedLatinPattern();

    [Fact]
    public Task EveryPage_InChinese_SpeaksChinese() => CheckAsync(english: false);

    [Fact]
    public Task EveryPage_InEnglish_ShowsNoChineseEngineText() => CheckAsync(english: true);

    [Fact]
    public void EveryPage_IsVisited()
    {
        var routes = PageRoutes(app);
        Assert.True(routes.Count >= 20, $"Expected the host's pages, found {routes.Count}.");
        // A route without parameters is read at its own address; one with parameters needs addresses from the scene.
        var missing = routes.Where(r => r.Replace("{handler?}", "", StringComparison.Ordinal).Contains('{', StringComparison.Ordinal)
            && !Visits.ContainsKey(r) && !NotVisited.ContainsKey(r)).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "Pages this proof does not read (add them to Visits): " + string.Join(", ", missing));
    }

    [Fact]
    public async Task ReferenceNumbers_AreShown_AndFoundOnHistory()
    {
        var scene = await WordsScene.OfAsync(app);
        using var hr = await app.LoginAsync("hr");
        var instance = await ApiAssert.JsonAsync(await hr.GetAsync("/api/instances/" + scene.Instances[0]));
        var number = instance.GetProperty("number").GetInt64();
        var reference = instance.GetProperty("reference").GetString()!;
        Assert.Matches("^SQ-[0-9]{6,}$", reference);
        Assert.EndsWith(number.ToString("D6", System.Globalization.CultureInfo.InvariantCulture), reference, StringComparison.Ordinal);

        // Numbers are unique and in filing order.
        var numbers = new List<long>();
        foreach (var id in scene.Instances)
        {
            numbers.Add((await ApiAssert.JsonAsync(await hr.GetAsync("/api/instances/" + id))).GetProperty("number").GetInt64());
        }

        Assert.Equal(numbers.Distinct().Count(), numbers.Count);
        Assert.Equal(numbers.Order(), numbers);

        // The inbox task carries its instance's reference; the application page and the history search show it.
        var task = (await ApiAssert.JsonAsync(await hr.GetAsync("/api/tasks?status=Open"))).EnumerateArray()
            .First(t => t.GetProperty("instanceId").GetString() == scene.Instances[0]);
        Assert.Equal(reference, task.GetProperty("reference").GetString());
        using var session = await WebSession.SignInAsync(app, "hr");
        var (_, page) = await session.GetAsync("/Instances/" + scene.Instances[0]);
        Assert.Contains(reference, page, StringComparison.Ordinal);
        var (status, found) = await session.GetAsync("/History?reference=" + Uri.EscapeDataString(reference.ToLowerInvariant()));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains($"data-instance=\"{scene.Instances[0]}\"", found, StringComparison.Ordinal);
        Assert.Single(InstanceRow().Matches(found));
        var (bad, refused) = await session.GetAsync("/History?reference=SQ-abc");
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Contains("不是审批编号", refused, StringComparison.Ordinal);
    }

    [GeneratedRegex("data-instance=\"")]
    private static partial Regex InstanceRow();

    /// <summary>
    /// The history export (CSV and .xlsx, Chinese and English) says every entry as the application page does: its text
    /// columns hold no GUID, no JSON, no engine code (history kinds, variable names, enum names) — reference numbers
    /// like SQ-000042 are the department's own — and, in Chinese, no English word.
    /// </summary>
    [Theory]
    [InlineData("csv", false)]
    [InlineData("xlsx", false)]
    [InlineData("csv", true)]
    [InlineData("xlsx", true)]
    public async Task HistoryExport_SaysEveryEntryInWords(string format, bool english)
    {
        var scene = await WordsScene.OfAsync(app);
        using var session = await WebSession.SignInAsync(app, "hr");
        if (english)
        {
            var (_, home) = await session.GetAsync("/");
            using (await session.PostFormAsync("/Culture", home, new() { ["culture"] = "en", ["returnUrl"] = "/" }))
            {
            }
        }

        using var response = await session.GetResponseAsync("/History/Export?format=" + format);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var rows = format == "xlsx"
            ? Host.Organization.WorkbookReader.FirstSheet(bytes)
            : [.. Encoding.UTF8.GetString(bytes).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(line => new[] { line })];
        Assert.True(rows.Count > scene.Instances.Count, $"Expected the scene's history, found {rows.Count} rows.");
        // Every entry of every application is there; the data column is filled for decisions with data (the reduced amount).
        var text = string.Join("\n", rows.Select(r => string.Join(" | ", r)));
        Assert.Contains(english ? "amount" : "金额", text, StringComparison.OrdinalIgnoreCase);
        Assert.Matches(@"¥\d", text);
        var problems = new List<string>();
        foreach (Match m in ExportCode().Matches(text))
        {
            problems.Add($"an engine code '{Around(text, m)}'");
        }

        problems.AddRange(english ? EnglishProblems(text, scene) : ChineseProblems(text));
        Assert.True(problems.Count == 0, $"{format} {(english ? "en" : "zh-CN")}:\n" + string.Join("\n", problems.Distinct().Take(60)));
    }

    /// <summary>What the engine writes and people never read: history kinds (task.created), variable names (targetRank).</summary>
    [GeneratedRegex(@"\b[a-z]+\.[a-z]+[A-Za-z]*\b|\b[a-z]+[A-Z][A-Za-z]*\b")]
    private static partial Regex ExportCode();


    /// <summary>Pages read without a signed-in person's scene, and why.</summary>
    private static readonly Dictionary<string, string> NotVisited = new(StringComparer.Ordinal)
    {
        ["Culture"] = "not a page: GET redirects home, POST switches the language",
        ["Account/Logout"] = "not a page: signs out and redirects",
    };

    /// <summary>Pages whose stored words are in the language of the moment they were stored, not the reader's.</summary>
    private static readonly Dictionary<string, string> StoredWords = new(StringComparer.Ordinal)
    {
        ["Promotions/Print/{id}"] = "the eligibility snapshot keeps its reasons in the words of the step that took it",
        ["Notifications"] = "notifications are written once, in the language the recipient had when they were sent",
        ["Notifications/Failed"] = "as Notifications",
    };

    /// <summary>The addresses read for each page route, from the scene.</summary>
    private static readonly Dictionary<string, Func<WordsScene, IEnumerable<string>>> Visits = new(StringComparer.Ordinal)
    {
        [""] = _ => ["/"],
        ["Index"] = _ => ["/"],
        ["Inbox"] = _ => ["/Inbox"],
        ["Instances/{id}"] = s => s.Instances.Select(i => "/Instances/" + i),
        ["History/{handler?}"] = _ => ["/History", "/History?status=Completed"],
        ["History/Trace/{id}"] = s => s.Instances.Select(i => "/History/Trace/" + i),
        ["Promotions/Print/{id}"] = s => s.Promotions.Select(i => "/Promotions/Print/" + i),
        ["Violations/{id}"] = s => s.Violations.Select(v => "/Violations/" + v),
        ["Account/Login"] = _ => ["/Account/Login"],
        ["Account/ChangePassword"] = _ => ["/Account/ChangePassword"],
        ["Account/AccessDenied"] = _ => ["/Account/AccessDenied"],
        ["Promotions/New"] = s => ["/Promotions/New", $"/Promotions/New?candidateId={s.Blocked}&targetRank=GroupLeader"],
        ["ShiftSwaps/New"] = s => ["/ShiftSwaps/New", $"/ShiftSwaps/New?counterpartId={s.Peer}"],
        ["Disputes/New"] = s => s.Violations.Select(v => "/Disputes/New?violationId=" + v),
        ["Statements/Mine"] = _ => ["/Statements/Mine"],
        ["Notifications"] = _ => ["/Notifications"],
        ["Notifications/Failed"] = _ => ["/Notifications/Failed"],
    };

    private async Task CheckAsync(bool english)
    {
        var scene = await WordsScene.OfAsync(app);
        var routes = PageRoutes(app);
        var problems = new List<string>();
        foreach (var user in Users)
        {
            using var session = await WebSession.SignInAsync(app, user);
            if (english)
            {
                var (_, home) = await session.GetAsync("/");
                using (await session.PostFormAsync("/Culture", home, new() { ["culture"] = "en", ["returnUrl"] = "/" }))
                {
                }
            }

            foreach (var route in routes.Where(r => !NotVisited.ContainsKey(r)))
            {
                var urls = Visits.TryGetValue(route, out var visit) ? visit(scene) : ["/" + route.Replace("/{handler?}", "", StringComparison.Ordinal)];
                foreach (var url in urls)
                {
                    var (status, html) = await session.GetAsync(url);
                    if (status is HttpStatusCode.Redirect or HttpStatusCode.Found)
                    {
                        continue;
                    }

                    Assert.True((int)status < 500, $"{user} {url}: {(int)status} {html[..Math.Min(html.Length, 3000)]}");
                    var text = VisibleText(html);
                    // The sign-in pages are bilingual on purpose (they are met before anyone chose a language): only the
                    // structural checks apply there.
                    // The Org import's help names the file's column headers, typed as shown.
                    var bilingual = route.StartsWith("Account/", StringComparison.Ordinal) || route == "Org/Import" || (english && StoredWords.ContainsKey(route));
                    foreach (var problem in bilingual ? CommonProblems(text) : english ? EnglishProblems(text, scene) : ChineseProblems(text))
                    {
                        problems.Add($"{user} {url}: {problem}");
                    }
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems.Distinct().Take(80)));
    }

    private static IEnumerable<string> CommonProblems(string text)
    {
        foreach (Match m in Guid().Matches(text))
        {
            yield return $"a GUID '{Around(text, m)}'";
        }

        foreach (Match m in Json().Matches(text))
        {
            yield return $"JSON '{Around(text, m)}'";
        }

        foreach (Match m in HttpStatus().Matches(text))
        {
            yield return $"an HTTP status '{Around(text, m)}'";
        }

        foreach (Match m in Literal().Matches(text))
        {
            yield return $"a literal '{Around(text, m)}'";
        }
    }

    private static IEnumerable<string> ChineseProblems(string text)
    {
        foreach (var problem in CommonProblems(text))
        {
            yield return problem;
        }

        var latin = AllowedLatin.Replace(text, " ");
        foreach (Match m in LatinWord().Matches(latin))
        {
            yield return $"the word '{m.Value}' in '{Around(latin, m)}'";
        }
    }

    private static IEnumerable<string> EnglishProblems(string text, WordsScene scene)
    {
        foreach (var problem in CommonProblems(text))
        {
            yield return problem;
        }

        // People's and groups' names and what people typed are Chinese whatever the page's language.
        var rest = scene.ChineseAllowed.OrderByDescending(s => s.Length).Aggregate(text, (t, allowed) => t.Replace(allowed, " ", StringComparison.Ordinal));
        foreach (Match m in Cjk().Matches(rest))
        {
            yield return $"Chinese '{m.Value}' in '{Around(rest, m)}'";
        }

        foreach (Match m in EngineCode().Matches(text))
        {
            yield return $"an engine code '{m.Value}' in '{Around(text, m)}'";
        }
    }

    private static string Around(string text, Match m)
    {
        var start = Math.Max(0, m.Index - 30);
        return text.Substring(start, Math.Min(text.Length - start, m.Length + 60)).ReplaceLineEndings(" ");
    }

    /// <summary>What a browser shows of the body: text outside tags, scripts, styles and templates, entities decoded.</summary>
    public static string VisibleText(string html)
    {
        var body = html.IndexOf("<body", StringComparison.OrdinalIgnoreCase) is var at and >= 0 ? html[at..] : html;
        body = Hidden().Replace(body, " ");
        body = Comment().Replace(body, " ");
        body = Tag().Replace(body, "\n");
        return WebUtility.HtmlDecode(body);
    }

    /// <summary>Every GET page route of the host, as Razor declares it ("Instances/{id}", "History/{handler?}").</summary>
    private static IReadOnlyList<string> PageRoutes(WorkflowsApp app) =>
        [.. app.Services.GetRequiredService<Microsoft.AspNetCore.Mvc.Infrastructure.IActionDescriptorCollectionProvider>().ActionDescriptors.Items
            .OfType<PageActionDescriptor>()
            .Select(p => p.AttributeRouteInfo?.Template ?? "")
            .Distinct(StringComparer.Ordinal)];

    [GeneratedRegex(@"\b(?:SQ-\d+|R\d{2,}|CSV|xlsx|English|API|(?:member|leader)\d[a-d]?|hr|supervisor|manager|gm|leadership|QQ)\b|¥")]
    private static partial Regex AllowedLatinPattern();

    [GeneratedRegex(@"[A-Za-z]{2,}")]
    private static partial Regex LatinWord();

    [GeneratedRegex(@"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex Guid();

    [GeneratedRegex(@"\{\s*""|\[\s*""|""\s*:")]
    private static partial Regex Json();

    [GeneratedRegex(@"[（(]\s*[45]\d\d\s*[)）]|\bHTTP\b|\b[45]\d\d\s*(?:Unprocessable|Forbidden|Conflict|Not Found)")]
    private static partial Regex HttpStatus();

    [GeneratedRegex(@"\b(?:null|true|false|sameGroup|crossGroup)\b")]
    private static partial Regex Literal();

    [GeneratedRegex(@"\b(?:Ineligible|GroupLeader|SupervisorNomination|DepartmentRecommendation|OtherDepartmentRecommendation|UnderDispute|InsideWindow|BeforeWindow|ViolationsInWindow|GeneralManager|SeniorLeadership|coverageFailed)\b")]
    private static partial Regex EngineCode();

    [GeneratedRegex(@"[\u3400-\u9fff]+")]
    private static partial Regex Cjk();

    [GeneratedRegex(@"<(script|style|template|head)\b[^>]*>.*?</\1>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex Hidden();

    [GeneratedRegex(@"<!--.*?-->", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"<[^>]*>", RegexOptions.Singleline)]
    private static partial Regex Tag();
}

/// <summary>
/// The department in motion, built through the API with Chinese-only typed texts: promotions running, rejected and
/// ineligible; swaps waiting and applied; disputes waiting and decided (reduced); a reward. Built once per host.
/// </summary>
public sealed record WordsScene(IReadOnlyList<string> Instances, IReadOnlyList<string> Promotions, IReadOnlyList<string> Violations,
    string Blocked, string Peer, IReadOnlyList<string> ChineseAllowed)
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<WorkflowsApp, Lazy<Task<WordsScene>>> Built = new();

    /// <summary>Every text the scene types: Chinese, so a Chinese page may show it and an English page may too.</summary>
    private static readonly string[] Typed = ["我想带团队", "家里有事", "抽查发现", "记录有误", "暂不考虑", "同意", "减半处理", "帮忙值班", "表现突出"];

    public static Task<WordsScene> OfAsync(WorkflowsApp app) => Built.GetOrAdd(app, a => new Lazy<Task<WordsScene>>(() => BuildAsync(a))).Value;

    private static async Task<WordsScene> BuildAsync(WorkflowsApp app)
    {
        string Id(string user) => app.IdOfAsync(user).GetAwaiter().GetResult();
        using var hr = await app.LoginAsync("hr");
        using var leader = await app.LoginAsync("leader1");
        using var supervisor = await app.LoginAsync("supervisor");
        using var a = await app.LoginAsync("member1a");
        using var b = await app.LoginAsync("member1b");
        using var c = await app.LoginAsync("member1c");
        using var d = await app.LoginAsync("member1d");
        var group1 = (await ApiAssert.JsonAsync(await hr.GetAsync("/api/groups"))).EnumerateArray()
            .Single(g => g.GetProperty("name").GetString() == "一组").GetProperty("id").GetString()!;
        var instances = new List<string>();
        var promotions = new List<string>();
        var violations = new List<string>();

        // Promotions: one waiting for HR, one HR rejected, one closed at the gate as ineligible.
        var running = await CreatedAsync(await a.PostAsJsonAsync("/api/promotions", new { candidateId = Id("member1a"), targetRank = "GroupLeader", channel = "Self", statement = "我想带团队" }));
        var rejected = await CreatedAsync(await b.PostAsJsonAsync("/api/promotions", new { candidateId = Id("member1b"), targetRank = "GroupLeader", channel = "Self", statement = "我想带团队" }));
        await DecideAsync(hr, rejected, "reject", "暂不考虑");
        violations.Add(await ViolationAsync(leader, Id("member1c"), "R05"));
        var ineligible = await CreatedAsync(await c.PostAsJsonAsync("/api/promotions", new { candidateId = Id("member1c"), targetRank = "GroupLeader", channel = "Self", statement = "我想带团队" }));
        promotions.AddRange([running, rejected, ineligible]);

        // Swaps: one waiting for the colleague; one accepted, approved and applied.
        var shiftA = await ShiftAsync(leader, group1, "2026-03-10", Id("member1a"));
        var shiftB = await ShiftAsync(leader, group1, "2026-03-11", Id("member1b"));
        var shiftC = await ShiftAsync(leader, group1, "2026-03-12", Id("member1a"));
        var shiftD = await ShiftAsync(leader, group1, "2026-03-13", Id("member1d"));
        var waiting = await CreatedAsync(await a.PostAsJsonAsync("/api/shift-swaps", new { shiftId = shiftA, counterpartId = Id("member1b"), counterpartShiftId = shiftB, reason = "家里有事" }));
        var applied = await CreatedAsync(await a.PostAsJsonAsync("/api/shift-swaps", new { shiftId = shiftC, counterpartId = Id("member1d"), counterpartShiftId = shiftD, reason = "家里有事" }));
        await DecideAsync(d, applied, "accept", "帮忙值班");
        await DecideAsync(leader, applied, "approve", "同意");

        // Disputes: one waiting for the supervisor, one reduced.
        var open = await ViolationAsync(leader, Id("member1a"), "R02");
        var reducedViolation = await ViolationAsync(leader, Id("member1a"), "R13");
        violations.AddRange([open, reducedViolation, await ViolationAsync(leader, Id("member1a"), "R05")]);
        var disputeWaiting = await CreatedAsync(await a.PostAsJsonAsync("/api/disputes", new { violationId = open, reason = "记录有误" }));
        var disputeReduced = await CreatedAsync(await a.PostAsJsonAsync("/api/disputes", new { violationId = reducedViolation, reason = "记录有误" }));
        var penalty = (await ApiAssert.JsonAsync(await hr.GetAsync($"/api/violations/{reducedViolation}"))).GetProperty("violation").GetProperty("penaltyAmount").GetDecimal();
        await DecideAsync(supervisor, disputeReduced, "reduce", "减半处理", new { amount = Math.Max(1m, decimal.Round(penalty / 2, 2)) });

        using var manager = await app.LoginAsync("manager");
        await ApiAssert.JsonAsync(await manager.PostAsJsonAsync("/api/rewards", new { employeeId = Id("member1a"), amount = 20, reason = "表现突出", awardedOn = "2026-03-01" }), HttpStatusCode.Created);

        instances.AddRange([running, rejected, ineligible, waiting, applied, disputeWaiting, disputeReduced]);
        // Beside names and typed texts: "中文", the language switch named in its own language, and the department's own
        // names of its paper forms, shown as a subtitle (《晋升申请表》, 乐捐申诉, 乐捐明细).
        var names = Host.Platform.DemoSeed.Accounts.Values.Concat(["一组", "二组", "三组", "中文", "晋升申请表", "乐捐申诉", "乐捐明细"]).Concat(Typed).ToList();
        return new WordsScene(instances, promotions, violations, Id("member1c"), Id("member1b"), names);
    }

    private static async Task DecideAsync(HttpClient client, string instanceId, string action, string comment, object? data = null)
    {
        var inbox = await ApiAssert.JsonAsync(await client.GetAsync("/api/tasks?status=Open"));
        var task = inbox.EnumerateArray().First(t => t.GetProperty("instanceId").GetString() == instanceId).GetProperty("id").GetString();
        await ApiAssert.JsonAsync(await client.PostAsJsonAsync($"/api/tasks/{task}/complete", new { action, comment, data }));
    }

    private static async Task<string> CreatedAsync(HttpResponseMessage response) =>
        (await ApiAssert.JsonAsync(response, HttpStatusCode.Created)).GetProperty("id").GetString()!;

    private static async Task<string> ShiftAsync(HttpClient leader, string groupId, string date, string assignee)
    {
        var shift = await CreatedAsync(await leader.PostAsJsonAsync("/api/shifts", new { groupId, date, start = "09:00", end = "17:00", minStaff = 1 }));
        await ApiAssert.JsonAsync(await leader.PostAsJsonAsync($"/api/shifts/{shift}/assignments", new { employeeId = assignee }), HttpStatusCode.Created);
        return shift;
    }

    private static async Task<string> ViolationAsync(HttpClient recorder, string employeeId, string rule) =>
        await CreatedAsync(await recorder.PostAsJsonAsync("/api/violations",
            new { employeeId, ruleCode = rule, occurredOn = "2026-03-01", description = "抽查发现" }));
}

public sealed class PageWordsTests_Sqlite(SqliteApp app) : PageWordsTests(app), IClassFixture<SqliteApp>;

public sealed class PageWordsTests_Postgres : PageWordsTests, IClassFixture<PostgresApp>
{
    public PageWordsTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
